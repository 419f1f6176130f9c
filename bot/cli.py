"""`factbot`: the command line. Builds every client once here and passes it in.

    factbot check "TEXT"              a readable verdict
    factbot check --jsonl PATH|-      the JSON contract of docs/SPEC.md, one result per input line
    factbot check --image FILE [TEXT] the quote in an image (alt text, else OCR), TEXT as context
    factbot corpus validate [--stats] every corpus problem and warning as file:line: message
    factbot run [--dry-run]           live with credentials (until SIGTERM); else the sample feed
    factbot tune --labels FILE...     sweep the thresholds; PR tables (all, per language), plot
    factbot status [--json]           the last hour's figures from the store (read-only)
    factbot corrections [--apply]     published outputs whose stated facts the corpus changed
    factbot pages export DIR          the check pages as static files (--claimreview FILE.jsonl)
    factbot browse                    Datasette over the store, read-only
    factbot labeler setup             publish the labeler's label definitions (idempotent)

Exit codes: 0 done, 1 unexpected failure, 2 bad config, corpus or input file.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from bot import logs
from bot.config import Config, ConfigError, bundled
from bot.config_load import load_config
from bot.corpus import CorpusError, corpus_stats, inspect_corpus, load_corpus
from bot.domain import CheckResult, Post
from bot.feed import BATCH, check_lines, open_feed
from bot.inputs import InputError, clean_text, not_utf8, parse_time, valid_lang
from bot.pipeline import build_checker
from bot.runtime.pages_cli import add_commands as add_page_commands
from bot.runtime.pages_cli import export_replayed
from bot.store import Store

log = logging.getLogger("factbot")

DEFAULT_FEED = bundled("samples/feed.jsonl")


def describe(result: CheckResult) -> str:
    """A readable verdict for a person at a terminal."""
    lines = [f"verdict: {result.verdict} (score {result.score:.2f})"]
    if result.post.image is not None:
        image = result.post.image
        lines.append(f"from the image ({image.source}, {image.layout}): \u201c{image.quote}\u201d")
        if image.attribution:
            lines.append(f"  attributed to: {image.attribution}")
    m = result.match
    if m is not None:
        lines += [
            f"verified: \u201c{m.quote}\u201d",
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
                parts.append(f"verified \u201c{d.verified}\u201d")
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


def cmd_corpus(args: argparse.Namespace, config: Config) -> int:
    """Every problem (refused: exit 2) and warning (allowed: exit 0) as file:line: message;
    with --stats, the table of how the verified sentences are sourced."""
    directory = Path(args.corpus) if args.corpus else config.corpus.path
    inspection = inspect_corpus(directory)
    for p in sorted((*inspection.problems, *inspection.warnings), key=lambda p: (p.file, p.line)):
        print(p)
    if inspection.problems:
        print(f"{len(inspection.problems)} problem(s) in {directory}", file=sys.stderr)
        return 2
    if inspection.warnings:
        print(f"{len(inspection.warnings)} warning(s), none refused", file=sys.stderr)
    if args.stats:
        print(corpus_stats(inspection.corpus).table())
    print(f"corpus OK: {directory}")
    return 0


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """Live with credentials in the environment (until SIGTERM); without them, or with
    --feed, the embedded default: replay a feed and print each reply (a dry run)."""
    from telegram.error import InvalidToken

    from bot.bluesky.client import LoginError, SessionInUse
    from bot.runtime.credentials import Credentials, preflight  # the live bot's imports
    from bot.runtime.service import Runtime
    from bot.telegram.app import TelegramStartError

    creds = Credentials.from_env(os.environ)
    if creds.any and not args.feed:
        preflight(config, creds)
        # Until the runtime takes SIGTERM over, nothing has started: stopping is just exiting.
        signal.signal(signal.SIGTERM, _exit_before_start)
        # Printed, not logged: passed through the log filter's redaction all the same.
        redact = logs.Redact([*logs.secrets_from(os.environ), *creds.secrets]).redact
        try:
            return asyncio.run(Runtime(config, creds, dry_run=args.dry_run).run())
        except (LoginError, SessionInUse, TelegramStartError) as exc:
            print(f"factbot run: {redact(str(exc))}", file=sys.stderr)
            return 1
        except InvalidToken:  # PTB's message carries the token: never printed
            print("factbot run: Telegram refused the token", file=sys.stderr)
            return 1
    # The embedded default: the whole bot, in a dry run, on a replay source.
    feed = Path(args.feed) if args.feed else DEFAULT_FEED
    if not feed.is_file():
        print(f"factbot run: no feed at {feed}", file=sys.stderr)
        return 2
    code = asyncio.run(Runtime(config, Credentials(), replay=feed).run())
    if code == 0:
        for path in export_replayed(config):  # the published checks' pages, as files
            print(f"page: {path}")
        print(f"checked {feed}; audit trail in {config.store.path}")
    return code


def _exit_before_start(signum: int, frame: object) -> None:
    raise SystemExit(0)


def cmd_tune(args: argparse.Namespace, config: Config) -> int:
    """Run the labelled posts once, sweep the thresholds, print the table (globally and per
    language), write the plot."""
    from bot import tune
    from bot.evaluate import load_labelled

    items = []
    for name in args.labels:
        labels = Path(name)
        try:
            items += load_labelled(labels)
        except (OSError, ValueError, KeyError) as exc:
            print(f"factbot tune: cannot read {labels}: {exc}", file=sys.stderr)
            return 2
    checker = build_checker(config)

    def progress(starts: Iterable[int]) -> Iterable[int]:
        bar: Iterable[int] = tqdm(
            starts, desc="checking", unit=" batches", file=sys.stderr, disable=None
        )
        return bar

    samples = tune.run_labelled(checker, items, BATCH, progress)
    reviews = tune.review_samples(config.store.path)
    points = tune.sweep(samples + reviews)
    target = args.target_precision or config.tune.target_precision
    suggestion = tune.suggest(points, target)
    plot = Path(args.plot) if args.plot else config.tune.plot
    tune.plot(points, config.match, suggestion, plot)
    print(
        f"{len(samples)} labelled posts from {', '.join(args.labels)}, {len(reviews)} operator "
        f"review decisions from {config.store.path}"
    )
    print("== all languages")
    print(tune.table(points, config.match))
    print(f"current: match = {config.match.match}, review = {config.match.review}")
    if suggestion.match is None:
        print(f"no threshold reaches precision {target} on these posts")
    else:
        print(
            f"suggested for precision >= {target}: match = {suggestion.match}, "
            f"review = {suggestion.review}   (set them under [match] in config.toml)"
        )
    low, high = config.tune.min_language_matches, config.tune.min_language_negatives
    per_language = tune.by_language(samples, config.match, target, low, high)
    print(tune.report(per_language, low, high))
    print(f"plot written to {plot}")
    return 0


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """The store's recent figures, read through a read-only connection (the bot may be
    writing: WAL lets both go on)."""
    from bot import status

    path = config.store.path
    if not path.is_file():
        print(f"factbot status: no store at {path} (nothing has run yet?)", file=sys.stderr)
        return 2
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            figures = status.read_status(conn, datetime.now(UTC), args.since_minutes)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        print(f"factbot status: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(status.to_json(figures)))
    else:
        print(status.describe(figures))
    return 0


def cmd_corrections(args: argparse.Namespace, config: Config) -> int:
    """Published outputs whose stated facts the corpus no longer supports; with --apply,
    correct each once (exit 1 when a correction failed or credentials are missing)."""
    from bot.bluesky.client import LoginError, SessionInUse
    from bot.corrections import describe
    from bot.runtime.corrections import MissingCredentials, from_the_command_line

    if not config.store.path.is_file():
        print(f"factbot corrections: no store at {config.store.path}", file=sys.stderr)
        return 2
    corpus = load_corpus(config.corpus.path)
    try:
        found, applied = asyncio.run(from_the_command_line(config, corpus, args.apply, os.environ))
    except (MissingCredentials, LoginError, SessionInUse) as exc:
        print(f"factbot corrections: {exc}", file=sys.stderr)
        return 1
    failed = list(applied.failed) if applied else []
    if args.json:
        out = {
            "corpus_version": corpus.version,
            "applied": args.apply,
            "corrections": [f.to_json() | {"failed": f in failed} for f in found],
        }
        print(json.dumps(out, ensure_ascii=False))
    else:
        for line in describe(found):
            print(line)
        if applied is not None:
            print(applied.summary())
        elif found:
            print(f"{len(found)} output(s) to correct; --apply corrects them")
        else:
            print("nothing to correct")
    return 1 if failed else 0


def cmd_labeler(args: argparse.Namespace, config: Config) -> int:
    """`factbot labeler setup`: the labeler's `app.bsky.labeler.service` record, from the
    credentials in LABELER_HANDLE / LABELER_APP_PASSWORD (exit 1 without them)."""
    from bot.bluesky.client import LoginError, SessionInUse
    from bot.runtime.labeling import (
        MissingLabelerCredentials,
        describe_setup,
        setup_from_the_command_line,
    )

    try:
        outcome = asyncio.run(setup_from_the_command_line(config, os.environ))
    except (MissingLabelerCredentials, LoginError, SessionInUse) as exc:
        print(f"factbot labeler setup: {exc}", file=sys.stderr)
        return 1
    print(describe_setup(outcome))
    return 0


def _minutes(value: str) -> int:
    minutes = int(value)
    if minutes < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of minutes >= 1, not {value}")
    return minutes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factbot", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="config TOML (default: ./config.toml if present)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)
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
    corpus = sub.add_parser("corpus", help="work with the verified corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    validate = corpus_sub.add_parser("validate", help="report every problem as file:line: msg")
    validate.add_argument("--corpus", help="the corpus folder (default: from config)")
    validate.add_argument(
        "--stats", action="store_true", help="print sentences by basis, disputed, single-source"
    )
    validate.set_defaults(func=cmd_corpus)
    run = sub.add_parser("run", help="run the main job")
    run.add_argument(
        "--feed", help="replay this JSONL feed (the default with no credentials: the sample)"
    )
    run.add_argument(
        "--dry-run", action="store_true", help="live: read the platforms, print what would be sent"
    )
    run.set_defaults(func=cmd_run)
    tune_ = sub.add_parser("tune", help="sweep the match/review thresholds on labelled posts")
    tune_.add_argument(
        "--labels",
        required=True,
        action="append",
        help="JSONL posts with expected verdicts (repeat to join files)",
    )
    tune_.add_argument("--plot", help="the PNG to write (default: [tune] plot)")
    tune_.add_argument("--target-precision", type=float, help="default: [tune] target_precision")
    tune_.set_defaults(func=cmd_tune)
    status_ = sub.add_parser("status", help="the last hour's figures from the store (read-only)")
    status_.add_argument(
        "--since-minutes", type=_minutes, default=60, metavar="N", help="the window (default 60)"
    )
    status_.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    status_.set_defaults(func=cmd_status)
    corrections = sub.add_parser(
        "corrections", help="published outputs whose stated facts the corpus changed"
    )
    corrections.add_argument(
        "--apply", action="store_true", help="correct each once (credentials from the env)"
    )
    corrections.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    corrections.set_defaults(func=cmd_corrections)
    add_page_commands(sub)
    labeler = sub.add_parser("labeler", help="factbot's Bluesky labeler (through Ozone)")
    labeler_sub = labeler.add_subparsers(dest="labeler_command", required=True)
    setup = labeler_sub.add_parser(
        "setup", help="publish the label definitions as the labeler's service record"
    )
    setup.set_defaults(func=cmd_labeler)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        path = Path(args.config) if args.config else None
        if path is None and Path("config.toml").exists():
            path = Path("config.toml")
        config = load_config(path)
        # After the config, whose [ops] log_format it needs; an error before this point is
        # printed to stderr below.
        logs.configure(config.ops.log_format, args.verbose)
        return int(args.func(args, config))
    except ConfigError as exc:
        print(f"factbot: config error: {exc}", file=sys.stderr)
        return 2
    except CorpusError as exc:
        print(f"factbot: the corpus has problems, nothing loaded:\n{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
