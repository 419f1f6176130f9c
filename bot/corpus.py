"""Load and validate the verified corpus (the format: corpus/README.md).

`validate_corpus` lists every problem as `file:line: message`; `load_corpus` returns a Corpus only
when there is none at all, so a bad edit never half-loads. tomllib gives no line numbers, so a
small indexer scans each file's text for its table headers and `key =` lines."""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.domain import Circulating, Corpus, Event, Role, Sentence, Source, Speaker
from bot.tomllines import Key, LineIndex

SPEAKERS = "speakers.toml"
CIRCULATING = "circulating.toml"


# A spec maps each allowed key to its kind; "?" marks it optional. "str" may be empty, "text"
# may not; "texts" and "urls" are arrays of non-empty strings; "tables" an array of tables.
EVENT = {
    "id": "text", "speaker": "text", "speaker_role": "text", "event": "text", "venue": "str",
    "city": "str", "country": "str", "date": "date", "date_note": "?str", "organiser": "str",
    "venue_aliases": "?texts", "sources": "?tables", "sentences": "?tables",
}  # fmt: skip
SOURCE = {"url": "url", "publisher": "text", "kind": "text", "note": "?str"}
SENTENCE = {"id": "text", "lang": "text", "text": "text"}
SPEAKER = {"name": "text", "aliases": "?texts", "roles": "?tables"}
ROLE = {"title": "text", "org": "text", "start": "?date", "held_on": "?date", "ended_by": "?date"}
CIRC = {
    "id": "text", "lang": "text", "text": "text", "attributed_to": "text", "note": "str",
    "seen_at": "?urls",
}  # fmt: skip
_DEFAULT: dict[str, Any] = {"str": "", "text": "", "url": "", "date": None, "tables": []}

_EVENT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SENTENCE_ID = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]*)\.([1-9][0-9]*)")
_CIRC_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_URL = re.compile(r"https?://\S+")
_TYPES = {"str": "a string", "int": "an integer", "float": "a float", "bool": "a boolean",
          "datetime": "a date-time", "date": "a date", "time": "a time", "list": "an array",
          "dict": "a table"}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class CorpusError(Exception):
    """The corpus has problems; nothing was loaded. `problems` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- where things are in a file (see bot/tomllines.py) ---------------------------------------

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_DATE_VALUE = re.compile(r"[^=#]*=\s*(\d+-\d+-\d+)")


def _syntax_problem(name: str, text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    lines = text.splitlines()
    at = _AT.search(str(exc))
    if at is None:  # "(at end of document)"
        return Problem(name, max(len(lines), 1), f"TOML syntax error: {exc}")
    line = int(at[1])
    value = _DATE_VALUE.match(lines[line - 1]) if line <= len(lines) else None
    if value and not re.fullmatch(r"\d{4}-\d\d-\d\d", value[1]):
        return Problem(name, line, f"bad date {value[1]}: write YYYY-MM-DD")
    if value:
        try:
            date.fromisoformat(value[1])
        except ValueError as err:
            return Problem(name, line, f"bad date {value[1]}: {err}")
    message = str(exc)[: at.start()]
    return Problem(name, line, f"TOML syntax error: {message} (column {at[2]})")


# --- checking one file ----------------------------------------------------------------------


class _File:
    """One corpus file: its bytes, its data (None when it does not parse) and where keys are."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path, self.name, self.problems = path, str(path), problems
        self.raw = path.read_bytes()
        self.index = LineIndex("")
        self.data: dict[str, Any] | None = None
        try:
            text = self.raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.report((), f"not UTF-8 (byte {exc.start})")
            return
        self.index = LineIndex(text)
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            problems.append(_syntax_problem(self.name, text, exc))

    def report(self, key: Key, message: str) -> None:
        self.problems.append(Problem(self.name, self.index.line(key), message))

    def where(self, key: Key) -> str:
        return f"{self.name}:{self.index.line(key)}"

    def fields(self, table: dict[str, Any], key: Key, spec: dict[str, str]) -> dict[str, Any]:
        """Every key of `spec` with its checked value (a default when missing or bad)."""
        where = f" in [[{'.'.join(str(k) for k in key if isinstance(k, str))}]]" if key else ""
        for k in table:
            if k not in spec:
                hint = difflib.get_close_matches(k, spec, n=1)
                also = f" (did you mean '{hint[0]}'?)" if hint else ""
                self.report((*key, k), f"unknown key '{k}'{where}{also}")
        out: dict[str, Any] = {}
        for k, kind in spec.items():
            kind = kind.lstrip("?")
            if k in table:
                out[k] = self._value(table[k], (*key, k), kind)
            else:
                out[k] = _DEFAULT.get(kind, ())
                if not spec[k].startswith("?"):
                    self.report(key, f"missing key '{k}'{where}")
        return out

    def _value(self, v: object, key: Key, kind: str) -> Any:
        name, got = key[-1], _TYPES.get(type(v).__name__, type(v).__name__)
        if kind == "date":
            if isinstance(v, date) and not isinstance(v, datetime):
                return v
            how = "an unquoted TOML date" if isinstance(v, str) else "a date"
            self.report(key, f"bad date: '{name}' must be {how} (YYYY-MM-DD), not {got}")
        elif kind == "tables":
            if isinstance(v, list) and all(isinstance(t, dict) for t in v):
                return v
            self.report(key, f"wrong type: '{name}' must be an array of tables ([[{name}]])")
        elif kind in ("texts", "urls"):
            if isinstance(v, list) and all(isinstance(s, str) for s in v):
                for s in v:
                    self._check_text(s, key, kind)
                return tuple(v)
            self.report(key, f"wrong type: '{name}' must be an array of strings")
        elif not isinstance(v, str):
            self.report(key, f"wrong type: '{name}' must be a string, not {got}")
        else:
            self._check_text(v, key, kind)
            return v
        return _DEFAULT.get(kind, ())

    def _check_text(self, s: str, key: Key, kind: str) -> None:
        if kind != "str" and not s.strip():
            self.report(key, f"empty {key[-1]}")
        elif kind in ("url", "urls") and not _URL.fullmatch(s):
            self.report(key, f"bad URL '{s}': it must start with http:// or https://")

    def lang(self, value: str, key: Key) -> None:
        if value and not _LANG.fullmatch(value):
            self.report(key, f"bad lang '{value}': use a language code like 'en' or 'fr'")


