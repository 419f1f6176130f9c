"""Factories for incoming posts."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import Post

# The viral post of May 2026 (docs/SPEC.md): the seed case every entry point must get right.
SEED_TEXT = (
    "Yann LeCun just said something at Davos that nobody is talking about. Said this on stage, "
    "in front of the world's most powerful people: 'The best open source AI models right now "
    "come from China. Everybody in the research community is using Chinese models.' "
    "OpenAI — increasingly closed. Anthropic — never open. Google — more closed every year. "
    "Meta — changing direction. LeCun's warning was blunt: 'We are slowing down progress in "
    "the West because of this.'"
)


def make_post(
    text: str,
    *,
    id: str = "p1",
    created_at: str | None = "2026-05-12T09:00:00Z",
    lang: str | None = None,
) -> Post:
    when = datetime.fromisoformat(created_at).astimezone(UTC) if created_at else None
    return Post(id=id, text=text, created_at=when, lang=lang)
