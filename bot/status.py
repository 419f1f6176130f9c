"""`factbot status`: the recent figures of a running bot, read from its SQLite file.

Pure functions over a sqlite3 connection the caller opened (read-only: the bot keeps writing
while an operator looks) and a clock the caller passed in. A table that does not exist yet (the
Bluesky or Telegram adapter never ran against this file) counts as zero, so a fresh audit trail
is a valid answer rather than an error.

The one place that counts what the bot did over a time window: `factbot status` reads the last
hour, the channel's daily digest a UTC day (`bot/telegram/digest.py`).

What each figure counts, over the window [since, until):
- checks by verdict, by `checked_at`; `gated_out` is the part of them the gate turned away
  before any model saw the post (the row's `admitted` is 0, `gated` in a file no bot has
  migrated since; rows from before that column have none and are not counted as turned away);
- Bluesky mentions by their status now, for mentions claimed in the window;
- replies sent (posts), and mentions answered (distinct targets: a thread is one answer), by
  `sent_at`; replies pending is the outbox backlog now, whatever its age,
  because a reply stuck for hours is exactly what an operator looks for;
- watched posts first seen, and handed over, in the window;
- Telegram channel cards published (by `sent_at`), reviews opened (`created_at`) and decided
  (`decided_at`);
- Bluesky labels applied and negated (withdrawn) in the window (`applied_at`, `negated_at`), and
  now, whatever their age: labels in force (applied, not lapsed: `expires_at`), labels not yet
  accepted by Ozone (pending or being withdrawn: a failed call is retried) and labels awaiting
  an operator's approval. Retention never prunes any of these three (only settled labels: a
  withdrawn or lapsed one), so they do not drop when history is pruned; the window's applied
  and negated do only for a window reaching past `[store] keep_days`;
- images read in the window, by where their text came from (alt text, OCR, `seen`: a copy of an
  image already read) and images refused (`image_reads`);
- the most matched events (matches by `event_id`, most first);
- `factbot status` only: the file's size and its free pages (rows pruned, space a `VACUUM`
  would give back to the disk), from SQLite's page counts (no scan).

Every store writes its times as `datetime.isoformat()` in UTC, so comparing the strings compares
the instants and the `checked_at` index is used."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.labels import IN_FORCE_SQL

VERDICTS = ("match", "review", "no_match")
IMAGE_SOURCES = ("alt", "ocr", "seen", "refused")  # as bot.images.reader.SOURCES


@dataclass(frozen=True)
class Status:
    since: datetime
    until: datetime
    checks: dict[str, int] = field(default_factory=dict)  # verdict -> count, every verdict
    gated_out: int = 0
    mentions: dict[str, int] = field(default_factory=dict)  # status -> count
    replies_sent: int = 0
    replies_pending: int = 0
    watched_seen: int = 0
    watched_handed_over: int = 0
    cards_published: int = 0
    reviews_opened: int = 0
    reviews_decided: int = 0
    mentions_answered: int = 0
    labels_applied: int = 0
    labels_negated: int = 0
    labels_in_force: int = 0  # now: applied and not lapsed (`expires_at`)
    labels_unsent: int = 0  # now: pending or negating (not yet accepted by Ozone)
    labels_awaiting: int = 0  # now: waiting for an operator's approval
    images: dict[str, int] = field(default_factory=dict)  # source -> images read
    top_events: tuple[tuple[str, int], ...] = ()  # (event id, matches), most first
    file_bytes: int = 0  # the database file (not its WAL), when read_status read it
    free_bytes: int = 0  # of which free pages


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(r[0]) for r in rows}


def _count(conn: sqlite3.Connection, sql: str, params: list[Any]) -> int:
    return int(conn.execute(sql, params).fetchone()[0])


def read_status(conn: sqlite3.Connection, now: datetime, minutes: int) -> Status:
    """The figures of the last `minutes` before `now` (an aware datetime), and the file's size."""
    figures = read_window(conn, now - timedelta(minutes=minutes), now)
    page = _count(conn, "PRAGMA page_size", [])
    return dataclasses.replace(
        figures,
        file_bytes=page * _count(conn, "PRAGMA page_count", []),
        free_bytes=page * _count(conn, "PRAGMA freelist_count", []),
    )


