"""Where things are in a TOML file: tomllib gives values but no line numbers, so this scans a
file's text for its table headers and `key =` lines, so that a problem can be reported as
`file:line: message`."""

from __future__ import annotations

import re

Key = tuple[str | int, ...]  # ("sources", 1, "url"): a value's place in a file

_PART = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_DOTTED = rf"(?:{_PART})(?:\s*\.\s*(?:{_PART}))*"
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_DOTTED})\s*\]")
_KEY = re.compile(rf"\s*({_DOTTED})\s*=")


def _parts(dotted: str) -> Key:
    return tuple(p.strip("\"'") for p in re.findall(_PART, dotted))


def _scan(s: str, depth: int, ml: str) -> tuple[int, str]:
    """The bracket depth and the open multi-line string delimiter after `s`."""
    i = 0
    while i < len(s):
        if ml:
            j = s.find(ml, i)
            if j < 0:
                break
            i, ml = j + 3, ""
            continue
        c = s[i]
        if c == "#":
            break
        if s.startswith(('"""', "'''"), i):
            ml, i = s[i : i + 3], i + 3
            continue
        if c in "\"'":
            i += 1
            while i < len(s) and s[i] != c:
                i += 2 if c == '"' and s[i] == "\\" else 1
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    return depth, ml


class LineIndex:
    """The line of each `key =` and table header; `line` falls back to the enclosing table's
    header, then to line 1."""

    def __init__(self, text: str) -> None:
        self._at: dict[Key, int] = {}
        counts: dict[Key, int] = {}  # array-of-tables path -> how many seen so far
        table: Key = ()
        depth, ml = 0, ""
        for n, line in enumerate(text.splitlines(), start=1):
            rest = line
            if not ml and depth == 0:
                if header := _HEADER.match(line):
                    table = self._header(_parts(header[2]), header[1] == "[[", counts, n)
                    continue
                if key := _KEY.match(line):
                    self._at.setdefault(table + _parts(key[1]), n)
                    rest = line[key.end() :]
            depth, ml = _scan(rest, depth, ml)

    def _header(self, parts: Key, array: bool, counts: dict[Key, int], n: int) -> Key:
        path: Key = ()
        for part in parts[:-1]:
            path += (part,)
            self._at.setdefault(path, n)  # a table created implicitly by this header
            if path in counts:  # a parent array of tables: its latest element
                path += (counts[path] - 1,)
        path += parts[-1:]
        if array:
            self._at.setdefault(path, n)
            counts[path] = counts.get(path, 0) + 1
            path += (counts[path] - 1,)
        self._at.setdefault(path, n)
        return path

    def line(self, key: Key) -> int:
        while key:
            if key in self._at:
                return self._at[key]
            key = key[:-1]
        return 1
