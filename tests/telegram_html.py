"""Telegram's HTML parse mode as the Bot API emulator applies it: the text and entities of a
message, or a 400 "can't parse entities" for an unknown tag, a bad nesting, a stray `<`, `>` or
`&`, or an `<a>` without href. Stricter than Telegram where Telegram is lenient."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(lt|gt|amp|quot));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_KIND = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def u16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """The text and entities Telegram makes of `markup` (parse_mode HTML), or ApiError 400."""

    def fail(what: str, at: int) -> ApiError:
        offset = len(markup[:at].encode())
        return ApiError(400, f"Bad Request: can't parse entities: {what} at byte offset {offset}")

    text: list[str] = []
    length = 0
    stack: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(markup):
        ch = markup[i]
        if ch == "<":
            m = _TAG.match(markup, i)
            if m is None:
                raise fail("Unclosed start tag", i)
            closing, name, attrs = m[1] == "/", m[2].lower(), m[3]
            if closing:
                if not stack or stack[-1][0] != name:
                    raise fail(f'Unmatched end tag "{name}"', i)
                _, start, entity = stack.pop()
                if length > start:
                    entities.append({**entity, "offset": start, "length": length - start})
            else:
                if name not in _KIND:
                    raise fail(f'Unsupported start tag "{name}"', i)
                entity: dict[str, Any] = {"type": _KIND[name]}
                found = {a[1].lower(): a[2] or a[3] or a[4] or "" for a in _ATTR.finditer(attrs)}
                if name == "a":
                    href = found.get("href", "")
                    if not href:
                        raise fail('Tag "a" must have attribute "href"', i)
                    entity["url"] = _unescape(href, fail, i)
                stack.append((name, length, entity))
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(markup, i)
            if m is None:
                raise fail("Unsupported HTML entity or unescaped &", i)
            piece = _entity(m)
            text.append(piece)
            length += u16(piece)
            i = m.end()
        elif ch == ">":
            raise fail("Unescaped >", i)
        else:
            text.append(ch)
            length += u16(ch)
            i += 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"', len(markup))
    return "".join(text), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _entity(m: re.Match[str]) -> str:
    if m[1]:
        return chr(int(m[1]))
    if m[2]:
        return chr(int(m[2], 16))
    return _NAMED[m[3]]


def _unescape(value: str, fail: Callable[[str, int], ApiError], at: int) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "&":
            m = _ENTITY.match(value, i)
            if m is None:
                raise fail("Unsupported HTML entity in attribute", at)
            out.append(_entity(m))
            i = m.end()
        else:
            out.append(value[i])
            i += 1
    return "".join(out)
