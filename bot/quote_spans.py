"""Quoted spans of a post's prose: `"` marks pair up in order; `'` marks count as quote marks
only in the place of one (an opening `'` after a space, colon, dash or bracket; a closing `'`
before a space or punctuation), so the apostrophes of "it's", "LeCun's" or "goin'" are not."""

from __future__ import annotations

import bisect
import re
import unicodedata

from bot.entities import Intervals

CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"
HAS_CJK = re.compile(f"[{CJK}]")
OPENING_CONTEXT = re.compile(f'[\\s(\\[{{"—–\\-:/{CJK}]')
ELISION = re.compile(r"'(?:cause|cos|coz|cuz|em|til|tis|twas|n|bout|round|nuff|\d\ds?)\b", re.I)


def is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P") or bool(HAS_CJK.match(ch))


def double_spans(prose: str) -> list[tuple[int, int]]:
    """`"` marks pair in order; one opens only before a non-space; an unclosed one opens a quote
    that runs to the end of the prose."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for i, ch in enumerate(prose):
        if ch != '"':
            continue
        if open_at is not None:
            spans.append((open_at, i + 1))
            open_at = None
        elif i + 1 < len(prose) and not prose[i + 1].isspace():
            open_at = i
    if open_at is not None:
        spans.append((open_at, len(prose)))
    return spans


def single_spans(prose: str, skip: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`'` used as quote marks, within one line. A closing `'` followed by a lowercase word
    ("goin' home", "researchers' models") is weak: a later strong one (before end, punctuation
    or a capital) closes the quote instead, unless a new quote opens first."""
    newlines = [i for i, ch in enumerate(prose) if ch == "\n"]
    skipped = Intervals()
    for s, e in skip:
        skipped.add(s, e)
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    weak: int | None = None

    def close(at: int) -> None:
        nonlocal open_at, weak
        if open_at is not None:
            spans.append((open_at, at + 1))
        open_at, weak = None, None

    for i, ch in enumerate(prose):
        if ch != "'" or skipped.covers(i):
            continue
        prev = prose[i - 1] if i else " "
        after = prose[i + 1] if i + 1 < len(prose) else ""
        if open_at is not None and bisect.bisect(newlines, open_at) != bisect.bisect(newlines, i):
            if weak is not None:
                close(weak)
            open_at, weak = None, None
        opener = (
            bool(OPENING_CONTEXT.match(prev))
            and after != ""
            and not after.isspace()
            and after != "'"
            and not ELISION.match(prose, i)
        )
        closer = not prev.isspace() and (after == "" or after.isspace() or is_punct(after))
        if open_at is None:
            if opener:
                open_at = i
        elif closer:
            j = i + 1
            while j < len(prose) and prose[j] == " ":
                j += 1
            if after == " " and j < len(prose) and prose[j].islower():
                weak = i if weak is None else weak
            else:
                close(i)
        elif opener and weak is not None:
            close(weak)
            open_at = i
    if weak is not None:
        close(weak)
    return spans


def quote_spans(prose: str) -> list[tuple[int, int]]:
    """Non-overlapping quoted spans, marks included; an outer span swallows inner ones."""
    double = double_spans(prose)
    spans = sorted(double + single_spans(prose, double), key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept
