"""The one pipeline as the live process uses it: every check is measured for /metrics and
written to the audit trail, and the checker can be swapped whole when the corpus is reloaded
(a batch already running finishes on the checker it started with).

Live, the audit trail keeps the checks the models made: a post the gate turned away (nearly
every post of a firehose) is only counted, in `factbot_posts_gated_total`, or the file would
grow by a row for every post on the network. A replay (`audit_all`) keeps every check, as
`factbot check` does."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Sequence

from bot.domain import CheckResult, Corpus, Post
from bot.pipeline import Checker
from bot.runtime.metrics import Metrics
from bot.store import AuditLog


class LiveChecks:
    def __init__(
        self,
        checker: Checker,
        metrics: Metrics,
        audit: AuditLog,
        loop: asyncio.AbstractEventLoop,
        audit_all: bool = False,
    ) -> None:
        self.checker, self.metrics, self.audit, self.loop = checker, metrics, audit, loop
        self.audit_all = audit_all
        self._writes: set[concurrent.futures.Future[None]] = set()

    @property
    def corpus(self) -> Corpus:
        return self.checker.corpus

    @property
    def model(self) -> str:
        return self.checker.model

    def swap(self, checker: Checker) -> None:
        self.checker = checker

    def check(self, post: Post) -> CheckResult:
        return self.check_many([post])[0]

    def check_many(self, posts: Sequence[Post]) -> list[CheckResult]:
        """Called from worker threads (the models are CPU-bound); the audit row is written
        on the store's own worker, queued from here without waiting for it."""
        checker = self.checker
        started = time.perf_counter()
        results = checker.check_many(posts)
        self.metrics.observe(results, time.perf_counter() - started)
        kept = results if self.audit_all else [r for r in results if r.gated]
        if not kept:
            return results
        write = asyncio.run_coroutine_threadsafe(
            self.audit.record(kept, checker.corpus.version, checker.model), self.loop
        )
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)
        return results

    async def drain(self) -> None:
        """Wait for the audit rows still being written (at stop)."""
        pending = [asyncio.wrap_future(f) for f in list(self._writes)]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
