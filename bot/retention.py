"""Retention: `[store] keep_days` bounds how long the bot keeps what it has finished with.

`prune` deletes rows older than the cutoff from every table that grows with use, and never
pending work or anything a restart needs to stay idempotent:
- `checks` (the audit trail), by `checked_at`;
- `bluesky_mentions` that are done (not "claimed"), by `done_at`, and only below the
  notifications watermark (a mention at the watermark is listed again at the next poll: its row
  is what keeps it from being answered twice);
- `bluesky_outbox` rows marked sent, by `sent_at`, unless their mention is still claimed (its
  thread may be unfinished: the sent rows are what keeps a resend from posting twice);
- `bluesky_watched`, by `first_seen`, once past the tracking window too;
- `telegram_outbox` alerts and digests marked sent, by `sent_at`;
- `telegram_published`: the card's text of a sent card is cleared (the row stays: a post gets
  one card, ever); reviews and operators' decisions are kept (few, and a record of people's
  decisions);
- the limits' bookkeeping (`limit_answers`, `limit_notices`) older than a day;
- `image_seen` (the images already read, by perceptual hash: bot/images/seen.py), by `seen_at`,
  and `image_reads` (how each image was read, for `factbot status`), by `at`;
- the labeler's tables (bot/bluesky/label_store.py), `_LABELS` below. A post's `labels` row is
  what keeps it from being labelled twice, so only a settled label goes: withdrawn (`negated`,
  by `negated_at`) or lapsed in Ozone (`applied` past its `expires_at`) before the cutoff. A
  label in force, pending, awaiting an operator or being withdrawn is never pruned, nor an
  operator's decision (a rejected review, `dropped`; a label retracted on appeal: few, and a
  post checked again later must not undo a person's choice). Then the `label_events` of the
  labels gone (the audit trail of a label stays as long as its row), and the `label_reports`
  handled below the reports watermark (a report at or above it may be listed by Ozone again:
  its row keeps it from being handled twice), but an appeal of a label still kept.

A table that does not exist (an adapter never ran against this file) is skipped. Deleting rows
frees pages inside the file for reuse; it does not shrink the file (README: VACUUM). Every store
writes `datetime.isoformat()` in UTC, so comparing strings compares instants."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta

from bot.database import Tables

log = logging.getLogger(__name__)

# (table, what is deleted), each with one "?" for the cutoff.
_DELETES = (
    ("checks", "checked_at < ?"),
    (
        "bluesky_mentions",
        "status != 'claimed' AND coalesce(done_at, claimed_at) < ? AND indexed_at < "
        "coalesce((SELECT value FROM bluesky_state WHERE name = 'notifications.indexed_at'), '')",
    ),
    (
        "bluesky_outbox",
        "status = 'sent' AND sent_at < ? AND target NOT IN "
        "(SELECT uri FROM bluesky_mentions WHERE status = 'claimed')",
    ),
    ("telegram_outbox", "status = 'sent' AND sent_at < ?"),
    ("limit_answers", "at < ?"),
    ("limit_notices", "told_at < ?"),
    ("image_seen", "seen_at < ?"),
    ("image_reads", "at < ?"),
)
# The labeler's tables, in this order (label_events and label_reports read what labels keeps).
_LABELS = (
    (
        "labels",
        "((state = 'negated' AND negated_at < ?) OR "
        "(state = 'applied' AND expires_at IS NOT NULL AND expires_at < ?)) "
        "AND uri NOT IN (SELECT uri FROM label_events WHERE action = 'retract' "
        "AND uri IS NOT NULL)",
    ),
    ("label_events", "at < ? AND uri NOT IN (SELECT uri FROM labels WHERE uri IS NOT NULL)"),
    (
        "label_reports",
        "status != 'claimed' AND at < ? AND event_id < coalesce("
        "(SELECT MIN(event_id) FROM label_reports WHERE status = 'claimed'), "
        "(SELECT MAX(event_id) FROM label_reports)) "
        "AND NOT (kind = 'appeal' AND subject IN (SELECT uri FROM labels WHERE uri IS NOT NULL))",
    ),
)
_LABEL_TABLES = {"labels", "label_events", "label_reports"}


def prune(
    conn: sqlite3.Connection, now: datetime, keep_days: int, track_hours: float = 0.0
) -> dict[str, int]:
    """Delete what is older than `keep_days` before `now` (0: nothing); rows affected by table.
    One transaction."""
    if keep_days <= 0:
        return {}
    cutoff = (now - timedelta(days=keep_days)).isoformat()
    day_ago = (now - timedelta(days=1)).isoformat()
    tracked_since = min(cutoff, (now - timedelta(hours=track_hours)).isoformat())
    tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    done: dict[str, int] = {}
    with conn:
        for table, where in _DELETES:
            needs = {"bluesky_mentions": {"bluesky_state"}, "bluesky_outbox": {"bluesky_mentions"}}
            if table not in tables or not needs.get(table, set()) <= tables:
                continue
            at = day_ago if table.startswith("limit_") else cutoff
            cur = conn.execute(f"DELETE FROM {table} WHERE {where}", [at])  # noqa: S608 - fixed text
            done[table] = cur.rowcount
        if "bluesky_watched" in tables:
            cur = conn.execute("DELETE FROM bluesky_watched WHERE first_seen < ?", [tracked_since])
            done["bluesky_watched"] = cur.rowcount
        if "telegram_published" in tables:
            cur = conn.execute(
                "UPDATE telegram_published SET text = NULL "
                "WHERE status = 'sent' AND text IS NOT NULL AND sent_at < ?",
                [cutoff],
            )
            done["telegram_published"] = cur.rowcount
        labels = {str(r[1]) for r in conn.execute("PRAGMA table_info(labels)")}
        if tables >= _LABEL_TABLES and "expires_at" in labels:  # the labeler's m002 ran
            for table, where in _LABELS:
                params = [cutoff] * where.count("?")
                cur = conn.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608 - fixed text
                done[table] = cur.rowcount
    return done


async def prune_store(
    store: Tables, keep_days: int, track_hours: float = 0.0, now: datetime | None = None
) -> dict[str, int]:
    """The scheduled prune job: `prune` on the file's one writer (any store of that file), at
    `now` (default the current time); rows affected by table."""
    at = now or datetime.now(UTC)
    done = await store.run(lambda: prune(store.db.conn, at, keep_days, track_hours))
    if any(done.values()):
        log.info("pruned rows older than %d days: %s", keep_days, done)
    return done
