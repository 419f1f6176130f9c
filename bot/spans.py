"""Shared by the claim finders (`bot.extract`, `bot.dates`): word boundaries that let Chinese
touch Latin ("在Davos"), and the rule that where two candidates overlap the longer one wins."""

from __future__ import annotations

from typing import Any, TypeVar

import regex

I = regex.IGNORECASE | regex.VERSION0  # noqa: E741 - the regex flag's own name
WORD = r"\p{Latin}\p{Cyrillic}\p{Greek}\p{N}_"
L = rf"(?<![{WORD}])"
R = rf"(?![{WORD}])"

T = TypeVar("T")


def span(m: Any, group: int | str = 0) -> tuple[int, int]:
    return int(m.start(group)), int(m.end(group))


def longest(candidates: list[tuple[int, int, T]]) -> list[tuple[int, int, T]]:
    """Longest first, then leftmost; drop whatever overlaps an earlier choice."""
    chosen: list[tuple[int, int, T]] = []
    for c in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if c[1] > c[0] and all(c[1] <= s or c[0] >= e for s, e, _ in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c[0])
