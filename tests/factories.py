"""Factories for incoming posts."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import Post


def make_post(
    text: str,
    *,
    id: str = "p1",
    created_at: str | None = "2026-05-12T09:00:00Z",
    lang: str | None = None,
) -> Post:
    when = datetime.fromisoformat(created_at).astimezone(UTC) if created_at else None
    return Post(id=id, text=text, created_at=when, lang=lang)
