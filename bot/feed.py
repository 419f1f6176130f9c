"""A JSONL feed of posts (the `factbot check --jsonl` input, the replay source of `factbot run`):
one post per line, checked in batches through the one pipeline, answered in input order with
the JSON contract of docs/SPEC.md — or an error object `{"id", "error", "line"}` for a bad line (not
JSON, not UTF-8, nested too deep, a number too long, a bad field) or a post the pipeline could
not check, never a crash: the run goes on. Each line is cleaned at the boundary
(`bot.inputs`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from bot.domain import CheckFailure, CheckResult, Post
from bot.inputs import InputError, clean_text, not_utf8, parse_time, post_id, valid_lang
from bot.pipeline import Checks, check_each

BATCH = 32


class Recorder(Protocol):
    """Where checked posts are recorded (the audit trail, `bot.store.Store`)."""

    def record_checks(
        self, results: Sequence[CheckResult], corpus_version: str, model: str
    ) -> None: ...


__all__ = ["BATCH", "InputError", "check_lines", "open_feed", "parse_post"]


def open_feed(path: Path | str) -> TextIO:
    """A JSONL file for reading: a UTF-8 BOM is skipped, and bytes that are not UTF-8 are kept
    (as surrogates) so that their line is answered with an error instead of stopping the run."""
    return open(path, encoding="utf-8-sig", errors="surrogateescape")


def _load(line: str, number: int) -> Any:
    if not_utf8(line):
        raise InputError(f"line {number}: not valid UTF-8")
    try:
        return json.loads(line.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InputError(f"line {number}: not valid JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise InputError(f"line {number}: not valid JSON: nested too deeply") from exc
    except ValueError as exc:  # an integer of more than 4300 digits
        raise InputError(f"line {number}: not valid JSON: {exc}") from exc


def parse_post(line: str, number: int) -> Post:
    raw = _load(line, number)
    if not isinstance(raw, dict):
        raise InputError(f"line {number}: expected a JSON object")
    text = raw.get("text")
    if not isinstance(text, str) or not clean_text(text).strip():
        raise InputError(f'line {number}: "text" must be a non-empty string')
    lang = raw.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise InputError(f'line {number}: "lang" must be a string')
    try:
        pid = post_id(raw["id"]) if "id" in raw else f"line-{number}"
        created_at = parse_time(raw.get("created_at"))
    except InputError as exc:
        raise InputError(f"line {number}: {exc}") from exc
    url, author = raw.get("url"), raw.get("author")
    return Post(
        id=pid,
        text=clean_text(text),
        created_at=created_at,
        lang=valid_lang(lang),
        url=clean_text(url) if isinstance(url, str) else None,
        author=clean_text(author) if isinstance(author, str) else None,
    )


def _error_id(line: str) -> str | None:
    """The id of a bad line, when it has a usable one (for the caller to match the answer)."""
    try:
        raw = json.loads(line.removeprefix("\ufeff"))
        return post_id(raw.get("id")) if isinstance(raw, dict) else None
    except (ValueError, RecursionError, InputError):
        return None


def check_lines(
    checker: Checks, store: Recorder | None, lines: Iterable[str]
) -> Iterator[dict[str, Any]]:
    """One contract object per non-blank input line, in input order, checked in batches."""
    pending: list[tuple[int, Post | dict[str, Any]]] = []

    def flush() -> Iterator[dict[str, Any]]:
        posts = [p for _, p in pending if isinstance(p, Post)]
        results = iter(check_each(checker, posts)) if posts else iter(())
        done: list[CheckResult] = []
        out: list[dict[str, Any]] = []
        for number, item in pending:
            if not isinstance(item, Post):
                out.append(item)
                continue
            result = next(results)
            if isinstance(result, CheckFailure):
                error = f"line {number}: could not be checked: {result.error}"
                out.append({"id": item.id, "error": error, "line": number})
            else:
                done.append(result)
                out.append(result.to_json())
        if store is not None and done:  # recorded before any of them is yielded (printed)
            store.record_checks(done, checker.corpus.version, checker.model)
        pending.clear()
        yield from out

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pending.append((number, parse_post(line, number)))
        except InputError as exc:
            error_id = None if not_utf8(line) else _error_id(line)
            pending.append((number, {"id": error_id, "error": str(exc), "line": number}))
        if len(pending) >= BATCH:
            yield from flush()
    yield from flush()
