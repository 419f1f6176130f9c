"""A UTC day's figures for the digest, counted from the one SQLite file.

Read on the store's worker thread (`TelegramStore.digest_figures`). Every timestamp the bot
writes is an ISO 8601 string in UTC ("2026-05-12T09:00:00.123+00:00"), so a day is the string
range [day, day + 1). A table that does not exist (the Bluesky adapter never ran on this file)
counts zero."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlite_utils

from bot.telegram.digest import DigestFigures


def day_figures(db: sqlite_utils.Database, day: date) -> DigestFigures:
    span = [day.isoformat(), (day + timedelta(days=1)).isoformat()]
    tables = set(db.table_names())

    def rows(table: str, sql: str) -> list[tuple[Any, ...]]:
        return list(db.execute(sql, span).fetchall()) if table in tables else []

    checks = rows(
        "checks",
        "SELECT verdict, COUNT(*) FROM checks WHERE checked_at >= ? AND checked_at < ? "
        "GROUP BY verdict",
    )
    events = rows(
        "checks",
        "SELECT event_id, COUNT(*) AS n FROM checks WHERE checked_at >= ? AND checked_at < ? "
        "AND verdict = 'match' AND event_id IS NOT NULL GROUP BY event_id "
        "ORDER BY n DESC, event_id",
    )
    cards = rows(
        "telegram_published",
        "SELECT COUNT(*) FROM telegram_published WHERE status = 'sent' "
        "AND sent_at >= ? AND sent_at < ?",
    )
    # a reply may be a thread of several posts: a reply is one mention answered
    replies = rows(
        "bluesky_outbox",
        "SELECT COUNT(DISTINCT target) FROM bluesky_outbox WHERE status = 'sent' "
        "AND sent_at >= ? AND sent_at < ?",
    )
    return DigestFigures(
        day=day,
        checks={str(v): int(n) for v, n in checks},
        cards=int(cards[0][0]) if cards else 0,
        replies=int(replies[0][0]) if replies else 0,
        top_events=tuple((str(e), int(n)) for e, n in events),
    )
