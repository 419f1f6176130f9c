"""The Telegram adapter's tables (`bot/telegram/store.py` reads and writes them): its own named
migration set ("factbot-telegram") in the one SQLite file, so the core's migrations are never
edited. A new column or table is a new migration here, never an edit of an applied one."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

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


@migrations()
def m003_outbox(db: sqlite_utils.Database) -> None:
    """The text of each channel card is kept with its claim, so a crash between the claim and
    the send can be repaired by sending it again; failures are counted so a message Telegram
    will never accept is not retried forever."""
    for name in ("telegram_published", "telegram_reviews"):
        table = db.table(name)
        table.add_column("attempts", int, not_null_default=0)  # failed sends
        table.add_column("last_error", str)
        table.add_column("sent_at", str)
    db.table("telegram_published").add_column("text", str)  # the card, exactly as sent
    outbox = db.table("telegram_outbox")
    outbox.create(
        {
            "key": str,  # the idempotency key: "alert:<name>" | "digest:YYYY-MM-DD"
            "kind": str,  # "alert" | "digest"
            "chat_id": str,
            "text": str,  # HTML, exactly as sent
            "status": str,  # "pending" | "sent"
            "message_id": int,
            "attempts": int,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="key",
        not_null={"kind", "chat_id", "text", "status", "attempts"},
        defaults={"attempts": 0},
    )


@migrations()
def m004_stated(db: sqlite_utils.Database) -> None:
    """What each card and review stated (for corrections), and the corrections: each an edit
    of its message, written as pending with the message's whole new text before the edit."""
    db.table("telegram_stated").create(
        {"key": str, "corpus_version": str, "stated": str, "created_at": str}, pk="key"
    )
    db.table("telegram_corrections").create(
        {
            "id": int,
            "key": str,  # "correction:<card|review>:<post id|review id>:<facts>"
            "kind": str,  # "card" | "review"
            "ref": str,  # the card's post id, or the review's id
            "chat_id": str,
            "message_id": int,
            "text": str,  # HTML: the message's whole text after the edit
            "stated": str,  # JSON: what the message states once corrected
            "changes": str,  # JSON list: field, old, new
            "status": str,  # "pending" | "sent"
            "attempts": int,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        defaults={"attempts": 0},
    )
    db.table("telegram_corrections").create_index(["key"], unique=True)
