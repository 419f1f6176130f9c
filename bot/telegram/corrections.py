"""Correcting a card or review already sent on Telegram: its message is edited
(editMessageText) to add a dated "Corrected …" line per change, kept within 4096 characters.

Each edit is written as pending, with the message's whole new text, before it is made, and
marked after (`bot/telegram/edits.py`); `reconcile` makes what a crash or a failure left
pending. An edit made twice shows the same text: Telegram answers "message is not modified",
which counts as done, so a repeat after a crash changes nothing anyone sees."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Literal

from telegram import Bot
from telegram.error import BadRequest

from bot.compose import ReplyTexts
from bot.corrections import Found, Output, after, correction_lines
from bot.domain import Corpus
from bot.telegram.cards import esc, fit
from bot.telegram.edits import CorrectionTables, Edit
from bot.telegram.publish import MAX_ATTEMPTS, chat_id, review_buttons
from bot.telegram.store import CARD, REVIEW

log = logging.getLogger(__name__)


def correction_key(found: Found, corpus: Corpus) -> str:
    out = found.output
    return f"correction:{out.kind}:{out.id}:{after(out.stated, corpus).digest()}"


class TelegramCorrector:
    platform = "telegram"

    def __init__(
        self,
        bot: Bot,
        tables: CorrectionTables,
        texts: ReplyTexts,
        clock: Callable[[], datetime],
    ) -> None:
        self.bot, self.tables, self.texts, self.clock = bot, tables, texts, clock
        self.edited = 0  # edits Telegram accepted (or had already), this process
        self._lock = asyncio.Lock()  # one edit at a time: apply and reconcile never race

    async def outputs(self) -> list[Output]:
        return await self.tables.outputs()

    def key(self, found: Found, corpus: Corpus) -> str:
        return correction_key(found, corpus)

    async def apply(self, found: Found, corpus: Corpus, day: date) -> bool:
        """Write the edit (once per key) and make it; False when the message is gone."""
        kind: Literal["card", "review"] = CARD if found.output.kind == "card" else REVIEW
        async with self._lock:
            shown = await self.tables.shown(kind, found.output.id)
            if shown is None:
                return False
            chat, message_id, text = shown
            lines = [esc(line) for line in correction_lines(found.changes, day, self.texts)]
            edit = Edit(
                self.key(found, corpus),
                kind,
                found.output.id,
                chat,
                message_id,
                fit([], text, lines),
            )
            new = after(found.output.stated, corpus)
            edit = await self.tables.add(edit, new, found.changes, self.clock())
            await self._edit(edit)
        return True

    async def reconcile(self) -> int:
        """Make every edit written but not marked (a crash, a failed call); how many."""
        done = 0
        async with self._lock:
            for edit in await self.tables.pending(MAX_ATTEMPTS):
                try:
                    await self._edit(edit)
                except Exception:
                    log.exception("correction %s not made; it stays pending", edit.key)
                    continue
                done += 1
        return done

    async def _edit(self, edit: Edit) -> None:
        markup = None
        if edit.kind == REVIEW:
            review = await self.tables.store.review(int(edit.ref))
            if review is not None and review.decision is not None:
                # decided since: its message already shows the corrected text, with the footer
                await self.tables.mark(edit.key, self.clock())
                return
            markup = review_buttons(int(edit.ref))
        try:
            await self.bot.edit_message_text(
                edit.text,
                chat_id=chat_id(edit.chat_id),
                message_id=edit.message_id,
                reply_markup=markup,
            )
        except BadRequest as exc:
            if "not modified" not in exc.message:
                await self.tables.mark(edit.key, self.clock(), f"BadRequest: {exc.message}")
                raise
        except Exception as exc:
            await self.tables.mark(edit.key, self.clock(), f"{type(exc).__name__}: {exc}")
            raise
        self.edited += 1
        await self.tables.mark(edit.key, self.clock())
