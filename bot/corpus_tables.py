"""Read the tables of corpus files into the domain's dataclasses (the format: corpus/README.md):
an event with its sources, the provenance of each sentence, its date basis and its unverified
record; speakers and their roles; circulating sentences. Each reader reports what is wrong
with its own file; checks across files are in bot/corpus.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.corpus_file import CorpusFile
from bot.domain import (
    BASES,
    PRONOUNS,
    Basis,
    Circulating,
    DateBasis,
    Event,
    Pronoun,
    Provenance,
    Role,
    Sentence,
    Source,
    Speaker,
    Theme,
    Unverified,
)
from bot.gazetteer_titles import FAMILY_NAMES
from bot.tomllines import Key

SPEAKERS = "speakers.toml"
CIRCULATING = "circulating.toml"

# A spec maps each allowed key to its kind; "?" marks it optional. "str" may be empty, "text"
# may not; "sentence" is a text shown as someone's words (no control characters, bounded);
# "texts" and "urls" are arrays of non-empty strings; "table(s)" a table (an array of tables).
EVENT = {
    "id": "text", "speaker": "text", "speaker_role": "text", "event": "text", "venue": "str",
    "city": "str", "country": "str", "date": "date", "date_note": "?str", "organiser": "str",
    "date_basis": "table", "venue_aliases": "?texts", "sources": "?tables",
    "sentences": "?tables", "unverified": "?tables",
}  # fmt: skip
DATE_BASIS = {"source": "url", "how": "text"}
SOURCE = {"url": "url", "publisher": "text", "kind": "text", "note": "?str"}
SENTENCE = {
    "id": "text", "lang": "text", "text": "sentence", "basis": "text", "sources": "urls",
    "translated_from": "?text", "translation_of": "?text", "disputed": "?bool",
    "dispute_note": "?text", "note": "?str",
}  # fmt: skip
UNVERIFIED = {
    "id": "text",
    "lang": "text",
    "text": "sentence",
    "reason": "text",
    "sources": "?urls",
}
SPEAKER = {
    "name": "text", "aliases": "?texts", "pronoun": "?text", "roles": "?tables",
    "themes": "?tables",
}  # fmt: skip
ROLE = {
    "title": "text", "org": "text", "also": "?texts", "start": "?date", "held_on": "?date",
    "ended_by": "?date", "org_words": "?texts", "signals": "?texts", "title_words": "?texts",
}  # fmt: skip
THEME = {"name": "text", "words": "?texts", "as_written": "?texts"}
CIRC = {
    "id": "text", "lang": "text", "text": "sentence", "attributed_to": "text", "note": "str",
    "seen_at": "?urls", "paraphrase_of": "?text",
}  # fmt: skip

_EVENT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SENTENCE_ID = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]*)\.([1-9][0-9]*)")
_CIRC_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


@dataclass
class Seen:
    """Ids already used, each with the `file:line` where it first appeared."""

    events: dict[str, str]
    sentences: dict[str, str]
    circulating: dict[str, str]


def first(f: CorpusFile, seen: dict[str, str], value: str, key: Key, what: str) -> None:
    if value in seen:
        f.report(key, f"duplicate {what} '{value}' (first in {seen[value]})")
    elif value:
        seen[value] = f.where(key)


def _speaker_known(f: CorpusFile, name: str, key: Key, speakers: set[str] | None) -> None:
    if speakers is not None and name and name not in speakers:
        f.report(key, f"speaker '{name}' is not in {SPEAKERS}")


def read_event(f: CorpusFile, data: dict[str, Any], seen: Seen, speakers: set[str] | None) -> Event:
    d = f.fields(data, (), EVENT)
    eid: str = d["id"]
    if eid and eid != f.path.stem:
        f.report(("id",), f"id '{eid}' does not match the file name {f.path.name}")
    elif eid and not _EVENT_ID.fullmatch(eid):
        f.report(("id",), f"id '{eid}' must be lowercase letters, digits and hyphens")
    first(f, seen.events, eid, ("id",), "event id")
    _speaker_known(f, d["speaker"], ("speaker",), speakers)
    if isinstance(data.get("sources", []), list) and not data.get("sources"):
        f.report(("sources",), "event has no [[sources]]")
    if not data.get("sentences") and not data.get("unverified"):
        f.report(("sentences",), "event has no [[sentences]] (nor an [[unverified]] record)")
    f.count(("sentences",), len(d["sentences"]) + len(d["unverified"]))
    sources = _sources(f, d["sources"])
    urls = {s.url for s in sources}
    date_basis = None
    if d["date_basis"] is not None:
        b = f.fields(d["date_basis"], ("date_basis",), DATE_BASIS)
        _known_source(f, b["source"], urls, ("date_basis", "source"))
        date_basis = DateBasis(b["source"], b["how"])
    sentences = _sentences(f, d["sentences"], eid, seen, urls)
    unverified = []
    for i, table in enumerate(d["unverified"]):
        u, key = f.fields(table, ("unverified", i), UNVERIFIED), ("unverified", i)
        first(f, seen.sentences, u["id"], (*key, "id"), "sentence id")
        f.lang(u["lang"], (*key, "lang"))
        for url in u["sources"]:
            _known_source(f, url, urls, (*key, "sources"))
        unverified.append(Unverified(u["id"], u["text"], u["lang"], u["reason"]))
    return Event(
        id=eid, speaker=d["speaker"], speaker_role=d["speaker_role"], event=d["event"],
        venue=d["venue"], city=d["city"], country=d["country"], date=d["date"],
        organiser=d["organiser"], sources=sources, sentences=sentences,
        venue_aliases=d["venue_aliases"], date_note=d["date_note"], path=f.name,
        date_basis=date_basis, unverified=tuple(unverified),
    )  # fmt: skip


def _sources(f: CorpusFile, tables: list[dict[str, Any]]) -> tuple[Source, ...]:
    out: list[Source] = []
    for i, table in enumerate(tables):
        s = f.fields(table, ("sources", i), SOURCE)
        if s["kind"] and s["kind"] not in ("primary", "secondary"):
            message = f"source kind '{s['kind']}' must be 'primary' or 'secondary'"
            f.report(("sources", i, "kind"), message)
        if any(s["url"] and s["url"] == o.url for o in out):
            f.report(("sources", i, "url"), f"source url listed twice: {s['url']}")
        out.append(Source(url=s["url"], publisher=s["publisher"], kind=s["kind"], note=s["note"]))
    return tuple(out)


def _known_source(f: CorpusFile, url: str, urls: set[str], key: Key) -> None:
    if url.startswith("https://") and url not in urls:
        f.report(key, f"source '{url}' is not the url of one of this event's [[sources]]")


def _sentences(
    f: CorpusFile, tables: list[dict[str, Any]], eid: str, seen: Seen, urls: set[str]
) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    numbers: dict[str, int] = {}  # quote id -> its last sentence number so far
    bases: dict[str, str] = {}  # quote id -> the basis of its first sentence
    last = ""
    for i, table in enumerate(tables):
        s, key = f.fields(table, ("sentences", i), SENTENCE), ("sentences", i, "id")
        sid: str = s["id"]
        quote = sid.rpartition(".")[0]
        m = _SENTENCE_ID.fullmatch(sid) if sid else None  # an empty id is reported as such
        if sid and m is None:
            f.report(key, f"sentence id '{sid}' is not of the form <quote>.<n>")
        elif m is not None:
            expected = numbers.get(quote, 0) + 1
            if quote in numbers and quote != last:
                f.report(key, f"quote '{quote}' is split: keep its sentences together")
            elif int(m[2]) != expected:
                f.report(key, f"sentence id '{sid}' is out of order: expected '{quote}.{expected}'")
            numbers[quote], last = int(m[2]), quote
        first(f, seen.sentences, sid, key, "sentence id")
        f.lang(s["lang"], ("sentences", i, "lang"))
        provenance = _provenance(f, s, "sources" in table, ("sentences", i), urls)
        if quote and bases.setdefault(quote, provenance.basis) != provenance.basis:
            message = f"quote '{quote}' mixes bases: '{bases[quote]}' and '{provenance.basis}'"
            f.report(("sentences", i, "basis"), f"{message} (one quote is one passage)")
        out.append(Sentence(sid, quote, eid, i, s["text"], s["lang"], provenance))
    return tuple(out)


def _provenance(
    f: CorpusFile, s: dict[str, Any], has_sources: bool, key: Key, urls: set[str]
) -> Provenance:
    basis: str = s["basis"]
    if basis and basis not in BASES:
        f.report((*key, "basis"), f"basis '{basis}' must be one of {', '.join(BASES)}")
    if has_sources and not s["sources"]:
        message = "empty sources: name the url(s) of the [[sources]] its wording rests on"
        if basis == "reported":
            message = "a reported sentence must name the source that reports it (sources)"
        f.report((*key, "sources"), message)
    for url in s["sources"]:
        _known_source(f, url, urls, (*key, "sources"))
    if basis == "translation":
        f.lang(s["translated_from"], (*key, "translated_from"))
        if not s["translated_from"]:
            f.report(key, "a translation needs translated_from (the language he spoke)")
        elif s["translated_from"] == s["lang"]:
            f.report((*key, "translated_from"), "translated_from is the sentence's own lang")
    else:
        for name in ("translated_from", "translation_of"):
            if s[name]:
                f.report((*key, name), f'{name} is only for basis = "translation"')
    if s["disputed"] and not s["dispute_note"]:
        f.report((*key, "disputed"), "a disputed sentence needs a dispute_note saying why")
    elif s["dispute_note"] and not s["disputed"]:
        f.report((*key, "dispute_note"), "dispute_note without disputed = true")
    return Provenance(
        basis=basis_of(basis),
        sources=s["sources"],
        translated_from=s["translated_from"],
        translation_of=s["translation_of"],
        disputed=s["disputed"],
        dispute_note=s["dispute_note"],
    )


def basis_of(value: str) -> Basis:
    for b in BASES:
        if b == value:
            return b
    return "reported"


def read_speakers(f: CorpusFile, data: dict[str, Any]) -> list[Speaker]:
    out: list[Speaker] = []
    names: dict[str, str] = {}
    for i, table in enumerate(f.fields(data, (), {"speakers": "tables"})["speakers"]):
        s = f.fields(table, ("speakers", i), SPEAKER)
        first(f, names, s["name"], ("speakers", i, "name"), "speaker")
        roles = [_role(f, role, ("speakers", i, "roles", j)) for j, role in enumerate(s["roles"])]
        themes: list[Theme] = []
        seen: dict[str, str] = {}
        for j, theme in enumerate(s["themes"]):
            key = ("speakers", i, "themes", j)
            t = f.fields(theme, key, THEME)
            first(f, seen, t["name"].casefold(), (*key, "name"), "theme")
            if not t["words"] and not t["as_written"] and not {"words", "as_written"} & set(theme):
                f.report(key, f"theme '{t['name']}' has no words: give words or as_written")
            themes.append(Theme(t["name"], t["words"], t["as_written"]))
        pronoun = _pronoun(f, s["pronoun"], ("speakers", i, "pronoun"))
        out.append(Speaker(s["name"], s["aliases"], tuple(roles), tuple(themes), pronoun))
    return out


def _role(f: CorpusFile, table: dict[str, Any], key: Key) -> Role:
    r = f.fields(table, key, ROLE)
    for a, b in (("start", "held_on"), ("held_on", "ended_by"), ("start", "ended_by")):
        if r[a] and r[b] and (r[b] < r[a] or (r[b] == r[a] and b == "ended_by")):
            f.report((*key, b), f"'{b}' ({r[b]}) must be after '{a}' ({r[a]})")
    for signal in r["signals"]:
        if signal not in FAMILY_NAMES:
            known = ", ".join(f"'{n}'" for n in FAMILY_NAMES)
            f.report(
                (*key, "signals"),
                f"signal '{signal}' is not a title family: use one of {known}, "
                "or give the role's own words in title_words",
            )
    return Role(
        r["title"], r["org"], r["start"], r["held_on"], r["ended_by"], r["also"],
        r["org_words"], r["signals"], r["title_words"],
    )  # fmt: skip


def _pronoun(f: CorpusFile, value: str, key: Key) -> Pronoun:
    for p in PRONOUNS:
        if p == value:
            return p
    if value:
        f.report(key, f"pronoun '{value}' must be one of {', '.join(PRONOUNS)}")
    return "they"


def read_circulating(
    f: CorpusFile, data: dict[str, Any], seen: Seen, speakers: set[str] | None
) -> list[Circulating]:
    out: list[Circulating] = []
    tables = f.fields(data, (), {"circulating": "?tables"})["circulating"]
    f.count(("circulating",), len(tables))
    for i, table in enumerate(tables):
        c, key = f.fields(table, ("circulating", i), CIRC), ("circulating", i, "id")
        if c["id"] and not _CIRC_ID.fullmatch(c["id"]):
            f.report(key, f"circulating id '{c['id']}' must be letters, digits and hyphens")
        first(f, seen.circulating, c["id"], key, "circulating id")
        _speaker_known(f, c["attributed_to"], ("circulating", i, "attributed_to"), speakers)
        f.lang(c["lang"], ("circulating", i, "lang"))
        out.append(Circulating(c["id"], c["text"], c["lang"], c["attributed_to"], c["note"],
                               c["seen_at"], c["paraphrase_of"]))  # fmt: skip
    return out
