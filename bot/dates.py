"""Dates a post gives: explicit ones ("4 Dec 2025", "Dezember 2025"), relative ones ("just
said", "yesterday", "vor zwei Wochen") against the post's time, and those without a year.

Pure functions over a string, like `bot.extract`: each claim carries its surface text and
offsets, sorted by position, never overlapping (the longer candidate wins)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ParamSpec

import regex

from bot.gazetteer_dates import (
    GERMAN_AFTER_HIER,
    GERMAN_BEFORE_HIER,
    MONTH_PREPOSITIONS,
    MONTH_WORDS,
    MONTHS,
    NUMBERS,
    RELATIVE,
    UNITS,
    YEAR_PREPOSITIONS,
)
from bot.spans import WORD, I, L, R, longest, span


@dataclass(frozen=True)
class DateClaim:
    surface: str
    start: int
    end: int
    earliest: date
    latest: date
    relative: bool


_MONTH = {name: n for n, full, abbr in MONTHS for name in (*full, *abbr)}
_FULL = "|".join(sorted((x for _, full, _ in MONTHS for x in full), key=len, reverse=True))
_ANY = "|".join(sorted(_MONTH, key=len, reverse=True))
_MN = rf"(?P<mn>{_ANY})(?!\p{{L}})\.?"
_YEAR = r"(?P<y>(?:19|20)\d\d)(?!\d)"
_DAY = r"(?P<d>[0-3]?\d)"
_EXPLICIT = [
    regex.compile(p, I)
    for p in (
        r"(?<![\d./-])(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\d/-])",
        rf"(?<![\d./-]){_DAY}\.(?P<m>[01]?\d)\.{_YEAR}(?!\.\d)",
        rf"{L}{_DAY}(?:st|nd|rd|th|er|º|\.)?\s*(?:of\s+|de\s+)?{_MN}"
        rf"(?:\s*,?\s*(?:de\s+|del\s+)?{_YEAR})?",
        rf"{L}{_MN}\s*{_DAY}(?:st|nd|rd|th)?(?![\d:])(?:\s*,?\s*{_YEAR})?",
        rf"{L}{_MN}\s*,?\s*(?:de\s+|del\s+|of\s+)?{_YEAR}",
        rf"(?<!\d){_YEAR}\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*月(?:\s*{_DAY}\s*[日号號])?",
        rf"(?<![\d年])(?P<m>1[0-2]|0?[1-9])\s*月\s*{_DAY}\s*[日号號]",
        rf"(?<!\d){_YEAR}\s*年(?!\s*\d)",
        r"(?<![\d年月])(?P<m>1[0-2]|0?[1-9])\s*月份?(?![\d日号號])",
    )
]
_ALONE = regex.compile(
    rf"{L}(?:{MONTH_PREPOSITIONS})\s+(?:the\s+month\s+of\s+)?(?P<mn>{_FULL}){R}(?!\s*,?\s*\d)", I
)
_LONE_YEAR = regex.compile(
    rf"(?<![{WORD}$€£¥.,/:#+\-@]){_YEAR}(?![{WORD}%]|[.,/\-:]\d)", regex.VERSION0
)
_YEAR_BEFORE = regex.compile(rf"(?:{L}(?:{YEAR_PREPOSITIONS})\s+|[(«“\"'])$", I)
_YEAR_AFTER = regex.compile(r"^\s*(?:[,.;:!?)\]»”\"'…]|$)")
_RELATIVE = regex.compile(
    "|".join(
        rf"(?P<{kind}>{L}(?:{'|'.join(sorted(pats, key=len, reverse=True))}){R})"
        for kind, pats in RELATIVE.items()
    ),
    I,
)
_NUM = "|".join(
    regex.escape(n).replace(r"\ ", r"\s+") for n in sorted(NUMBERS, key=len, reverse=True)
)
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_AGO = [
    regex.compile(p, I)
    for p in (
        rf"{L}(?P<n>\d{{1,3}}|{_NUM})\s+(?P<u>{_UNIT})\s+ago{R}",
        rf"{L}(?:il\s+y\s+a|hace|vor)\s+(?P<n>\d{{1,3}}|{_NUM})\s+(?P<u>{_UNIT}){R}",
        rf"(?<!\d)(?P<n>\d{{1,3}}|{_NUM})\s*(?P<u>{_UNIT})(?:以前|之前|前)",
    )
]
_GERMAN_NEXT = regex.compile(rf"\s+(?:{GERMAN_AFTER_HIER}){R}", I)
_GERMAN_BEFORE = regex.compile(rf"{L}(?:{GERMAN_BEFORE_HIER})\s+$", I)

_Window = tuple[date, date]
P = ParamSpec("P")


def _total(f: Callable[P, _Window | None]) -> Callable[P, _Window | None]:
    """No window, rather than an error, for 31 February or a date before year 1."""

    @functools.wraps(f)
    def total(*args: P.args, **kwargs: P.kwargs) -> _Window | None:
        try:
            return f(*args, **kwargs)
        except (ValueError, OverflowError):
            return None

    return total


def _month(year: int, month: int) -> _Window:
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


@_total
def _window(kind: str, c: date) -> _Window:
    days = timedelta(days=1)
    if kind == "now":
        return c - 2 * days, c
    if kind == "yesterday":
        return c - days, c - days
    if kind in ("this_week", "recent"):
        return c - (7 if kind == "this_week" else 14) * days, c
    if kind == "this_month":
        return c.replace(day=1), c
    if kind == "last_month":
        return _month(c.year - (c.month == 1), (c.month - 2) % 12 + 1)
    if kind == "this_year":
        return date(c.year, 1, 1), c
    return date(c.year - 1, 1, 1), date(c.year - 1, 12, 31)  # last_year


_SLACK = {1: 1, 7: 3, 30: 15, 365: 45}  # days either side of "N units ago", by unit


@_total
def _ago(n: int | None, unit: int, c: date) -> _Window:
    day = timedelta(days=1)
    if n is None:  # "a few days ago": 1 to 14 days; "a few weeks ago": 1 to 6 weeks...
        return c - (14 if unit == 1 else 6 * unit) * day, c - unit * day
    centre, slack = c - n * unit * day, _SLACK.get(unit, 1) * day
    return centre - slack, min(c, centre + slack)


@_total
def _explicit(m: Any, today: date | None) -> _Window | None:
    g: dict[str, str | None] = m.groupdict()
    year = int(y) if (y := g.get("y")) else None
    name, number = g.get("mn"), g.get("m")
    month = _MONTH.get(name.casefold()) if name else (int(number) if number else None)
    day = int(d) if (d := g.get("d")) else None
    if month is None:
        return (date(year, 1, 1), date(year, 12, 31)) if year and 1990 <= year <= 2099 else None
    if year is None:
        if today is None:
            return None
        year = today.year
        if (month, day or 1) > (today.month, today.day):
            year -= 1
    if day is None:
        return _month(year, month)
    return date(year, month, day), date(year, month, day)


def find_dates(text: str, created_at: datetime | None) -> list[DateClaim]:
    """Dates the text gives: explicit ones, and with `created_at`, relative ones ("just said",
    "yesterday", "last month") and those without a year ("Dec. 4", "in January": the latest such
    day or month not after `created_at`). Ambiguous forms such as "12/4/2025" are skipped."""
    today = created_at.date() if created_at else None
    found: list[tuple[int, int, tuple[date, date, bool]]] = []

    def add(span: tuple[int, int], window: _Window | None, relative: bool) -> None:
        if window and window[0] <= window[1]:
            found.append((*span, (window[0], window[1], relative)))

    for pattern in _EXPLICIT:
        for m in pattern.finditer(text, overlapped=True):
            name = m.groupdict().get("mn") or ""
            if not (name.islower() and name in MONTH_WORDS):  # "3 may be", not "3 May"
                add(span(m), _explicit(m, today), False)
    for m in _ALONE.finditer(text, overlapped=True):
        add(span(m, "mn"), _explicit(m, today), False)
    for m in _LONE_YEAR.finditer(text):
        s, e = span(m)
        if _YEAR_BEFORE.search(text[max(0, s - 40) : s]) or _YEAR_AFTER.match(text[e:]):
            add((s, e), _explicit(m, None), False)
    if today is not None:
        for m in _RELATIVE.finditer(text):
            s, e = span(m)
            if text[s:e].casefold() == "hier" and (
                _GERMAN_NEXT.match(text, e) or _GERMAN_BEFORE.search(text[max(0, s - 20) : s])
            ):
                continue  # German "hier" (here), not French "hier" (yesterday)
            add((s, e), _window(str(m.lastgroup), today), True)
        for pattern in _AGO:
            for m in pattern.finditer(text):
                n = m["n"].casefold()
                count = int(n) if n.isdigit() else NUMBERS.get(regex.sub(r"\s+", " ", n))
                add(span(m), _ago(count, UNITS.get(m["u"].casefold(), 1), today), True)
    return [DateClaim(text[s:e], s, e, *w) for s, e, w in longest(found)]
