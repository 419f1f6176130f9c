"""The operators' commands over the store and the accounts: `factbot status` (the recent
figures, read-only), `factbot corrections` (published outputs whose stated facts the corpus
changed; --apply corrects them) and `factbot labeler setup` (the labeler's service record). The
SDKs they need are imported only when they run."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
from datetime import UTC, datetime

from bot.config import Config
from bot.corpus import load_corpus


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def add_labeler(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    labeler = sub.add_parser("labeler", help="factbot's Bluesky labeler (through Ozone)")
    labeler_sub = labeler.add_subparsers(dest="labeler_command", required=True)
    setup = labeler_sub.add_parser(
        "setup", help="publish the label definitions as the labeler's service record"
    )
    setup.set_defaults(func=cmd_labeler)


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
