"""The Bluesky adapter's tables, in the same SQLite file as `bot/store.py`.

Its own named migration set ("factbot-bluesky", `bot/bluesky/schema.py`). Every statement runs
on the database's one worker thread (a single writer, off the event loop). What it keeps:
- `bluesky_state`: cursors and watermarks (notifications, firehose, search), by name;
- `bluesky_mentions`: every notification handled, by URI, so none is answered twice;
- `bluesky_outbox`: each post of each reply, written as pending (with its record key and record)
  before it is sent and marked sent with its URI after, so a crash never gives a second reply;
- `bluesky_watched`: posts from the watchers that matched, their engagement, and when they were
  handed to the publishers (once); one row a post, holding its latest check (`verdict`,
  `result`, `checked_at`: a post checked again, its images read later or the corpus changed,
  is updated, and only a post whose latest verdict is tracked is refreshed and handed over);
- `bluesky_stated` and `bluesky_corrections` (m003, used through `bot/bluesky/stated.py`): what
  each reply stated, and each correction posted under it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bot.bluesky.schema import migrations
from bot.database import Database, Tables
from bot.domain import Verdict

# How a mention was answered, or why not (`Mentions.handle`): what `finish_mention` stores.
Answered = Literal[
    "replied",
    "review",
    "limited",
    "skipped:before the first start",
    "skipped:own post",
    "skipped:not addressed to the bot",
    "skipped:blocked",
    "skipped:opted out",
    "skipped:asked to stop",
    "skipped:deleted",
    "skipped:replies disabled",
    "skipped:bot account",
    "skipped:answer budget spent",
    "skipped:unrelated post",
    "skipped:no match",
]
# A mention's row: claimed while it is answered, then answered, or given up ("failed").
MentionStatus = Answered | Literal["claimed", "failed"]
# The verdicts for which a watched post is tracked (refreshed, handed over when viral).
TRACKED: tuple[Verdict, ...] = ("match", "review")


@dataclass(frozen=True)
class OutboxRow:
    key: str
    target: str
    part: int
    rkey: str
    record: dict[str, Any]
    status: Literal["pending", "sent"]
    uri: str | None
    cid: str | None


class BlueskyStore(Tables):
    def __init__(self, database: Database | Path | str) -> None:
        super().__init__(database, migrations)

    # --- cursors and watermarks -----------------------------------------------------------

    async def get_state(self, name: str) -> str | None:
        def get() -> str | None:
            row = self.db.execute(
                "SELECT value FROM bluesky_state WHERE name = ?", [name]
            ).fetchone()
            return None if row is None else str(row[0])

        return await self._run(get)

    async def set_state(self, name: str, value: str, now: datetime) -> None:
        def put() -> None:
            with self.db.conn:
                self.db.table("bluesky_state").upsert(
                    {"name": name, "value": value, "updated_at": now.isoformat()}, pk="name"
                )

        await self._run(put)

    # --- mentions -------------------------------------------------------------------------

    async def claim_mention(
        self, uri: str, reason: str, author: str, indexed_at: str, now: datetime
    ) -> bool:
        """True when this notification was never handled (it is now claimed). A claim left by
        a crash (status still "claimed") is handed out again: its replies go through the outbox,
        so finishing it twice cannot post twice."""

        def claim() -> bool:
            with self.db.conn:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO bluesky_mentions (uri, reason, author, indexed_at, "
                    "status, claimed_at) VALUES (?, ?, ?, ?, 'claimed', ?)",
                    [uri, reason, author, indexed_at, now.isoformat()],
                )
                if cur.rowcount == 1:
                    return True
                row = self.db.execute(
                    "SELECT status FROM bluesky_mentions WHERE uri = ?", [uri]
                ).fetchone()
                return bool(row and row[0] == "claimed")

        return await self._run(claim)

    async def finish_mention(
        self,
        uri: str,
        status: Answered,
        now: datetime,
        checked_uri: str = "",
        verdict: Verdict | Literal[""] = "",
    ) -> None:
        def finish() -> None:
            with self.db.conn:
                self.db.table("bluesky_mentions").update(
                    uri,
                    {
                        "status": status,
                        "checked_uri": checked_uri,
                        "verdict": verdict,
                        "done_at": now.isoformat(),
                    },
                )

        await self._run(finish)

    async def mention_failed(self, uri: str, now: datetime, limit: int) -> bool:
        """Count one more failed answer; True when that makes `limit` (0: no limit) and the
        mention is given up (status "failed": never handed out again)."""

        def count() -> bool:
            with self.db.conn:
                self.db.execute(
                    "UPDATE bluesky_mentions SET failures = failures + 1 WHERE uri = ?", [uri]
                )
                row = self.db.execute(
                    "SELECT failures FROM bluesky_mentions WHERE uri = ?", [uri]
                ).fetchone()
                if not limit or row is None or row[0] < limit:
                    return False
                self.db.execute(
                    "UPDATE bluesky_mentions SET status = 'failed', done_at = ? WHERE uri = ?",
                    [now.isoformat(), uri],
                )
                return True

        return await self._run(count)

    async def unfinished_mentions(self) -> list[str]:
        """Mentions claimed but not finished (a crash or a failure mid-way)."""
        return await self._run(
            lambda: [
                r["uri"]
                for r in self.db["bluesky_mentions"].rows_where(
                    "status = 'claimed'", order_by="indexed_at"
                )
            ]
        )

    async def mentions(self) -> list[dict[str, Any]]:
        return await self._run(lambda: list(self.db["bluesky_mentions"].rows))

    # --- the outbox -----------------------------------------------------------------------

    async def outbox_row(self, key: str) -> OutboxRow | None:
        def get() -> OutboxRow | None:
            rows = list(self.db["bluesky_outbox"].rows_where("key = ?", [key]))
            return _outbox(rows[0]) if rows else None

        return await self._run(get)

    async def add_pending(
        self, key: str, target: str, part: int, rkey: str, record: dict[str, Any], now: datetime
    ) -> OutboxRow:
        """Write the post as pending (once: an existing row is returned unchanged)."""

        def add() -> OutboxRow:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO bluesky_outbox (key, target, part, rkey, record, "
                    "status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                    [key, target, part, rkey, json.dumps(record), now.isoformat()],
                )
            rows = list(self.db["bluesky_outbox"].rows_where("key = ?", [key]))
            return _outbox(rows[0])

        return await self._run(add)

    async def mark_sent(self, key: str, uri: str, cid: str, now: datetime) -> None:
        def mark() -> None:
            with self.db.conn:
                self.db.table("bluesky_outbox").update(
                    key, {"status": "sent", "uri": uri, "cid": cid, "sent_at": now.isoformat()}
                )

        await self._run(mark)

    async def pending_outbox(self) -> list[OutboxRow]:
        """Posts written as pending and not marked sent, oldest reply first, in part order."""
        return await self._run(
            lambda: [
                _outbox(r)
                for r in self.db["bluesky_outbox"].rows_where(
                    "status = 'pending'", order_by="created_at, target, part"
                )
            ]
        )

    async def sent_times(self, since: datetime) -> list[datetime]:
        """When each reply post was sent, from `since` on, oldest first (to restore the write
        budget at start: a restart does not forget what the last day's writes spent)."""

        def select() -> list[datetime]:
            rows = self.db.execute(
                "SELECT sent_at FROM bluesky_outbox WHERE status = 'sent' AND sent_at >= ? "
                "ORDER BY sent_at",
                [since.isoformat()],
            ).fetchall()
            return [datetime.fromisoformat(r[0]) for r in rows]

        return await self._run(select)

    async def outbox(self) -> list[dict[str, Any]]:
        return await self._run(lambda: list(self.db["bluesky_outbox"].rows_where(order_by="key")))

    # --- watched posts --------------------------------------------------------------------

    async def watch(
        self, uri: str, cid: str, source: str, verdict: str, result: str, now: datetime
    ) -> bool:
        """Track a matched post; False when it was tracked before. A post tracked before keeps
        its first sighting, engagement and hand-over, and takes this check's verdict and result
        (the latest check is the one the hand-over and the labeler go by)."""

        def add() -> bool:
            with self.db.conn:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO bluesky_watched (uri, cid, source, verdict, result, "
                    "likes, reposts, quotes, first_seen, checked_at) "
                    "VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?, ?)",
                    [uri, cid, source, verdict, result, now.isoformat(), now.isoformat()],
                )
                if cur.rowcount == 1:
                    return True
                _recheck(self.db, uri, cid, verdict, result, now)
                return False

        return await self._run(add)

    async def rechecked(self, uri: str, cid: str, verdict: str, result: str, now: datetime) -> bool:
        """A post checked again with a verdict that is not tracked (it no longer matches): its
        row, if it has one, takes that check (and so is no longer refreshed nor handed over).
        True when the post was tracked."""

        def put() -> bool:
            with self.db.conn:
                return _recheck(self.db, uri, cid, verdict, result, now)

        return await self._run(put)

    async def tracked(self, since: datetime) -> list[dict[str, Any]]:
        """Posts still tracked: first seen after `since`, not handed over yet, and whose latest
        check is still a match or a review."""
        return await self._run(
            lambda: list(
                self.db["bluesky_watched"].rows_where(
                    "handed_over_at IS NULL AND first_seen >= ? "
                    "AND verdict IN ('match', 'review')",  # TRACKED
                    [since.isoformat()],
                    order_by="first_seen",
                )
            )
        )

    async def set_engagement(
        self, uri: str, likes: int, reposts: int, quotes: int, now: datetime
    ) -> None:
        """Record the counts of a tracked post (a post that is not tracked is left alone)."""

        def put() -> None:
            with self.db.conn:
                self.db.execute(
                    "UPDATE bluesky_watched SET likes = ?, reposts = ?, quotes = ?, "
                    "refreshed_at = ? WHERE uri = ?",
                    [likes, reposts, quotes, now.isoformat(), uri],
                )

        await self._run(put)

    async def awaiting_handover(self, uri: str) -> bool:
        """Tracked (its latest check a match or a review) and not handed over yet."""

        def get() -> bool:
            row = self.db.execute(
                "SELECT 1 FROM bluesky_watched WHERE uri = ? AND handed_over_at IS NULL "
                "AND verdict IN ('match', 'review')",  # TRACKED
                [uri],
            ).fetchone()
            return row is not None

        return await self._run(get)

    async def mark_handed_over(self, uri: str, now: datetime) -> bool:
        """Record the hand-over (made just before: the publishers keep their own record of
        what they published, so a crash in between cannot publish twice)."""

        def claim() -> bool:
            with self.db.conn:
                cur = self.db.execute(
                    "UPDATE bluesky_watched SET handed_over_at = ? "
                    "WHERE uri = ? AND handed_over_at IS NULL",
                    [now.isoformat(), uri],
                )
                return cur.rowcount == 1

        return await self._run(claim)

    async def watched(self) -> list[dict[str, Any]]:
        return await self._run(lambda: list(self.db["bluesky_watched"].rows))


def _recheck(db: Any, uri: str, cid: str, verdict: str, result: str, now: datetime) -> bool:
    """A tracked post's row given its latest check; False when the post has no row."""
    cur = db.execute(
        "UPDATE bluesky_watched SET cid = ?, verdict = ?, result = ?, checked_at = ? WHERE uri = ?",
        [cid, verdict, result, now.isoformat(), uri],
    )
    return bool(cur.rowcount == 1)


def _outbox(r: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        key=r["key"],
        target=r["target"],
        part=r["part"],
        rkey=r["rkey"],
        record=json.loads(r["record"]),
        status=r["status"],
        uri=r["uri"],
        cid=r["cid"],
    )


def outbox_of(r: dict[str, Any]) -> OutboxRow:
    """An outbox row as read from its table (for `bot/bluesky/stated.py`)."""
    return _outbox(r)
