"""Claims in the framing of a post: where it was said, when, by whom, with what title.

Pure functions over a string. Each finder returns frozen mentions that carry the surface text and
its offsets (`text[start:end] == surface`), sorted by position, never overlapping: where two
candidates overlap, the longer one wins. The words themselves live in `bot.gazetteer`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import regex

from bot.gazetteer import (
    CHIEF_TITLES,
    COMPANY,
    FORMER,
    FOUNDER_TITLES,
    FUTURE,
    GERMAN_AFTER_HIER,
    GERMAN_BEFORE_HIER,
    LEFT,
    LEFT_AFTER,
    MONTH_PREPOSITIONS,
    MONTH_WORDS,
    MONTHS,
    NOT_FORMER,
    NOT_PLACES,
    NUMBERS,
    ORG_AMI,
    ORG_META,
    OTHER_ORGS,
    RELATIVE,
    TITLE_OF,
    UNITS,
    YEAR_PREPOSITIONS,
)
from bot.gazetteer import WELL_KNOWN_PEOPLE as WELL_KNOWN_PEOPLE
from bot.gazetteer import WELL_KNOWN_PLACES as WELL_KNOWN_PLACES
from bot.gazetteer import Person as Person
from bot.gazetteer import Place as Place

CHIEF_AI_SCIENTIST = "Chief AI Scientist"
FOUNDER = "Founder"  # as the corpus spells it (corpus/speakers.toml)
SPEAKER = "Yann LeCun"


@dataclass(frozen=True)
class PlaceMention:
    place: str  # canonical name
    surface: str
    start: int
    end: int


@dataclass(frozen=True)
class PersonMention:
    person: str
    surface: str
    start: int
    end: int


@dataclass(frozen=True)
class DateClaim:
    surface: str
    start: int
    end: int
    earliest: date
    latest: date
    relative: bool


@dataclass(frozen=True)
class RoleClaim:
    org: str  # "Meta" or "AMI Labs"
    title: str  # "Chief AI Scientist" or "Founder"
    former: bool
    surface: str
    start: int
    end: int


_I = regex.IGNORECASE | regex.VERSION0
_WORD = r"\p{Latin}\p{Cyrillic}\p{Greek}\p{N}_"
_L = rf"(?<![{_WORD}])"  # word boundaries that let Chinese touch Latin: "在Davos"
_R = rf"(?![{_WORD}])"
_IS_WORDY = regex.compile(rf"[{_WORD}]")
_SEP = regex.compile(r"(\s+|[-‐‑]|['’])")

T = TypeVar("T")


def _span(m: Any, group: int | str = 0) -> tuple[int, int]:
    return int(m.start(group)), int(m.end(group))


def _longest(candidates: list[tuple[int, int, T]]) -> list[tuple[int, int, T]]:
    """Longest first, then leftmost; drop whatever overlaps an earlier choice."""
    chosen: list[tuple[int, int, T]] = []
    for c in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if c[1] > c[0] and all(c[1] <= s or c[0] >= e for s, e, _ in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c[0])


# --- names: places and people ---------------------------------------------------------------


def _key(name: str) -> str:
    return str(regex.sub(r"[\W_]+", "", name.casefold()))


def _alias_pattern(alias: str, genitive: bool) -> str:
    """An acronym ("UN", "WEF") matches as written; another single Latin word ("Davos") must
    start with its capital; anything else ignores case. Spaces, hyphens, apostrophes flex."""
    acronym = " " not in alias and len(alias) <= 6 and alias.isupper()
    capital = not acronym and bool(regex.fullmatch(r"\p{Lu}[\p{Latin}\p{N}.\-]*", alias))
    body = "".join(
        r"\s+"
        if part.isspace()
        else r"[-‐‑\s]?"
        if part in "-‐‑"
        else "['’]"
        if part in "'’"
        else regex.escape(part)
        for part in _SEP.split(alias[1:] if capital else alias)
        if part
    )
    if capital:
        body = f"(?-i:{regex.escape(alias[0])}){body}"
    elif acronym:
        body = f"(?-i:{body})"
    left = _L if _IS_WORDY.match(alias[0]) else ""
    right = (rf"(?=s?{_R})" if genitive else _R) if _IS_WORDY.match(alias[-1]) else ""
    return left + body + right


@functools.lru_cache(maxsize=64)
def _names(
    entries: tuple[tuple[str, tuple[str, ...]], ...], genitive: bool
) -> tuple[Any, dict[str, str]]:
    canonical: dict[str, str] = {}
    for name, aliases in entries:
        for alias in (name, *aliases) if name else aliases:
            if alias.strip():
                canonical.setdefault(_key(alias), name)
    every = {a.strip() for n, al in entries for a in ((n, *al) if n else al) if a.strip()}
    ordered = sorted(every, key=lambda a: (-len(a), a))
    source = "|".join(_alias_pattern(a, genitive) for a in ordered) or "(?!)"
    return regex.compile(source, _I), canonical


def _find_names(
    text: str, entries: tuple[tuple[str, tuple[str, ...]], ...], genitive: bool
) -> list[tuple[int, int, str]]:
    pattern, canonical = _names(entries, genitive)
    found = {_span(m) for m in pattern.finditer(text, overlapped=True)}
    return [
        (s, e, name)
        for s, e, _ in _longest([(s, e, None) for s, e in found])
        if (name := canonical.get(_key(text[s:e])))
    ]


def find_places(text: str, extra: Sequence[Place] = ()) -> list[PlaceMention]:
    """Venues, events and cities named in `text`, built-in ones first on a tie, then `extra`."""
    entries = tuple((p.name, p.aliases) for p in (*WELL_KNOWN_PLACES, *extra))
    entries += tuple(("", (name,)) for name in NOT_PLACES)
    return [PlaceMention(n, text[s:e], s, e) for s, e, n in _find_names(text, entries, False)]


def find_people(text: str, extra: Sequence[Person] = ()) -> list[PersonMention]:
    """People named in `text`; "Altman's" and German "Altmans" count as "Altman"."""
    entries = tuple((p.name, p.aliases) for p in (*WELL_KNOWN_PEOPLE, *extra))
    return [PersonMention(n, text[s:e], s, e) for s, e, n in _find_names(text, entries, True)]


# --- dates ----------------------------------------------------------------------------------

_MONTH = {name: n for n, full, abbr in MONTHS for name in (*full, *abbr)}
_FULL = "|".join(sorted((x for _, full, _ in MONTHS for x in full), key=len, reverse=True))
_ANY = "|".join(sorted(_MONTH, key=len, reverse=True))
_MN = rf"(?P<mn>{_ANY})(?!\p{{L}})\.?"
_YEAR = r"(?P<y>(?:19|20)\d\d)(?!\d)"
_DAY = r"(?P<d>[0-3]?\d)"
_EXPLICIT = [
    regex.compile(p, _I)
    for p in (
        r"(?<![\d./-])(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\d/-])",
        rf"(?<![\d./-]){_DAY}\.(?P<m>[01]?\d)\.{_YEAR}(?!\.\d)",
        rf"{_L}{_DAY}(?:st|nd|rd|th|er|º|\.)?\s*(?:of\s+|de\s+)?{_MN}"
        rf"(?:\s*,?\s*(?:de\s+|del\s+)?{_YEAR})?",
        rf"{_L}{_MN}\s*{_DAY}(?:st|nd|rd|th)?(?![\d:])(?:\s*,?\s*{_YEAR})?",
        rf"{_L}{_MN}\s*,?\s*(?:de\s+|del\s+|of\s+)?{_YEAR}",
        rf"(?<!\d){_YEAR}\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*月(?:\s*{_DAY}\s*[日号號])?",
        rf"(?<![\d年])(?P<m>1[0-2]|0?[1-9])\s*月\s*{_DAY}\s*[日号號]",
        rf"(?<!\d){_YEAR}\s*年(?!\s*\d)",
        r"(?<![\d年月])(?P<m>1[0-2]|0?[1-9])\s*月份?(?![\d日号號])",
    )
]
_ALONE = regex.compile(
    rf"{_L}(?:{MONTH_PREPOSITIONS})\s+(?:the\s+month\s+of\s+)?(?P<mn>{_FULL}){_R}(?!\s*,?\s*\d)", _I
)
_LONE_YEAR = regex.compile(
    rf"(?<![{_WORD}$€£¥.,/:#+\-@]){_YEAR}(?![{_WORD}%]|[.,/\-:]\d)", regex.VERSION0
)
_YEAR_BEFORE = regex.compile(rf"(?:{_L}(?:{YEAR_PREPOSITIONS})\s+|[(«“\"'])$", _I)
_YEAR_AFTER = regex.compile(r"^\s*(?:[,.;:!?)\]»”\"'…]|$)")
_RELATIVE = regex.compile(
    "|".join(
        rf"(?P<{kind}>{_L}(?:{'|'.join(sorted(pats, key=len, reverse=True))}){_R})"
        for kind, pats in RELATIVE.items()
    ),
    _I,
)
_NUM = "|".join(
    regex.escape(n).replace(r"\ ", r"\s+") for n in sorted(NUMBERS, key=len, reverse=True)
)
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_AGO = [
    regex.compile(p, _I)
    for p in (
        rf"{_L}(?P<n>\d{{1,3}}|{_NUM})\s+(?P<u>{_UNIT})\s+ago{_R}",
        rf"{_L}(?:il\s+y\s+a|hace|vor)\s+(?P<n>\d{{1,3}}|{_NUM})\s+(?P<u>{_UNIT}){_R}",
        rf"(?<!\d)(?P<n>\d{{1,3}}|{_NUM})\s*(?P<u>{_UNIT})(?:以前|之前|前)",
    )
]
_GERMAN_NEXT = regex.compile(rf"\s+(?:{GERMAN_AFTER_HIER}){_R}", _I)
_GERMAN_BEFORE = regex.compile(rf"{_L}(?:{GERMAN_BEFORE_HIER})\s+$", _I)

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
                add(_span(m), _explicit(m, today), False)
    for m in _ALONE.finditer(text, overlapped=True):
        add(_span(m, "mn"), _explicit(m, today), False)
    for m in _LONE_YEAR.finditer(text):
        s, e = _span(m)
        if _YEAR_BEFORE.search(text[max(0, s - 40) : s]) or _YEAR_AFTER.match(text[e:]):
            add((s, e), _explicit(m, None), False)
    if today is not None:
        for m in _RELATIVE.finditer(text):
            s, e = _span(m)
            if text[s:e].casefold() == "hier" and (
                _GERMAN_NEXT.match(text, e) or _GERMAN_BEFORE.search(text[max(0, s - 20) : s])
            ):
                continue  # German "hier" (here), not French "hier" (yesterday)
            add((s, e), _window(str(m.lastgroup), today), True)
        for pattern in _AGO:
            for m in pattern.finditer(text):
                n = m["n"].casefold()
                count = int(n) if n.isdigit() else NUMBERS.get(regex.sub(r"\s+", " ", n))
                add(_span(m), _ago(count, UNITS.get(m["u"].casefold(), 1), today), True)
    return [DateClaim(text[s:e], s, e, *w) for s, e, w in _longest(found)]


# --- titles ---------------------------------------------------------------------------------

_MOD = rf"{FORMER}|{NOT_FORMER}"
_IS_FORMER = regex.compile(rf"(?:{FORMER})\s*", _I)
_ORG = rf"(?P<org>{ORG_META}|{ORG_AMI})"
_TITLE = rf"(?P<title>(?P<chief>{'|'.join(CHIEF_TITLES)})|(?P<founder>{'|'.join(FOUNDER_TITLES)}))"
_ROLES = [
    regex.compile(p, _I)
    for p in (
        # "ex-Meta", "Meta's outgoing chief AI scientist", "AMI Labs founder", "前Meta首席AI科学家"
        rf"{_L}(?:(?P<mod>{_MOD})\s*)?{_ORG}(?:['’]s|['’]|s)?{_R}[\s-]*的?\s*"
        rf"(?:(?P<mod2>{_MOD})\s*)?(?:{_TITLE}{_R})?",
        # "former Chief AI Scientist at Meta", "fondateur d'AMI Labs", "patron de l'IA de Meta"
        rf"{_L}(?:(?P<mod>{_MOD})\s*)?{_TITLE}{_R}(?:{TITLE_OF})(?:(?P<mod2>{_MOD})\s*)?{_ORG}{_R}",
        # "who recently left Meta", "après avoir quitté Meta", "离开Meta"
        rf"{_L}(?:(?:who|qui|que|der|die)\s+)?(?:(?:has|had|recently|just|récemment|"
        rf"recientemente|kürzlich)\s+)*(?:{LEFT})\s*(?:the\s+)?(?:{_ORG}{_R}|(?P<company>{COMPANY}))",
        rf"{_L}(?:(?:从|從)\s*)?{_ORG}{_R}\s*(?P<after>{LEFT_AFTER})",
        # a title on its own: "former Chief Scientist Yann LeCun"
        rf"{_L}(?:(?P<mod>{_MOD})\s*)?(?P<title>(?P<chief>{'|'.join(CHIEF_TITLES)})){_R}",
    )
]
_BARE = len(_ROLES) - 1
_OWNED = regex.compile(
    rf"(?:(?:{OTHER_ORGS})(?:['’]s|['’]|s)?|\p{{Lu}}\S*['’]s)\s*$", regex.VERSION0
)
_FOLLOWED = regex.compile(r"\s+(?:at|of|for|from|chez|de|du|en|von|bei|des)\s|\s*d['’]", _I)
_FUTURE = regex.compile(rf"(?:{FUTURE})\s*$", _I)
_SENTENCE = regex.compile(r"[.!?。！？\n]")


def _role(kind: int, m: Any, text: str) -> tuple[str, str, bool | None] | None:
    """(org, title, former) of one match; former None: the text does not say."""
    groups: dict[str, str | None] = m.groupdict()
    former: bool | None = True if kind in (2, 3) else None
    for mod in (groups.get("mod"), groups.get("mod2")):
        if mod:
            former = bool(_IS_FORMER.fullmatch(mod))
    s = int(m.start())
    if kind == _BARE:
        if _OWNED.search(text[max(0, s - 40) : s]) or _FOLLOWED.match(text, int(m.end())):
            return None
        return "Meta", CHIEF_AI_SCIENTIST, former
    if groups.get("company") or (kind == 3 and _FUTURE.search(text[max(0, s - 10) : s])):
        return None
    org = "AMI Labs" if (groups.get("org") or "M")[0] in "Aa" else "Meta"
    if groups.get("chief") or (kind in (2, 3) and org == "Meta"):
        title = CHIEF_AI_SCIENTIST
    elif groups.get("founder") or kind in (2, 3):
        title = FOUNDER
    elif groups.get("mod") and _IS_FORMER.fullmatch(groups["mod"] or ""):  # "ex-Meta"
        return org, CHIEF_AI_SCIENTIST if org == "Meta" else FOUNDER, True
    else:
        return None
    if org == "Meta" and title == FOUNDER:
        return None  # "Facebook founder Mark Zuckerberg"
    return org, title, former


def find_roles(text: str) -> list[RoleClaim]:
    """Titles tied to Meta or AMI Labs, with whether the text calls them former. A departure
    ("who recently left Meta", "après avoir quitté Meta") claims the former Meta title; "left the
    company" makes the titles of its sentence former; "outgoing" is not former. A title followed
    or preceded by someone else's name ("Meta's AI chief Alexandr Wang") is not about him."""
    found: list[tuple[int, int, tuple[str, str, bool | None]]] = []
    left_company: list[int] = []
    for kind, pattern in enumerate(_ROLES):
        for m in pattern.finditer(text):
            if kind == 2 and m["company"]:
                left_company.append(int(m.start()))
            role = _role(kind, m, text)
            s, e = _span(m)
            while e > s and text[e - 1] in " \t\n-的":  # "ex-Meta " before an untitled word
                e -= 1
            if role:
                found.append((s, e, role))
    others = [p for p in find_people(text) if p.person != SPEAKER]
    out = []
    for s, e, (org, title, former) in _longest(found):
        if any(
            (p.start >= e and not text[e : p.start].strip(" ,"))
            or (p.end <= s and not text[p.end : s].strip(" ,"))
            for p in others
        ):
            continue
        if former is None:
            start = max((x.end() for x in _SENTENCE.finditer(text, 0, s)), default=0)
            stop = min((x.start() for x in _SENTENCE.finditer(text, e)), default=len(text))
            former = any(start <= c < stop for c in left_company)
        out.append(RoleClaim(org, title, former, text[s:e], s, e))
    return out