@dataclass
class _Seen:
    """Ids already used, each with the `file:line` where it first appeared."""

    events: dict[str, str]
    sentences: dict[str, str]
    circulating: dict[str, str]


def _first(f: _File, seen: dict[str, str], value: str, key: Key, what: str) -> None:
    if value in seen:
        f.report(key, f"duplicate {what} '{value}' (first in {seen[value]})")
    elif value:
        seen[value] = f.where(key)


def _speaker_known(f: _File, name: str, key: Key, speakers: set[str] | None) -> None:
    if speakers is not None and name and name not in speakers:
        f.report(key, f"speaker '{name}' is not in {SPEAKERS}")


def _event(f: _File, data: dict[str, Any], seen: _Seen, speakers: set[str] | None) -> Event:
    d = f.fields(data, (), EVENT)
    eid: str = d["id"]
    if eid and eid != f.path.stem:
        f.report(("id",), f"id '{eid}' does not match the file name {f.path.name}")
    elif eid and not _EVENT_ID.fullmatch(eid):
        f.report(("id",), f"id '{eid}' must be lowercase letters, digits and hyphens")
    _first(f, seen.events, eid, ("id",), "event id")
    _speaker_known(f, d["speaker"], ("speaker",), speakers)
    for part in ("sources", "sentences"):
        if isinstance(data.get(part, []), list) and not data.get(part):
            f.report((part,), f"event has no [[{part}]]")
    sources: list[Source] = []
    for i, table in enumerate(d["sources"]):
        s = f.fields(table, ("sources", i), SOURCE)
        if s["kind"] and s["kind"] not in ("primary", "secondary"):
            message = f"source kind '{s['kind']}' must be 'primary' or 'secondary'"
            f.report(("sources", i, "kind"), message)
        sources.append(
            Source(url=s["url"], publisher=s["publisher"], kind=s["kind"], note=s["note"])
        )
    sentences: list[Sentence] = []
    numbers: dict[str, int] = {}  # quote id -> its last sentence number so far
    last = ""
    for i, table in enumerate(d["sentences"]):
        s, key = f.fields(table, ("sentences", i), SENTENCE), ("sentences", i, "id")
        sid: str = s["id"]
        quote = sid.rpartition(".")[0]
        if sid and (m := _SENTENCE_ID.fullmatch(sid)) is None:
            f.report(key, f"sentence id '{sid}' is not of the form <quote>.<n>")
        elif m is not None:
            expected = numbers.get(quote, 0) + 1
            if quote in numbers and quote != last:
                f.report(key, f"quote '{quote}' is split: keep its sentences together")
            elif int(m[2]) != expected:
                f.report(key, f"sentence id '{sid}' is out of order: expected '{quote}.{expected}'")
            numbers[quote], last = int(m[2]), quote
        _first(f, seen.sentences, sid, key, "sentence id")
        f.lang(s["lang"], ("sentences", i, "lang"))
        sentences.append(Sentence(sid, quote, eid, i, s["text"], s["lang"]))
    return Event(
        id=eid, speaker=d["speaker"], speaker_role=d["speaker_role"], event=d["event"],
        venue=d["venue"], city=d["city"], country=d["country"], date=d["date"],
        organiser=d["organiser"], sources=tuple(sources), sentences=tuple(sentences),
        venue_aliases=d["venue_aliases"], date_note=d["date_note"], path=f.name,
    )  # fmt: skip


