"""`factbot corpus validate`: every problem and warning of the corpus as file:line: message,
and with --stats how its verified sentences are sourced."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Config
from bot.corpus import corpus_stats, inspect_corpus


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    corpus = sub.add_parser("corpus", help="work with the verified corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    validate = corpus_sub.add_parser("validate", help="report every problem as file:line: msg")
    validate.add_argument("--corpus", help="the corpus folder (default: from config)")
    validate.add_argument(
        "--stats", action="store_true", help="print sentences by basis, disputed, single-source"
    )
    validate.set_defaults(func=cmd_corpus)


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
