"""A JSONL feed of posts (the `factbot check --jsonl` input, the replay source of `factbot run`):
one post per line, checked in batches through the one pipeline, answered in input order with
the JSON contract of SPEC.md — or an error object for a bad line, never a crash."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from bot.domain import CheckResult, Post
from bot.pipeline import Checks
from bot.store import Store

BATCH = 32


class InputError(Exception):
    """A bad line of JSONL input: answered with an error object, never a crash."""


def parse_post(line: str, number: int) -> Post:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {number}: not valid JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise InputError(f"line {number}: expected a JSON object")
    text, post_id = raw.get("text"), raw.get("id", f"line-{number}")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f'line {number}: "text" must be a non-empty string')
    if not isinstance(post_id, str | int):
        raise InputError(f'line {number}: "id" must be a string')
    lang = raw.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise InputError(f'line {number}: "lang" must be a string')
    return Post(
        id=str(post_id),
        text=text,
        created_at=parse_time(raw.get("created_at"), number),
        lang=lang,
        url=raw.get("url") if isinstance(raw.get("url"), str) else None,
        author=raw.get("author") if isinstance(raw.get("author"), str) else None,
    )


def parse_time(value: Any, number: int) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(
            f'line {number}: "created_at" {value!r} is not an ISO 8601 date-time'
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _error_id(line: str) -> str | None:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError:
        return None
    value = raw.get("id") if isinstance(raw, dict) else None
    return str(value) if isinstance(value, str | int) else None


def check_lines(
    checker: Checks, store: Store | None, lines: Iterable[str]
) -> Iterator[dict[str, Any]]:
    """One contract object per non-blank input line, in input order, checked in batches."""
    pending: list[tuple[int, Post | dict[str, Any]]] = []

    def flush() -> Iterator[dict[str, Any]]:
        posts = [p for _, p in pending if isinstance(p, Post)]
        done: list[CheckResult] = checker.check_many(posts) if posts else []
        if store is not None and done:  # recorded before any of them is yielded (printed)
            store.record_checks(done, checker.corpus.version, checker.model)
        results = iter(done)
        for _, item in pending:
            yield next(results).to_json() if isinstance(item, Post) else item
        pending.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pending.append((number, parse_post(line, number)))
        except InputError as exc:
            pending.append((number, {"id": _error_id(line), "error": str(exc), "line": number}))
        if len(pending) >= BATCH:
            yield from flush()
    yield from flush()
