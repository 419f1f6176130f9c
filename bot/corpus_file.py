"""One corpus file as the validator sees it: its bytes (bounded), its TOML data, where each key
is (bot/tomllines.py), and the checks every value gets: types, dates, https URLs, no control or
bidi characters, bounded sentences. Problems are `file:line: message`; warnings say the same
way what is allowed but weak."""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.tomllines import Key, LineIndex

# Bounds (reliability audit F13): a corpus is hand-written text, a few KB a file.
MAX_FILE_BYTES = 1_000_000
MAX_SENTENCE_CHARS = 1_000  # of one sentence (QUOTE_CAP in replies is 1000 graphemes)
MAX_SENTENCES_PER_FILE = 500  # [[sentences]] + [[unverified]] + [[circulating]] of one file

# Characters that reorder or hide text: bidi embeddings, overrides, isolates and marks.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_DEFAULT: dict[str, Any] = {
    "str": "", "text": "", "sentence": "", "url": "", "date": None, "tables": [], "table": None,
    "bool": False,
}  # fmt: skip
_URL = re.compile(r"https://[^\s/?#]+\S*")
_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_TYPES = {"str": "a string", "int": "an integer", "float": "a float", "bool": "a boolean",
          "datetime": "a date-time", "date": "a date", "time": "a time", "list": "an array",
          "dict": "a table"}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    warning: bool = False  # allowed but weak: reported, never refused

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {kind}{self.message}"


class CorpusError(Exception):
    """The corpus has problems; nothing was loaded. `problems` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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


def _not_utf8(name: str, raw: bytes, exc: UnicodeDecodeError) -> Problem:
    """The bad byte at its own line and column (counted in bytes from the line's start)."""
    line = raw.count(b"\n", 0, exc.start) + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    byte = raw[exc.start : exc.start + 1].hex()
    return Problem(name, line, f"not UTF-8: byte 0x{byte} at column {column}")


def hidden_character(text: str, newlines: bool) -> str | None:
    """The first control or bidi character of `text` as "U+XXXX", or None. `newlines` allows
    line breaks and tabs (multi-line notes)."""
    for c in text:
        if newlines and c in "\n\r\t":
            continue
        if c in BIDI or unicodedata.category(c) in ("Cc", "Cs"):
            return f"U+{ord(c):04X}"
    return None


class CorpusFile:
    """One corpus file: its bytes, its data (None when it cannot be read) and where keys are."""

    def __init__(self, path: Path, problems: list[Problem], warnings: list[Problem]) -> None:
        self.path, self.name = path, str(path)
        self.problems, self.warnings = problems, warnings
        self.index = LineIndex("")
        self.data: dict[str, Any] | None = None
        self.raw = b""
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            self.report((), f"file is {size} bytes: the limit is {MAX_FILE_BYTES}")
            return
        self.raw = path.read_bytes()
        try:
            text = self.raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(_not_utf8(self.name, self.raw, exc))
            return
        self.index = LineIndex(text)
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            problems.append(_syntax_problem(self.name, text, exc))

    def report(self, key: Key, message: str) -> None:
        self.problems.append(Problem(self.name, self.index.line(key), message))

    def warn(self, key: Key, message: str) -> None:
        self.warnings.append(Problem(self.name, self.index.line(key), message, warning=True))

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
        elif kind == "bool":
            if isinstance(v, bool):
                return v
            self.report(key, f"wrong type: '{name}' must be true or false, not {got}")
        elif kind in ("tables", "table"):
            if kind == "table" and isinstance(v, dict):
                return v
            if kind == "tables" and isinstance(v, list) and all(isinstance(t, dict) for t in v):
                return v
            shape = f"[{name}]" if kind == "table" else f"[[{name}]]"
            what = "a table" if kind == "table" else "an array of tables"
            self.report(key, f"wrong type: '{name}' must be {what} ({shape})")
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
        exact = kind in ("url", "urls", "sentence")  # shown or linked as written: no controls
        hidden = hidden_character(s, newlines=not exact)
        if hidden:
            self.report(key, f"control or bidi character {hidden} in {key[-1]}: remove it")
        elif kind != "str" and not s.strip():
            self.report(key, f"empty {key[-1]}")
        elif kind in ("url", "urls") and s.startswith("http://"):
            self.report(key, f"bad URL '{s}': plain http:// is refused, use https://")
        elif kind in ("url", "urls") and not _URL.fullmatch(s):
            self.report(key, f"bad URL '{s}': it must start with https://")
        elif kind == "sentence" and len(s) > MAX_SENTENCE_CHARS:
            self.report(key, f"{key[-1]} is {len(s)} characters: the limit is {MAX_SENTENCE_CHARS}")

    def lang(self, value: str, key: Key) -> None:
        if value and not _LANG.fullmatch(value):
            self.report(key, f"bad lang '{value}': use a language code like 'en' or 'fr'")

    def count(self, key: Key, n: int) -> None:
        if n > MAX_SENTENCES_PER_FILE:
            self.report(key, f"{n} entries in this file: the limit is {MAX_SENTENCES_PER_FILE}")
