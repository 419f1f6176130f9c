"""The one pipeline as the live process uses it: every check is measured for /metrics and
written to the audit trail, and the checker can be swapped whole when the corpus is reloaded
(a batch already running finishes on the checker it started with).

Live, the audit trail keeps the checks the models made: a post the gate turned away (nearly
every post of a firehose) is only counted, in `factbot_posts_gated_total`, or the file would
grow by a row for every post on the network. A replay (`audit_all`) keeps every check, as
`factbot check` does.

A refused audit write (the file locked past its busy timeout, the disk full) is logged, counted
(`factbot_errors_total{kind="audit"}`) and retried with backoff until the store takes it; while
it is refused, `audit_health` fails /healthz. At stop, a write still refused gets one last
try, then its posts are logged as not recorded. A row the store can never take (a value it
cannot encode) is logged and counted, not retried."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import sqlite3
import time
from collections.abc import Sequence

from bot.domain import CheckResult, Corpus, Post
from bot.pipeline import Checker
from bot.prefetch import Prefetch
from bot.runtime.metrics import Metrics
from bot.store import AuditLog

log = logging.getLogger(__name__)
RETRY_FIRST_SECONDS = 0.5  # the first retry of a refused audit write; doubled each time
RETRY_CAP_SECONDS = 30.0
# Errors of the store itself (locked, full, I/O): retried. Anything else is about the rows.
TRANSIENT = (sqlite3.OperationalError, OSError)


class AuditRefused(Exception):
    """The store refuses audit writes (the health check's answer)."""


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
        self.prefetch = _prefetch(checker)
        self.audit_all = audit_all
        self._writes: set[concurrent.futures.Future[None]] = set()
        self.audit_errors = 0  # failed audit writes (each attempt)
        self.refused = ""  # the store's last refusal, "" once a write goes through
        self._stopping = asyncio.Event()
        metrics.count_errors("audit", lambda: self.audit_errors)

    @property
    def corpus(self) -> Corpus:
        return self.checker.corpus

    @property
    def model(self) -> str:
        return self.checker.model

    def swap(self, checker: Checker) -> None:
        self.checker = checker
        self.prefetch = _prefetch(checker)

    def check(self, post: Post) -> CheckResult:
        return self.check_many([post])[0]

    def check_many(self, posts: Sequence[Post]) -> list[CheckResult]:
        """Called from worker threads (the models are CPU-bound); the audit row is written
        on the store's own worker, queued from here without waiting for it."""
        checker = self.checker
        started = time.perf_counter()
        results = checker.check_many(posts)
        self.metrics.observe(results, time.perf_counter() - started)
        kept = results if self.audit_all else [r for r in results if r.admitted]
        if not kept:
            return results
        write = asyncio.run_coroutine_threadsafe(
            self._record(kept, checker.corpus.version, checker.model), self.loop
        )
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)
        return results

    async def _record(self, kept: Sequence[CheckResult], version: str, model: str) -> None:
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                await self.audit.record(kept, version, model)
            except Exception as exc:  # every failure is logged and counted, none is silent
                self.audit_errors += 1
                why = f"{type(exc).__name__}: {exc}"
                ids = ", ".join(r.post.id for r in kept[:5]) + (" …" if len(kept) > 5 else "")
                if not isinstance(exc, TRANSIENT):
                    log.error("audit: %d check(s) cannot be recorded (%s): %s", len(kept), why, ids)
                    return
                self.refused = why
                if self._stopping.is_set():
                    log.error(
                        "audit: %d check(s) NOT recorded at stop (%s): %s", len(kept), why, ids
                    )
                    return
                log.error(
                    "audit: the store refused %d check(s) (%s); retry in %.1f s",
                    len(kept),
                    why,
                    delay,
                )
                with contextlib.suppress(TimeoutError):  # the backoff, cut short at stop
                    await asyncio.wait_for(self._stopping.wait(), delay)
                delay = min(delay * 2, RETRY_CAP_SECONDS)
            else:
                if self.refused:
                    log.warning("audit: the store takes writes again")
                self.refused = ""
                return

    async def audit_health(self) -> None:
        """/healthz: fails while the store refuses audit writes."""
        if self.refused:
            raise AuditRefused(f"the store refuses audit writes ({self.refused})")

    async def drain(self) -> None:
        """Wait for the audit rows still being written (at stop): a refused write gets one last
        try now instead of its backoff."""
        self._stopping.set()
        pending = [asyncio.wrap_future(f) for f in list(self._writes)]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def _prefetch(checker: Checker) -> Prefetch | None:
    """A large corpus's cache files read into the page cache in the background (its first
    posts would otherwise wait on the disk, a random read a candidate row); None for a corpus
    searched exactly, which is held in memory."""
    files = checker.matcher.index.files
    return Prefetch(files) if files else None
