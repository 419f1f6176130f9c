"""Claims in the framing of a post: where it was said, by whom, with what title (when: see
`bot.dates`).

Pure functions over a string. Each finder returns frozen mentions that carry the surface text and
its offsets (`text[start:end] == surface`), sorted by position, never overlapping: where two
candidates overlap, the longer one wins. The words themselves live in `bot.gazetteer`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import regex

from bot.gazetteer import (
    CHIEF_TITLES,
    COMPANY,
    FORMER,
    FOUNDER_TITLES,
    FUTURE,
    LEFT,
    LEFT_AFTER,
    NOT_FORMER,
    NOT_PLACES,
    ORG_AMI,
    ORG_META,
    OTHER_ORGS,
    TITLE_OF,
)
from bot.gazetteer import WELL_KNOWN_PEOPLE as WELL_KNOWN_PEOPLE
from bot.gazetteer import WELL_KNOWN_PLACES as WELL_KNOWN_PLACES
from bot.gazetteer import Person as Person
from bot.gazetteer import Place as Place
from bot.spans import WORD, I, L, R, longest, span

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
class RoleClaim:
    org: str  # "Meta" or "AMI Labs"
    title: str  # "Chief AI Scientist" or "Founder"
    former: bool
    surface: str
    start: int
    end: int


_IS_WORDY = regex.compile(rf"[{WORD}]")
_SEP = regex.compile(r"(\s+|[-‐‑]|['’])")


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
    left = L if _IS_WORDY.match(alias[0]) else ""
    right = (rf"(?=s?{R})" if genitive else R) if _IS_WORDY.match(alias[-1]) else ""
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
    return regex.compile(source, I), canonical


def _find_names(
    text: str, entries: tuple[tuple[str, tuple[str, ...]], ...], genitive: bool
) -> list[tuple[int, int, str]]:
    pattern, canonical = _names(entries, genitive)
    found = {span(m) for m in pattern.finditer(text, overlapped=True)}
    return [
        (s, e, name)
        for s, e, _ in longest([(s, e, None) for s, e in found])
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


# --- titles ---------------------------------------------------------------------------------

_MOD = rf"{FORMER}|{NOT_FORMER}"
_IS_FORMER = regex.compile(rf"(?:{FORMER})\s*", I)
_ORG = rf"(?P<org>{ORG_META}|{ORG_AMI})"
_TITLE = rf"(?P<title>(?P<chief>{'|'.join(CHIEF_TITLES)})|(?P<founder>{'|'.join(FOUNDER_TITLES)}))"
_ROLES = [
    regex.compile(p, I)
    for p in (
        # "ex-Meta", "Meta's outgoing chief AI scientist", "AMI Labs founder", "前Meta首席AI科学家"
        rf"{L}(?:(?P<mod>{_MOD})\s*)?{_ORG}(?:['’]s|['’]|s)?{R}[\s-]*的?\s*"
        rf"(?:(?P<mod2>{_MOD})\s*)?(?:{_TITLE}{R})?",
        # "former Chief AI Scientist at Meta", "fondateur d'AMI Labs", "patron de l'IA de Meta"
        rf"{L}(?:(?P<mod>{_MOD})\s*)?{_TITLE}{R}(?:{TITLE_OF})(?:(?P<mod2>{_MOD})\s*)?{_ORG}{R}",
        # "who recently left Meta", "après avoir quitté Meta", "离开Meta"
        rf"{L}(?:(?:who|qui|que|der|die)\s+)?(?:(?:has|had|recently|just|récemment|"
        rf"recientemente|kürzlich)\s+)*(?:{LEFT})\s*(?:the\s+)?(?:{_ORG}{R}|(?P<company>{COMPANY}))",
        rf"{L}(?:(?:从|從)\s*)?{_ORG}{R}\s*(?P<after>{LEFT_AFTER})",
        # a title on its own: "former Chief Scientist Yann LeCun"
        rf"{L}(?:(?P<mod>{_MOD})\s*)?(?P<title>(?P<chief>{'|'.join(CHIEF_TITLES)})){R}",
    )
]
_BARE = len(_ROLES) - 1
_OWNED = regex.compile(
    rf"(?:(?:{OTHER_ORGS})(?:['’]s|['’]|s)?|\p{{Lu}}\S*['’]s)\s*$", regex.VERSION0
)
_FOLLOWED = regex.compile(r"\s+(?:at|of|for|from|chez|de|du|en|von|bei|des)\s|\s*d['’]", I)
_FUTURE = regex.compile(rf"(?:{FUTURE})\s*$", I)
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
            s, e = span(m)
            while e > s and text[e - 1] in " \t\n-的":  # "ex-Meta " before an untitled word
                e -= 1
            if role:
                found.append((s, e, role))
    others = [p for p in find_people(text) if p.person != SPEAKER]
    out = []
    for s, e, (org, title, former) in longest(found):
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
