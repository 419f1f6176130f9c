"""The Telegram adapter's tables, in the same SQLite file as `bot/store.py`.

Its own named migration set ("factbot-telegram"), so the core's migrations are never edited.
Every statement runs on one worker thread (a single writer, off the event loop); a post's
publication is claimed before the send and marked done after, so a post handed over twice, or
after a restart, never gives a second channel message."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

from bot.domain import BlueskyPost, LinkFacet
from bot.worker_db import WorkerDatabase

migrations = Migrations("factbot-telegram")


@migrations()
def m001_published(db: sqlite_utils.Database) -> None:
    db.table("telegram_published").create(
        {"post_id": str, "chat_id": str, "message_id": int, "status": str, "claimed_at": str},
        pk="post_id",
    )


@migrations()
def m002_reviews(db: sqlite_utils.Database) -> None:
    reviews = db.table("telegram_reviews")
    reviews.create(
        {
            "id": int,
            "post_id": str,
            "verdict": str,
            "score": float,
            "target": str,  # "channel", or the at:// URI of the Bluesky mention to answer
            "card": str,  # the channel card (HTML) published on approval
            "bluesky": str,  # JSON: the Bluesky thread (texts and link facets), for a mention
            "review_html": str,  # the message shown to operators
            "chat_id": str,
            "message_id": int,
            "created_at": str,
            "decision": str,  # null until an operator decides
        },
        pk="id",
    )
    reviews.create_index(["post_id"], unique=True)
    db.table("telegram_decisions").create(
        {
            "id": int,
            "review_id": int,
            "post_id": str,
            "verdict": str,
            "score": float,
            "decision": str,  # "approve" | "reject"
            "operator_id": int,
            "operator": str,
            "target": str,
            "decided_at": str,
        },
        pk="id",
    )


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


class TelegramStore(WorkerDatabase):
    def __init__(self, path: Path | str) -> None:
        super().__init__(path, migrations)

    # --- the channel: one message per post, ever ------------------------------------------

    async def claim_publication(self, post_id: str, chat_id: str, now: datetime) -> bool:
        """True if this post was never published (it is now claimed); False otherwise."""

        def claim() -> bool:
            with self.db.conn:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO telegram_published (post_id, chat_id, status, "
                    "claimed_at) VALUES (?, ?, 'sending', ?)",
                    [post_id, chat_id, now.isoformat()],
                )
                return cur.rowcount == 1

        return await self._run(claim)

    async def mark_published(self, post_id: str, message_id: int) -> None:
        def mark() -> None:
            with self.db.conn:
                self.db.table("telegram_published").update(
                    post_id, {"status": "sent", "message_id": message_id}
                )

        await self._run(mark)

    async def release_publication(self, post_id: str) -> None:
        """The send failed for sure: a later hand-over may try again."""

        def release() -> None:
            with self.db.conn:
                self.db.execute("DELETE FROM telegram_published WHERE post_id = ?", [post_id])

        await self._run(release)

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

    async def set_review_message(self, review_id: int, message_id: int) -> None:
        def set_message() -> None:
            with self.db.conn:
                self.db.table("telegram_reviews").update(review_id, {"message_id": message_id})

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
