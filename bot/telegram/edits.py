"""The Telegram tables of corrections (`m004_stated` in `bot/telegram/schema.py`), on the
store's worker: what each card and review stated, and each correction, an edit of its message
written as pending (with the message's whole new text) before the edit is made."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.corrections import Change, Output, Stated
from bot.telegram.store import CARD, REVIEW, Review, TelegramStore


@dataclass(frozen=True)
class Edit:
    """A correction of a sent card or review: its message edited to `text`."""

    key: str
    kind: Literal["card", "review"]
    ref: str
    chat_id: str
    message_id: int
    text: str


class CorrectionTables:
    """The m004 tables, on a `TelegramStore`'s worker (kept apart from the outbox above)."""

    def __init__(self, store: TelegramStore) -> None:
        self.store, self.db = store, store.db

    async def record_stated(self, key: str, stated: Stated, now: datetime) -> None:
        """What the message with `key` (card_key / review_key) states, written before it is
        sent (the first one kept: a card is sent once per post)."""

        def put() -> None:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO telegram_stated (key, corpus_version, stated, "
                    "created_at) VALUES (?, ?, ?, ?)",
                    [key, stated.corpus_version, stated.to_json(), now.isoformat()],
                )

        await self.store._run(put)

    async def stated(self, key: str) -> Stated | None:
        def get() -> Stated | None:
            row = self.db.execute(
                "SELECT stated FROM telegram_stated WHERE key = ?", [key]
            ).fetchone()
            return Stated.from_json(row[0]) if row else None

        return await self.store._run(get)

    async def outputs(self) -> list[Output]:
        """Sent channel cards and sent, undecided reviews that stated facts, with what each
        states now (its last correction's facts, if any). A decided review is not corrected:
        what it published carries its own record."""
        last = (
            "COALESCE((SELECT c.stated FROM telegram_corrections c WHERE c.kind = ? "
            "AND c.ref = {ref} ORDER BY c.id DESC LIMIT 1), s.stated)"
        )

        def read() -> list[Output]:
            cards = self.db.execute(
                f"SELECT p.post_id, {last.format(ref='p.post_id')} FROM telegram_published p "  # noqa: S608 - fixed text
                "JOIN telegram_stated s ON s.key = 'card:' || p.post_id "
                "WHERE p.status = 'sent' AND p.message_id IS NOT NULL ORDER BY p.sent_at",
                [CARD],
            ).fetchall()
            reviews = self.db.execute(
                f"SELECT r.id, {last.format(ref='CAST(r.id AS TEXT)')} FROM telegram_reviews r "  # noqa: S608 - fixed text
                "JOIN telegram_stated s ON s.key = 'review:' || r.post_id "
                "WHERE r.message_id IS NOT NULL AND r.decision IS NULL ORDER BY r.id",
                [REVIEW],
            ).fetchall()
            return [
                *(Output("telegram", "card", str(p), Stated.from_json(j)) for p, j in cards),
                *(Output("telegram", "review", str(i), Stated.from_json(j)) for i, j in reviews),
            ]

        return await self.store._run(read)

    async def shown(self, kind: str, ref: str) -> tuple[str, int, str] | None:
        """(chat, message id, the text it shows once every correction written is made)."""

        def get() -> tuple[str, int, str] | None:
            if kind == CARD:
                sql = "SELECT chat_id, message_id, text FROM telegram_published WHERE post_id = ?"
            else:
                sql = "SELECT chat_id, message_id, review_html FROM telegram_reviews WHERE id = ?"
            row = self.db.execute(sql, [ref if kind == CARD else int(ref)]).fetchone()
            if row is None or row[1] is None:
                return None
            fixed = self.db.execute(
                "SELECT text FROM telegram_corrections WHERE kind = ? AND ref = ? "
                "ORDER BY id DESC LIMIT 1",
                [kind, ref],
            ).fetchone()
            return str(row[0]), int(row[1]), str(fixed[0] if fixed else row[2])

        return await self.store._run(get)

    async def add(
        self, edit: Edit, stated: Stated, changes: Sequence[Change], now: datetime
    ) -> Edit:
        """Write the edit as pending (once per key: an existing row is returned unchanged)."""

        def add() -> Edit:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO telegram_corrections (key, kind, ref, chat_id, "
                    "message_id, text, stated, changes, status, attempts, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
                    [
                        edit.key,
                        edit.kind,
                        edit.ref,
                        edit.chat_id,
                        edit.message_id,
                        edit.text,
                        stated.to_json(),
                        json.dumps([c.to_json() for c in changes], ensure_ascii=False),
                        now.isoformat(),
                    ],
                )
            row = self.db.execute(
                "SELECT key, kind, ref, chat_id, message_id, text FROM telegram_corrections "
                "WHERE key = ?",
                [edit.key],
            ).fetchone()
            return Edit(*row)

        return await self.store._run(add)

    async def pending(self, max_attempts: int) -> list[Edit]:
        """Edits written and not marked sent, in the order they were written."""

        def select() -> list[Edit]:
            rows = self.db.execute(
                "SELECT key, kind, ref, chat_id, message_id, text FROM telegram_corrections "
                "WHERE status = 'pending' AND attempts < ? ORDER BY id",
                [max_attempts],
            ).fetchall()
            return [Edit(*r) for r in rows]

        return await self.store._run(select)

    async def mark(self, key: str, now: datetime, error: str | None = None) -> None:
        """Sent (error None), or one more failed attempt with its error."""

        def mark() -> None:
            with self.db.conn:
                if error is None:
                    self.db.execute(
                        "UPDATE telegram_corrections SET status = 'sent', sent_at = ? "
                        "WHERE key = ?",
                        [now.isoformat(), key],
                    )
                else:
                    self.db.execute(
                        "UPDATE telegram_corrections SET attempts = attempts + 1, "
                        "last_error = ? WHERE key = ?",
                        [error[:500], key],
                    )

        await self.store._run(mark)

    async def review_text(self, review: Review) -> str:
        """The review's text as shown now: its last correction's, else the one first sent."""
        shown = await self.shown(REVIEW, str(review.id))
        return shown[2] if shown else review.review_html
