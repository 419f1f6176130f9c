"""Applying corrections on every platform: the one code path behind `factbot corrections
--apply` and an operator's Approve in the review chat.

Each platform's corrector (`bot/bluesky/corrections.py`, `bot/telegram/corrections.py`) lists
its published outputs with what they state now, and corrects one through its outbox. Here, for
the current corpus: first whatever a crash left pending is delivered, then each output whose
stated facts changed gets its correction's audit rows (once per key) and then the correction
itself. One run at a time (a lock), so two approvals never race; a second run finds nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.bluesky.calls import Calls, utc_now
from bot.bluesky.client import Session, build_client
from bot.bluesky.client import credentials as bluesky_credentials
from bot.bluesky.corrections import BlueskyCorrector
from bot.bluesky.label_corrections import LabelCorrector, label_outputs
from bot.bluesky.label_store import LabelStore
from bot.bluesky.labeler import Labeler, labeler_credentials
from bot.bluesky.replies import ThreadSender
from bot.bluesky.stated import StatedTables
from bot.bluesky.store import BlueskyStore
from bot.config import Config
from bot.corrections import Found, Output, pending
from bot.database import Database
from bot.domain import Corpus
from bot.store import AuditLog
from bot.telegram.app import TOKEN_ENV, build_application
from bot.telegram.corrections import TelegramCorrector
from bot.telegram.edits import CorrectionTables
from bot.telegram.store import TelegramStore

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


class MissingCredentials(RuntimeError):
    """Corrections are due on a platform whose credentials are not set; safe to print."""


async def from_the_command_line(
    config: Config, corpus: Corpus, apply: bool, environ: Mapping[str, str]
) -> tuple[list[Found], Applied | None]:
    """`factbot corrections`: what is pending; with `apply`, correct it with the platforms'
    credentials from the environment (the live bot must not be running on Bluesky: it holds
    the session; an operator's Approve in the review chat does the same from inside it)."""
    database = Database(config.store.path)  # one file, one writer, shared by the stores
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(database.close)
        audit = AuditLog(database)
        bluesky, telegram = BlueskyStore(database), TelegramStore(database)
        tables = CorrectionTables(telegram)
        labels = LabelStore(database)
        outputs = [
            *await StatedTables(bluesky).outputs(),
            *await tables.outputs(),
            *await label_outputs(labels, utc_now()),
        ]
        found = pending(outputs, corpus)
        if not apply or not found:
            return found, None
        correctors: list[Corrector] = []
        kinds = {(f.output.platform, f.output.kind) for f in found}
        if ("bluesky", "reply") in kinds:
            correctors.append(await _bluesky(config, bluesky, environ, stack))
        if {k for p, k in kinds if p == "telegram"}:
            correctors.append(await _telegram(config, tables, environ, stack))
        if ("bluesky", "label") in kinds:
            correctors.append(await _labeler(config, database, environ, stack))
        return found, await Corrections(correctors, audit, utc_now).apply(corpus)
    raise AssertionError("unreachable")  # pragma: no cover


async def _bluesky(
    config: Config,
    store: BlueskyStore,
    environ: Mapping[str, str],
    stack: contextlib.AsyncExitStack,
) -> Corrector:
    account = bluesky_credentials(environ)
    if account is None:
        raise MissingCredentials(
            "Bluesky replies need correcting: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"
        )
    cfg = config.bluesky
    client = build_client(cfg)
    stack.push_async_callback(client.request.close)
    session = Session(client, cfg.session_file)
    stack.callback(session.close)
    calls = Calls(cfg)
    did = await session.start(*account, calls)
    return BlueskyCorrector(ThreadSender(client, did, store, calls, utc_now), config.reply)


async def _labeler(
    config: Config,
    database: Database,
    environ: Mapping[str, str],
    stack: contextlib.AsyncExitStack,
) -> Corrector:
    account = labeler_credentials(environ)
    if account is None:
        raise MissingCredentials(
            "Bluesky labels need withdrawing: set LABELER_HANDLE and LABELER_APP_PASSWORD"
        )
    labeler = Labeler(config.labeler, config.bluesky, database)
    stack.push_async_callback(labeler.close)
    await labeler.start(*account)
    return LabelCorrector(labeler)


async def _telegram(
    config: Config,
    tables: CorrectionTables,
    environ: Mapping[str, str],
    stack: contextlib.AsyncExitStack,
) -> Corrector:
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise MissingCredentials(f"Telegram cards need correcting: set {TOKEN_ENV}")
    app = build_application(config.telegram, token)
    await app.initialize()
    stack.push_async_callback(app.shutdown)
    return TelegramCorrector(app.bot, tables, config.reply, utc_now)
