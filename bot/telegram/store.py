"""The Telegram adapter's tables, in the same SQLite file as `bot/store.py`.

Its own named migration set ("factbot-telegram", `bot/telegram/schema.py`), so the core's
migrations are never edited.
Every statement runs on one worker thread (a single writer, off the event loop).

Every outgoing message the bot initiates is an outbox row written before the send, with the
exact text it will send, and marked sent with Telegram's message id after:
- `telegram_published`: a channel card, one per post ever (status "sending", then "sent");
- `telegram_reviews`: a review for the operators (message_id null until it is sent);
- `telegram_outbox`: alerts and daily digests, by idempotency key ("alert:…", "digest:…"), and
  offers of corrections to the operators ("offer:…");
- `telegram_stated` and `telegram_corrections` (m004, `bot/telegram/edits.py`): what each card and
  review stated, and each correction: an edit of its message, written as pending first.
A row still pending at start (a crash, or a send that failed) is what `TelegramOutlet.reconcile`
sends. Answers to a user's own message are not kept: the user can ask again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from bot.database import Database, Tables
from bot.domain import BlueskyPost, LinkFacet
from bot.status import read_window
from bot.telegram.digest import DigestFigures, day_figures
from bot.telegram.schema import migrations

# What an outgoing message is: a channel card, a review for the operators, an alert, the daily
# digest, or an offer to the operators to apply corrections (an Approve button).
Kind = Literal["card", "review", "alert", "digest", "offer"]
CARD: Final = "card"
REVIEW: Final = "review"
ALERT: Final = "alert"
DIGEST: Final = "digest"
OFFER: Final = "offer"


@dataclass(frozen=True)
class Pending:
    """One outgoing message not yet marked sent. `key` is its idempotency key (the same for
    every attempt); `ref` names its row (a post id, a review id, an outbox key)."""

    kind: Kind
    key: str
    ref: str
    chat_id: str
    text: str


def card_key(post_id: str) -> str:
    return f"{CARD}:{post_id}"


def review_key(post_id: str) -> str:
    return f"{REVIEW}:{post_id}"


@dataclass(frozen=True)
class Review:
    id: int
    post_id: str
    verdict: str
    score: float
    target: str
    card: str
    bluesky: tuple[BlueskyPost, ...]
    review_html: str
    chat_id: str
    message_id: int | None
    decision: str | None


def thread_to_json(thread: Sequence[BlueskyPost]) -> str:
    return json.dumps(
        [
            {"text": p.text, "links": [[f.byte_start, f.byte_end, f.uri] for f in p.links]}
            for p in thread
        ],
        ensure_ascii=False,
    )


def thread_from_json(raw: str | None) -> tuple[BlueskyPost, ...]:
    return tuple(
        BlueskyPost(p["text"], tuple(LinkFacet(a, b, uri) for a, b, uri in p["links"]))
        for p in json.loads(raw or "[]")
    )


class TelegramStore(Tables):
    def __init__(self, database: Database | Path | str) -> None:
        super().__init__(database, migrations)

    # --- the channel: one message per post, ever ------------------------------------------

    async def claim_publication(
        self, post_id: str, chat_id: str, text: str, now: datetime
    ) -> str | None:
        """Write the card as pending unless this post has a row. The card to send now: this
        one, or the one written by an earlier claim never marked sent; None once it was sent
        (or claimed before m003, with no text kept)."""

        def claim() -> str | None:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO telegram_published (post_id, chat_id, status, "
                    "claimed_at, text) VALUES (?, ?, 'sending', ?, ?)",
                    [post_id, chat_id, now.isoformat(), text],
                )
                row = self.db.execute(
                    "SELECT text FROM telegram_published WHERE post_id = ? AND status = 'sending'",
                    [post_id],
                ).fetchone()
                return str(row[0]) if row and row[0] is not None else None

        return await self._run(claim)

    async def published(self) -> list[dict[str, Any]]:
        return await self._run(lambda: list(self.db["telegram_published"].rows))

    # --- operator review ------------------------------------------------------------------

    async def add_review(self, row: dict[str, Any]) -> int | None:
        """Store a pending review; None when this post already has one."""

        def add() -> int | None:
            with self.db.conn:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO telegram_reviews (post_id, verdict, score, target, "
                    "card, bluesky, review_html, chat_id, created_at) "
                    "VALUES (:post_id, :verdict, :score, :target, :card, :bluesky, "
                    ":review_html, :chat_id, :created_at)",
                    row,
                )
                return cur.lastrowid if cur.rowcount == 1 else None

        return await self._run(add)

    async def set_review_message(
        self, review_id: int, message_id: int, now: datetime | None = None
    ) -> None:
        def set_message() -> None:
            sent_at = now.isoformat() if now else None
            with self.db.conn:
                self.db.table("telegram_reviews").update(
                    review_id, {"message_id": message_id, "sent_at": sent_at}
                )

        await self._run(set_message)

    async def review(self, review_id: int) -> Review | None:
        def get() -> Review | None:
            rows = list(self.db["telegram_reviews"].rows_where("id = ?", [review_id]))
            if not rows:
                return None
            r = rows[0]
            return Review(
                id=r["id"],
                post_id=r["post_id"],
                verdict=r["verdict"],
                score=r["score"],
                target=r["target"],
                card=r["card"],
                bluesky=thread_from_json(r["bluesky"]),
                review_html=r["review_html"],
                chat_id=r["chat_id"],
                message_id=r["message_id"],
                decision=r["decision"],
            )

        return await self._run(get)

    async def decide(
        self, review: Review, decision: str, operator_id: int, operator: str, now: datetime
    ) -> bool:
        """Record the decision; False when another operator decided first."""

        def decide() -> bool:
            with self.db.conn:
                cur = self.db.execute(
                    "UPDATE telegram_reviews SET decision = ? WHERE id = ? AND decision IS NULL",
                    [decision, review.id],
                )
                if cur.rowcount != 1:
                    return False
                self.db.table("telegram_decisions").insert(
                    {
                        "review_id": review.id,
                        "post_id": review.post_id,
                        "verdict": review.verdict,
                        "score": review.score,
                        "decision": decision,
                        "operator_id": operator_id,
                        "operator": operator,
                        "target": review.target,
                        "decided_at": now.isoformat(),
                    }
                )
                return True

        return await self._run(decide)

    async def decisions(self) -> list[dict[str, Any]]:
        return await self._run(
            lambda: list(self.db["telegram_decisions"].rows_where(order_by="id"))
        )

    # --- alerts and digests, and the outbox as a whole ------------------------------------

    async def add_message(
        self, kind: Kind, key: str, chat_id: str, text: str, now: datetime
    ) -> str | None:
        """Write an alert or digest as pending unless `key` has a row. The text to send now:
        this one, or the one written before and never marked sent; None once it was sent."""

        def add() -> str | None:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO telegram_outbox (key, kind, chat_id, text, status, "
                    "attempts, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?)",
                    [key, kind, chat_id, text, now.isoformat()],
                )
                row = self.db.execute(
                    "SELECT text FROM telegram_outbox WHERE key = ? AND status = 'pending'", [key]
                ).fetchone()
                return str(row[0]) if row else None

        return await self._run(add)

    async def pending(self, max_attempts: int) -> list[Pending]:
        """Every message written but not marked sent that has failed fewer than
        `max_attempts` times, oldest first within each kind. A card claimed before m003 has no
        text and cannot be sent again: it is left alone."""

        def select() -> list[Pending]:
            cards = self.db.execute(
                "SELECT post_id, chat_id, text FROM telegram_published WHERE status = 'sending' "
                "AND text IS NOT NULL AND attempts < ? ORDER BY claimed_at",
                [max_attempts],
            ).fetchall()
            reviews = self.db.execute(
                "SELECT id, post_id, chat_id, review_html FROM telegram_reviews "
                "WHERE message_id IS NULL AND decision IS NULL AND attempts < ? ORDER BY id",
                [max_attempts],
            ).fetchall()
            messages = self.db.execute(
                "SELECT key, kind, chat_id, text FROM telegram_outbox WHERE status = 'pending' "
                "AND attempts < ? ORDER BY created_at",
                [max_attempts],
            ).fetchall()
            return [
                *(Pending(CARD, card_key(p), p, c, t) for p, c, t in cards),
                *(Pending(REVIEW, review_key(p), str(i), c, t) for i, p, c, t in reviews),
                *(Pending(k, key, key, c, t) for key, k, c, t in messages),
            ]

        return await self._run(select)

    async def is_pending(self, item: Pending) -> bool:
        """Whether `item` is still unsent (read again just before a send, under its key)."""
        table, where = _row_of(item)

        def check() -> bool:
            unsent = {
                CARD: "status = 'sending'",
                REVIEW: "message_id IS NULL AND decision IS NULL",
            }.get(item.kind, "status = 'pending'")
            sql = f"SELECT 1 FROM {table} WHERE {where} = ? AND {unsent}"  # noqa: S608 - fixed names
            return self.db.execute(sql, [item.ref]).fetchone() is not None

        return await self._run(check)

    async def mark_sent(self, item: Pending, message_id: int, now: datetime) -> None:
        table, where = _row_of(item)
        status = {} if item.kind == REVIEW else {"status": "sent"}

        def mark() -> None:
            with self.db.conn:
                self.db.table(table).update(
                    item.ref if where != "id" else int(item.ref),
                    {**status, "message_id": message_id, "sent_at": now.isoformat()},
                )

        await self._run(mark)

    async def send_failed(self, item: Pending, error: str) -> None:
        """The send raised: the row stays pending (a later reconcile sends it), one more
        attempt counted and the error kept for the operator."""
        table, where = _row_of(item)

        def count() -> None:
            with self.db.conn:
                self.db.execute(
                    f"UPDATE {table} SET attempts = attempts + 1, last_error = ? "  # noqa: S608 - fixed names
                    f"WHERE {where} = ?",
                    [error[:500], item.ref],
                )

        await self._run(count)

    async def outbox(self) -> list[dict[str, Any]]:
        return await self._run(lambda: list(self.db["telegram_outbox"].rows_where(order_by="key")))

    async def digest_figures(self, day: date) -> DigestFigures:
        """The day's figures (UTC) from every table in this file; absent tables count zero."""
        start = datetime.combine(day, time(), UTC)

        def read() -> DigestFigures:
            return day_figures(day, read_window(self.db.conn, start, start + timedelta(days=1)))

        return await self._run(read)


def _row_of(item: Pending) -> tuple[str, str]:
    """The table and key column of a pending item's row."""
    if item.kind == CARD:
        return "telegram_published", "post_id"
    if item.kind == REVIEW:
        return "telegram_reviews", "id"
    return "telegram_outbox", "key"
