"""The Bluesky adapter's tables (`bot/bluesky/store.py` reads and writes them): its own named
migration set ("factbot-bluesky") in the one SQLite file, so the core's migrations are never
edited. A new column or table is a new migration here, never an edit of an applied one."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("factbot-bluesky")


@migrations()
def m001_bluesky(db: sqlite_utils.Database) -> None:
    db.table("bluesky_state").create({"name": str, "value": str, "updated_at": str}, pk="name")
    db.table("bluesky_mentions").create(
        {
            "uri": str,
            "reason": str,
            "author": str,  # DID
            "indexed_at": str,
            "status": str,  # claimed | replied | review | skipped:<why> | limited | failed
            # (m002 adds "failures": answers that raised; at [bluesky] max_attempts, "failed")
            "checked_uri": str,  # the post that was checked
            "verdict": str,
            "claimed_at": str,
            "done_at": str,
        },
        pk="uri",
    )
    db.table("bluesky_outbox").create(
        {
            "key": str,  # "bluesky|<mention uri>|reply:<part>"
            "target": str,  # the mention's URI
            "part": int,
            "rkey": str,
            "record": str,  # JSON, exactly what is written
            "status": str,  # pending | sent
            "uri": str,
            "cid": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="key",
    )
    db.table("bluesky_watched").create(
        {
            "uri": str,
            "cid": str,
            "source": str,  # "search:<query>" | "firehose"
            "verdict": str,
            "result": str,  # JSON: the check (SPEC contract)
            "likes": int,
            "reposts": int,
            "quotes": int,
            "first_seen": str,
            "refreshed_at": str,
            "handed_over_at": str,
        },
        pk="uri",
    )


@migrations()
def m002_mention_failures(db: sqlite_utils.Database) -> None:
    db.table("bluesky_mentions").add_column("failures", int, not_null_default=0)


@migrations()
def m003_stated(db: sqlite_utils.Database) -> None:
    """What each reply stated (for corrections), and the corrections posted under it."""
    db.table("bluesky_stated").create(
        {"target": str, "corpus_version": str, "stated": str, "created_at": str}, pk="target"
    )
    db.table("bluesky_corrections").create(
        {
            "id": int,
            "key": str,  # its post's outbox key: "bluesky|<mention uri>|correction:<facts>"
            "target": str,  # the mention whose reply it corrects
            "stated": str,  # JSON: what the reply states once corrected
            "changes": str,  # JSON list: field, old, new
            "created_at": str,
        },
        pk="id",
    )
    db.table("bluesky_corrections").create_index(["key"], unique=True)


@migrations()
def m004_watched_checked(db: sqlite_utils.Database) -> None:
    """When a watched post was last checked: its row holds that check's verdict and result
    (a post checked again is updated; before m004 the first check was kept)."""
    db.table("bluesky_watched").add_column("checked_at", str)
    db.execute("UPDATE bluesky_watched SET checked_at = first_seen")