def read_window(conn: sqlite3.Connection, since: datetime, until: datetime) -> Status:
    """The figures of [since, until) (aware datetimes)."""
    window = [since.isoformat(), until.isoformat()]
    tables = _tables(conn)
    checks: Counter[str] = Counter(dict.fromkeys(VERDICTS, 0))
    gated_out = 0
    if "checks" in tables:
        columns = {str(r[1]) for r in conn.execute("PRAGMA table_info(checks)")}
        # A file no bot has opened since the column came (m002) has no `gated` yet, and one
        # not opened since m004 has it under that name instead of `admitted`.
        admitted = next((c for c in ("admitted", "gated") if c in columns), "")
        refused = f"{admitted} = 0" if admitted else "0"
        rows = conn.execute(
            f"SELECT verdict, {refused}, count(*) FROM checks "  # noqa: S608 - fixed text
            f"WHERE checked_at >= ? AND checked_at < ? GROUP BY verdict, {refused}",
            window,
        ).fetchall()
        for verdict, refused, n in rows:
            checks[str(verdict)] += int(n)
            if refused:
                gated_out += int(n)
    mentions: dict[str, int] = {}
    if "bluesky_mentions" in tables:
        mentions = {
            str(status): int(n)
            for status, n in conn.execute(
                "SELECT status, count(*) FROM bluesky_mentions "
                "WHERE claimed_at >= ? AND claimed_at < ? GROUP BY status ORDER BY status",
                window,
            )
        }

    def count(table: str, where: str, params: list[Any]) -> int:
        if table not in tables:
            return 0
        return _count(conn, f"SELECT count(*) FROM {table} WHERE {where}", params)  # noqa: S608 - fixed names

    def between(column: str) -> str:
        return f"{column} >= ? AND {column} < ?"

    images: Counter[str] = Counter(dict.fromkeys(IMAGE_SOURCES, 0))
    if "image_reads" in tables:
        for source, n in conn.execute(
            "SELECT source, count(*) FROM image_reads WHERE at >= ? AND at < ? GROUP BY source",
            window,
        ):
            images[str(source)] += int(n)

    top_events: tuple[tuple[str, int], ...] = ()
    if "checks" in tables:
        top_events = tuple(
            (str(e), int(n))
            for e, n in conn.execute(
                "SELECT event_id, count(*) AS n FROM checks WHERE checked_at >= ? "
                "AND checked_at < ? AND verdict = 'match' AND event_id IS NOT NULL "
                "GROUP BY event_id ORDER BY n DESC, event_id",
                window,
            )
        )

    # In force now: applied and not lapsed (a file the labeler's m002 never reached has no
    # `expires_at`: none lapse).
    lapses = "expires_at" in {str(r[1]) for r in conn.execute("PRAGMA table_info(labels)")}
    in_force = IN_FORCE_SQL if lapses else "state = 'applied'"

    return Status(
        since=since,
        until=until,
        checks=dict(checks),
        gated_out=gated_out,
        mentions=mentions,
        replies_sent=count("bluesky_outbox", f"status = 'sent' AND {between('sent_at')}", window),
        replies_pending=count("bluesky_outbox", "status = 'pending'", []),
        watched_seen=count("bluesky_watched", between("first_seen"), window),
        watched_handed_over=count("bluesky_watched", between("handed_over_at"), window),
        cards_published=count(
            "telegram_published", f"status = 'sent' AND {between('sent_at')}", window
        ),
        reviews_opened=count("telegram_reviews", between("created_at"), window),
        reviews_decided=count("telegram_decisions", between("decided_at"), window),
        mentions_answered=_count(
            conn,
            "SELECT count(DISTINCT target) FROM bluesky_outbox "
            "WHERE status = 'sent' AND sent_at >= ? AND sent_at < ?",
            window,
        )
        if "bluesky_outbox" in tables
        else 0,
        labels_applied=count("labels", between("applied_at"), window),
        labels_negated=count("labels", between("negated_at"), window),
        labels_in_force=count("labels", in_force, [window[1]] if lapses else []),
        labels_unsent=count("labels", "state IN ('pending', 'negating')", []),
        labels_awaiting=count("labels", "state = 'awaiting'", []),
        images=dict(images),
        top_events=top_events,
    )


def to_json(status: Status) -> dict[str, Any]:
    """One object for scripts; the same figures as `describe`."""
    return {
        "since": status.since.isoformat(),
        "until": status.until.isoformat(),
        "checks": {**status.checks, "gated_out": status.gated_out},
        "bluesky": {
            "mentions": status.mentions,
            "replies_sent": status.replies_sent,
            "replies_pending": status.replies_pending,
            "watched_seen": status.watched_seen,
            "watched_handed_over": status.watched_handed_over,
        },
        "telegram": {
            "cards_published": status.cards_published,
            "reviews_opened": status.reviews_opened,
            "reviews_decided": status.reviews_decided,
        },
        "labels": {
            "applied": status.labels_applied,
            "negated": status.labels_negated,
            "in_force": status.labels_in_force,
            "unsent": status.labels_unsent,
            "awaiting_approval": status.labels_awaiting,
        },
        "images": status.images,
        "store": {"bytes": status.file_bytes, "free_bytes": status.free_bytes},
    }


def describe(status: Status) -> str:
    """A few aligned lines for a person at a terminal."""
    total = sum(status.checks.values())
    verdicts = ", ".join(f"{v} {status.checks.get(v, 0)}" for v in VERDICTS)
    mentions = ", ".join(f"{k} {n}" for k, n in status.mentions.items()) or "none"
    minutes = round((status.until - status.since).total_seconds() / 60)
    words = {"alt": "alt text", "ocr": "OCR", "seen": "copies already read", "refused": "refused"}
    images = ", ".join(f"{words.get(k, k)} {n}" for k, n in status.images.items()) or "none"
    return "\n".join(
        [
            f"last {minutes} min ({status.since:%Y-%m-%d %H:%M} to {status.until:%H:%M} UTC)",
            f"checks:    {total} ({verdicts}); turned away by the gate {status.gated_out}",
            f"mentions:  {mentions}",
            f"replies:   sent {status.replies_sent}, pending {status.replies_pending} (any age)",
            f"watched:   seen {status.watched_seen}, handed over {status.watched_handed_over}",
            f"telegram:  cards published {status.cards_published}, reviews opened "
            f"{status.reviews_opened}, decided {status.reviews_decided}",
            f"labels:    applied {status.labels_applied}, negated {status.labels_negated}; "
            f"in force {status.labels_in_force}, not yet accepted by Ozone "
            f"{status.labels_unsent}, awaiting an operator {status.labels_awaiting} (any age)",
            f"images:    {images}",
            f"store:     {_mb(status.file_bytes)}, of which free {_mb(status.free_bytes)} "
            "(VACUUM gives free pages back)",
        ]
    )


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"
