"""Claims in the framing of a post: where it was said, by whom, with what title (when: see
`bot.dates`).

Pure functions over a string. Each finder returns frozen mentions that carry the surface text and
its offsets (`text[start:end] == surface`), sorted by position, never overlapping: where two
candidates overlap, the longer one wins. The words themselves live in `bot.gazetteer` and
`bot.gazetteer_titles`; a speaker's roles and the words that signal them come from the corpus.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import regex

from bot.domain import Role, Speaker
from bot.gazetteer import NOT_PLACES
from bot.gazetteer import WELL_KNOWN_PEOPLE as WELL_KNOWN_PEOPLE
from bot.gazetteer import WELL_KNOWN_PLACES as WELL_KNOWN_PLACES
from bot.gazetteer import Person as Person
from bot.gazetteer import Place as Place
from bot.gazetteer_titles import (
    COMPANY,
    FORMER,
    FUTURE,
    LEFT,
    LEFT_AFTER,
    NOT_FORMER,
    ORG_SUFFIX,
    OTHER_ORGS,
    TITLE_FAMILIES,
    TITLE_OF,
    TitleFamily,
)
from bot.spans import WORD, I, L, R, longest, span


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
    org: str  # a role's `org` in speakers.toml ("Meta")
    title: str  # a title family's name ("Chief AI Scientist"), or the role's own title
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
_OWNED = regex.compile(
    rf"(?:(?:{OTHER_ORGS})(?:['’]s|['’]|s)?|\p{{Lu}}\S*['’]s)\s*$", regex.VERSION0
)
_FOLLOWED = regex.compile(r"\s+(?:at|of|for|from|chez|de|du|en|von|bei|des)\s|\s*d['’]", I)
_FUTURE = regex.compile(rf"(?:{FUTURE})\s*$", I)
_SENTENCE = regex.compile(r"[.!?。！？\n]")


def _org_word(word: str) -> str:
    """One word ("Meta", "FAIR") matches as written or in capitals; a name of several words
    ("AMI Labs", "Advanced Machine Intelligence") in any case. Spaces are flexible."""
    parts = word.split()
    body = r"\s+".join(regex.escape(p) for p in parts)
    if len(parts) > 1:
        return body
    return f"(?-i:{body}|{regex.escape(word.upper())})"


@dataclass(frozen=True)
class _Roles:
    """A speaker's role patterns: which role each organisation word and title family means."""

    roles: tuple[Role, ...]
    families: tuple[TitleFamily, ...]  # the generic ones, then one per role with `title_words`
    own: tuple[Role | None, ...]  # for each family: the role it is that role's own words of
    orgs: tuple[tuple[Any, Role], ...]  # (a full-match pattern of its org words, the role)
    patterns: tuple[Any, ...]
    bare: int  # the index of the pattern of a title on its own


@functools.lru_cache(maxsize=16)
def _roles_of(speaker: Speaker) -> _Roles:
    roles = tuple(r for r in speaker.roles if r.org_words or r.signals or r.title_words)
    literal = tuple(r for r in roles if r.title_words)
    families = TITLE_FAMILIES + tuple(
        TitleFamily(r.title, tuple(map(_title_word, r.title_words)), own_only=True) for r in literal
    )
    own: tuple[Role | None, ...] = (None,) * len(TITLE_FAMILIES) + literal
    orgs = tuple(
        (regex.compile(rf"(?:{'|'.join(map(_org_word, r.org_words))}){ORG_SUFFIX}", I), r)
        for r in roles
        if r.org_words
    )
    words = sorted({w for r in roles for w in r.org_words}, key=lambda w: (-len(w), w))
    org = rf"(?P<org>(?:{'|'.join(map(_org_word, words)) or '(?!)'}){ORG_SUFFIX})"
    title = "|".join(f"(?P<f{i}>{'|'.join(f.patterns)})" for i, f in enumerate(families))
    title = f"(?P<title>{title})"
    bare = "|".join(f"(?P<f{i}>{'|'.join(f.patterns)})" for i, f in enumerate(families) if f.bare)
    sources = (
        # "ex-Meta", "Meta's outgoing chief AI scientist", "AMI Labs founder", "前Meta首席AI科学家"
        rf"{L}(?:(?P<mod>{_MOD})\s*)?{org}(?:['’]s|['’]|s)?{R}[\s-]*的?\s*"
        rf"(?:(?P<mod2>{_MOD})\s*)?(?:{title}{R})?",
        # "former Chief AI Scientist at Meta", "fondateur d'AMI Labs", "patron de l'IA de Meta"
        rf"{L}(?:(?P<mod>{_MOD})\s*)?{title}{R}(?:{TITLE_OF})(?:(?P<mod2>{_MOD})\s*)?{org}{R}",
        # "who recently left Meta", "après avoir quitté Meta", "离开Meta"
        rf"{L}(?:(?:who|qui|que|der|die)\s+)?(?:(?:has|had|recently|just|récemment|"
        rf"recientemente|kürzlich)\s+)*(?:{LEFT})\s*(?:the\s+)?(?:{org}{R}|(?P<company>{COMPANY}))",
        rf"{L}(?:(?:从|從)\s*)?{org}{R}\s*(?P<after>{LEFT_AFTER})",
        # a title on its own: "former Chief Scientist Yann LeCun"
        rf"{L}(?:(?P<mod>{_MOD})\s*)?(?P<title>{bare or '(?!)'}){R}",
    )
    patterns = tuple(regex.compile(p, I) for p in sources)
    return _Roles(roles, families, own, orgs, patterns, len(patterns) - 1)