def _speakers(f: _File, data: dict[str, Any]) -> list[Speaker]:
    out: list[Speaker] = []
    names: dict[str, str] = {}
    for i, table in enumerate(f.fields(data, (), {"speakers": "tables"})["speakers"]):
        s = f.fields(table, ("speakers", i), SPEAKER)
        _first(f, names, s["name"], ("speakers", i, "name"), "speaker")
        roles: list[Role] = []
        for j, role in enumerate(s["roles"]):
            key = ("speakers", i, "roles", j)
            r = f.fields(role, key, ROLE)
            for a, b in (("start", "held_on"), ("held_on", "ended_by"), ("start", "ended_by")):
                if r[a] and r[b] and (r[b] < r[a] or (r[b] == r[a] and b == "ended_by")):
                    f.report((*key, b), f"'{b}' ({r[b]}) must be after '{a}' ({r[a]})")
            roles.append(Role(r["title"], r["org"], r["start"], r["held_on"], r["ended_by"]))
        out.append(Speaker(s["name"], s["aliases"], tuple(roles)))
    return out


def _circulating(
    f: _File, data: dict[str, Any], seen: _Seen, speakers: set[str] | None
) -> list[Circulating]:
    out: list[Circulating] = []
    for i, table in enumerate(f.fields(data, (), {"circulating": "?tables"})["circulating"]):
        c, key = f.fields(table, ("circulating", i), CIRC), ("circulating", i, "id")
        if c["id"] and not _CIRC_ID.fullmatch(c["id"]):
            f.report(key, f"circulating id '{c['id']}' must be letters, digits and hyphens")
        _first(f, seen.circulating, c["id"], key, "circulating id")
        _speaker_known(f, c["attributed_to"], ("circulating", i, "attributed_to"), speakers)
        f.lang(c["lang"], ("circulating", i, "lang"))
        out.append(Circulating(c["id"], c["text"], c["lang"], c["attributed_to"], c["note"],
                               c["seen_at"]))  # fmt: skip
    return out


# --- the corpus -----------------------------------------------------------------------------


def _check(directory: Path) -> tuple[list[Problem], Corpus]:
    """Every problem of the corpus in `directory`, and the corpus as far as it could be read."""
    problems: list[Problem] = []
    if not directory.is_dir():
        problems.append(Problem(str(directory), 1, "corpus folder not found"))
        return problems, Corpus((), (), (), "")
    paths = sorted((p for p in directory.glob("*.toml") if p.is_file()), key=lambda p: p.name)
    files = [_File(path, problems) for path in paths]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.path.name}\0{len(f.raw)}\0".encode() + f.raw)
    by_name = {f.path.name: f for f in files}
    seen = _Seen({}, {}, {})
    speakers: list[Speaker] = []
    known: set[str] | None = None  # None: speakers.toml unreadable, so no speaker is checked
    if (sf := by_name.pop(SPEAKERS, None)) is None:
        problems.append(Problem(str(directory / SPEAKERS), 1, f"missing file {SPEAKERS}"))
    elif sf.data is not None:
        speakers = _speakers(sf, sf.data)
        known = {s.name for s in speakers}
    circulating: list[Circulating] = []
    if (cf := by_name.pop(CIRCULATING, None)) is not None and cf.data is not None:
        circulating = _circulating(cf, cf.data, seen, known)
    if not by_name:
        problems.append(Problem(str(directory), 1, "no event files (*.toml)"))
    events = [_event(f, f.data, seen, known) for f in by_name.values() if f.data is not None]
    problems.sort(key=lambda p: (p.file, p.line))  # stable: same line keeps the found order
    corpus = Corpus(tuple(events), tuple(circulating), tuple(speakers), digest.hexdigest())
    return problems, corpus


def validate_corpus(directory: Path) -> list[Problem]:
    """Every problem in the corpus folder, in file order; empty when it loads."""
    return _check(directory)[0]


def load_corpus(directory: Path) -> Corpus:
    """The corpus in `directory`. Raises CorpusError listing every problem if there is any."""
    problems, corpus = _check(directory)
    if problems:
        raise CorpusError(problems)
    return corpus
