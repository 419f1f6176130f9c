"""Factories for incoming posts."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path

from bot.corpus import load_corpus
from bot.domain import Post, Speaker

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


@functools.cache
def shipped_speaker(name: str = "Yann LeCun") -> Speaker:
    """A speaker as the shipped corpus (corpus/speakers.toml) describes them: names, roles and
    the words that signal them, themes, pronoun. The code knows none of it."""
    speaker = load_corpus(Path(__file__).resolve().parent.parent / "corpus").speaker(name)
    assert speaker is not None, name
    return speaker