def _title_word(word: str) -> str:
    """A title word of the corpus ("Executive Chairman"): any case, spaces and hyphens flexible."""
    return r"[-\s]+".join(regex.escape(p) for p in regex.split(r"[-\s]+", word.strip()) if p)


def _family(m: Any, spec: _Roles) -> int | None:
    groups = m.groupdict()
    return next((i for i in range(len(spec.families)) if groups.get(f"f{i}")), None)


def _named(role: Role) -> str:
    """How a claim names a role reached through its organisation alone ("ex-Meta", "left
    Meta"): its first signal, else its own title."""
    return role.signals[0] if role.signals else role.title


def _role(kind: int, m: Any, text: str, spec: _Roles) -> tuple[Role, str, bool | None] | None:
    """(role, title, former) of one match; former None: the text does not say."""
    groups: dict[str, str | None] = m.groupdict()
    former: bool | None = True if kind in (2, 3) else None
    for mod in (groups.get("mod"), groups.get("mod2")):
        if mod:
            former = bool(_IS_FORMER.fullmatch(mod))
    s = int(m.start())
    family = _family(m, spec) if groups.get("title") else None
    if kind == spec.bare:
        if _OWNED.search(text[max(0, s - 40) : s]) or _FOLLOWED.match(text, int(m.end())):
            return None
        name = spec.families[family].name if family is not None else ""
        held = next((r for r in spec.roles if name in r.signals), None)
        return (held, name, former) if held else None
    if groups.get("company") or (kind == 3 and _FUTURE.search(text[max(0, s - 10) : s])):
        return None
    org = groups.get("org") or ""
    role = next((r for pattern, r in spec.orgs if pattern.fullmatch(org)), None)
    if role is None:
        return None
    if family is not None:
        fam, owner = spec.families[family], spec.own[family]
        if owner is not None:
            return (owner, owner.title, former) if owner == role else None
        if fam.own_only and fam.name not in role.signals:
            return None  # "Facebook founder Mark Zuckerberg"
        return role, fam.name, former
    if kind in (2, 3):
        return role, _named(role), former
    if groups.get("mod") and _IS_FORMER.fullmatch(groups["mod"] or ""):  # "ex-Meta"
        return role, _named(role), True
    return None


def find_roles(text: str, speaker: Speaker | None) -> list[RoleClaim]:
    """Titles of `speaker`'s roles (corpus/speakers.toml: `org_words`, `signals`,
    `title_words`), with whether the text calls them former. A departure ("who recently left
    Meta", "après avoir quitté Meta") claims the former title; "left the company" makes the
    titles of its sentence former; "outgoing" is not former. A title followed or preceded by
    someone else's name ("Meta's AI chief Alexandr Wang") is not about the speaker."""
    if speaker is None:
        return []
    spec = _roles_of(speaker)
    if not spec.roles:
        return []
    found: list[tuple[int, int, tuple[Role, str, bool | None]]] = []
    left_company: list[int] = []
    for kind, pattern in enumerate(spec.patterns):
        for m in pattern.finditer(text):
            if kind == 2 and m["company"]:
                left_company.append(int(m.start()))
            role = _role(kind, m, text, spec)
            s, e = span(m)
            while e > s and text[e - 1] in " \t\n-的":  # "ex-Meta " before an untitled word
                e -= 1
            if role:
                found.append((s, e, role))
    me = (Person(speaker.name, speaker.aliases),)
    others = [p for p in find_people(text, me) if p.person != speaker.name]
    out = []
    for s, e, (held, title, former) in longest(found):
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
        out.append(RoleClaim(held.org, title, former, text[s:e], s, e))
    return out
