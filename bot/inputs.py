"""The boundary: whatever a post brings from outside (a JSONL line, the command line, a Bluesky
record, a Telegram message) is made safe here before the pipeline, the store or an output sees
it. Pure: no clock, no I/O.

- Text: lone surrogates (a JSON `\\ud800`, bytes that were not UTF-8) become U+FFFD and
  control characters other than tab and line breaks are removed, so every string can be
  written to SQLite and printed as UTF-8.
- `lang` is a hint only (the pipeline detects the language too): a value that is not a
  BCP-47-like tag ("en", "pt-BR", "zh_Hant") is ignored.
- `created_at` outside 1990-2100 is absurd for a post: refused in a JSONL line, ignored (None)
  on a record whose author's client wrote it.
- An `id` is a string or a whole number (never true/false), at most MAX_ID characters.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.domain import Post

MAX_ID = 256
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive: 2100 is the last year accepted
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # what `errors="surrogateescape"` makes of a bad byte
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,5}")


class InputError(Exception):
    """A bad post from outside: answered with an error (a JSONL error object, exit 2 on the
    command line), never a crash."""


def clean_text(text: str) -> str:
    """`text` with lone surrogates as U+FFFD and controls (but tab and line breaks) removed."""
    return _CONTROL.sub("", _SURROGATE.sub("\ufffd", text))


def not_utf8(text: str) -> bool:
    """True when `text` was decoded with surrogateescape from bytes that were not UTF-8."""
    return bool(_NOT_UTF8.search(text))


def valid_lang(value: object) -> str | None:
    """A BCP-47-like language tag, else None (a hint the pipeline may ignore)."""
    if isinstance(value, str) and _LANG.fullmatch(value.strip()):
        return value.strip()
    return None


def in_range(when: datetime) -> bool:
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return EARLIEST <= aware < LATEST


def post_id(value: Any) -> str:
    """The id of a post given as JSON: a string or a whole number, cleaned, 1 to MAX_ID long."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError('"id" must be a string or a whole number')
    text = clean_text(str(value)).strip()
    if not text:
        raise InputError('"id" must not be empty')
    if len(text) > MAX_ID:
        raise InputError(f'"id" is longer than {MAX_ID} characters')
    return text


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time (UTC when it has no zone) from 1990 to 2100; None for None."""
    if value is None:
        return None
    text = clean_text(str(value)).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f'"created_at" {text[:40]!r} is not an ISO 8601 date-time') from exc
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not in_range(parsed):
        raise InputError(f'"created_at" {text[:40]!r} is not between 1990 and 2100')
    return parsed


def clean_post(post: Post) -> Post:
    """`post` as the pipeline checks it: every string cleaned, the id cut to MAX_ID, an invalid
    language tag or an absurd date dropped. The same post when nothing needs cleaning."""
    created = post.created_at if post.created_at and in_range(post.created_at) else None
    cleaned = Post(
        id=clean_text(post.id)[:MAX_ID],
        text=clean_text(post.text),
        created_at=created,
        lang=valid_lang(post.lang),
        url=clean_text(post.url) if post.url is not None else None,
        author=clean_text(post.author) if post.author is not None else None,
        image=post.image,  # built from cleaned text (bot/images/reader.py)
    )
    return post if cleaned == post else cleaned
