"""Applying corrections on every platform: the one code path behind `factbot corrections
--apply` and an operator's Approve in the review chat.

Each platform's corrector (`bot/bluesky/corrections.py`, `bot/telegram/corrections.py`) lists
its published outputs with what they state now, and corrects one through its outbox. Here, for
the current corpus: first whatever a crash left pending is delivered, then each output whose
stated facts changed gets its correction's audit rows (once per key) and then the correction
itself. One run at a time (a lock), so two approvals never race; a second run finds nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.corrections import Found, Output, pending
from bot.domain import Corpus
from bot.store import AuditLog

log = logging.getLogger(__name__)


class Corrector(Protocol):
    platform: str

    async def outputs(self) -> list[Output]: ...

    def key(self, found: Found, corpus: Corpus) -> str: ...

    async def reconcile(self) -> int: ...

    async def apply(self, found: Found, corpus: Corpus, day: date) -> object: ...


@dataclass(frozen=True)
class Applied:
    done: tuple[Found, ...]
    failed: tuple[Found, ...]  # raised: their rows stay pending for the next reconcile

    def summary(self) -> str:
        if not self.done and not self.failed:
            return "Nothing to correct."
        failed = f"; {len(self.failed)} failed (retried later)" if self.failed else ""
        return f"{len(self.done)} published output(s) corrected{failed}."


class Corrections:
    def __init__(
        self, correctors: Sequence[Corrector], audit: AuditLog, clock: Callable[[], datetime]
    ) -> None:
        self.correctors, self.audit, self.clock = list(correctors), audit, clock
        self._lock = asyncio.Lock()

    async def find(self, corpus: Corpus) -> list[Found]:
        outputs = [o for c in self.correctors for o in await c.outputs()]
        return pending(outputs, corpus)

    async def apply(self, corpus: Corpus) -> Applied:
        async with self._lock:
            for corrector in self.correctors:
                await corrector.reconcile()
            done: list[Found] = []
            failed: list[Found] = []
            for corrector in self.correctors:
                for found in pending(await corrector.outputs(), corpus):
                    now = self.clock()
                    key = corrector.key(found, corpus)
                    try:
                        await self.audit.record_correction(key, found, corpus.version, now)
                        await corrector.apply(found, corpus, now.date())
                    except Exception:
                        log.exception("correction %s failed; it is retried later", key)
                        failed.append(found)
                        continue
                    done.append(found)
            if done:
                log.info(
                    "corrections: %d output(s) corrected to %s", len(done), corpus.version[:12]
                )
            return Applied(tuple(done), tuple(failed))
