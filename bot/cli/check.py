"""`factbot check`: one text (a readable verdict, or the JSON contract with --json), a JSONL
file or stdin of posts (`--jsonl`, one result per line), an image's quote (`--image`). Each result
is recorded in the audit trail before it is printed (`--no-store`: not recorded)."""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import sys
from datetime import UTC, datetime
from typing import TextIO

from tqdm import tqdm

from bot.config import Config
from bot.domain import CheckResult, Post
from bot.feed import check_lines, open_feed
from bot.inputs import InputError, clean_text, not_utf8, parse_time, valid_lang
from bot.pipeline import build_checker
from bot.store import Store


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser("check", help="check a text, or a JSONL file of posts")
    check.add_argument("text", nargs="?", help="the post's text")
    check.add_argument("--jsonl", metavar="PATH", help="posts as JSONL; - reads stdin")
    check.add_argument("--created-at", help="when the post was written (ISO 8601; default now)")
    check.add_argument("--lang", help="the post's language, if known")
    check.add_argument("--no-store", action="store_true", help="do not write the audit trail")
    check.add_argument("--image", metavar="FILE", help="an image whose quote is checked")
    check.add_argument("--alt", default="", help="the image's alt text, if it has one")
    check.add_argument("--json", action="store_true", help="print the JSON contract")
    check.set_defaults(func=cmd_check)


def describe(result: CheckResult) -> str:
    """A readable verdict for a person at a terminal. The corpus's wording is "on record", with
    its basis: a reporter's transcription is not shown as the speaker's verified words."""
    lines = [f"verdict: {result.verdict} (score {result.score:.2f})"]
    if result.post.image is not None:
        image = result.post.image
        lines.append(f"from the image ({image.source}, {image.layout}): \u201c{image.quote}\u201d")
        if image.attribution:
            lines.append(f"  attributed to: {image.attribution}")
    m = result.match
    if m is not None:
        lines += [
            f"on record ({m.basis}): \u201c{m.quote}\u201d",
            f"  {m.speaker} ({m.speaker_role}), {m.event}, {m.venue}, {m.city}, "
            f"{m.date.isoformat()}",
            f"  source: {m.source_url} ({m.source_kind})",
            f"  basis: {m.basis}"
            + (f" (translated from {m.translated_from})" if m.translated_from else "")
            + "; resting on "
            + (", ".join(f"{s.publisher} ({s.kind})" for s in m.sources) or m.source_kind),
        ]
        if m.is_passage and m.passage is not None:
            ids = m.passage.sentence_ids
            lines.append(f"  passage: {len(ids)} consecutive sentences, {', '.join(ids)}")
        if m.disputed:
            lines.append(f"  DISPUTED: {m.dispute_note}")
    if result.discrepancies:
        lines.append("what the post changed:")
        for d in result.discrepancies:
            parts = [f"  - {d.field}:"]
            if d.claimed is not None:
                parts.append(f"post says \u201c{d.claimed}\u201d")
            if d.verified is not None:
                parts.append(f"on record \u201c{d.verified}\u201d")
            lines.append(" ".join(parts))
    n = len(result.reply.bluesky)
    lines.append(f"reply on Bluesky ({n} post{'s' if n != 1 else ''}):")
    lines += [f"  [{i}] {p.text}" for i, p in enumerate(result.reply.bluesky, start=1)]
    return "\n".join(lines)


def _open_input(path: str) -> TextIO:
    """The JSONL input: a file, or stdin for "-", read like `bot.feed.open_feed` (a BOM skipped,
    a line that is not UTF-8 answered with an error)."""
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape")
    return open_feed(path)


def _text_post(args: argparse.Namespace) -> Post:
    """The post of `factbot check TEXT`, refused like a bad JSONL line (InputError)."""
    text: str = args.text if args.text is not None else ""
    if not_utf8(text):
        raise InputError("TEXT is not valid UTF-8")
    if not clean_text(text).strip() and args.image is None:
        raise InputError("TEXT is empty")
    created = parse_time(args.created_at) if args.created_at else datetime.now(UTC)
    return Post(id="cli", text=clean_text(text), created_at=created, lang=valid_lang(args.lang))


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    """A result is printed only once it is recorded: a store that refuses the write stops the
    run with one line (exit 1), and nothing unrecorded was printed."""
    if args.jsonl is None and args.text is None and args.image is None:
        print(
            "factbot check: give TEXT, --image FILE or --jsonl PATH (- for stdin)", file=sys.stderr
        )
        return 2
    try:
        post = None if args.jsonl is not None else _text_post(args)
        if post is not None and args.image is not None:
            from bot.images.files import post_with_image  # Pillow, imagehash: only for --image

            post = post_with_image(post, args.image, args.alt, config, not args.no_store)
    except InputError as exc:
        print(f"factbot check: {exc}", file=sys.stderr)
        return 2
    try:
        return _check(args, config, post)
    except sqlite3.Error as exc:
        print(
            f"factbot check: the audit trail {config.store.path} refused the write "
            f"({type(exc).__name__}: {exc}); results after the last one printed were not "
            "recorded nor printed. Fix the store, or check without recording: --no-store",
            file=sys.stderr,
        )
        return 1


def _check(args: argparse.Namespace, config: Config, post: Post | None) -> int:
    checker = build_checker(config)
    store = None if args.no_store else Store(config.store.path)
    if post is None:
        try:
            source = _open_input(args.jsonl)
        except OSError as exc:
            print(f"factbot check: cannot read {args.jsonl}: {exc.strerror}", file=sys.stderr)
            return 2
        with source:
            bar = tqdm(source, desc="checking", unit=" posts", file=sys.stderr, disable=None)
            for obj in check_lines(checker, store, bar):
                print(json.dumps(obj, ensure_ascii=False), flush=True)
        return 0
    result = checker.check(post)
    if store is not None:
        store.record_checks([result], checker.corpus.version, checker.model)
    print(json.dumps(result.to_json(), ensure_ascii=False) if args.json else describe(result))
    return 0
