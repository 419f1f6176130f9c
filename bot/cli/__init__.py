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

The parser and `main` are here; each command (or family) is a module that adds its own
sub-parser and runs it: `check`, `corpus`, `run`, `tune`, `ops` (status, corrections, labeler
setup), `pages` (pages export, browse). Their public names are re-exported here, as before the
split (`from bot.cli import cmd_tune`). `python -m bot.cli` runs `main` (`__main__`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import logs
from bot.cli import check, corpus, ops, pages, run, tune
from bot.cli.check import cmd_check, describe
from bot.cli.corpus import cmd_corpus
from bot.cli.ops import cmd_corrections, cmd_labeler, cmd_status
from bot.cli.run import DEFAULT_FEED, cmd_run
from bot.cli.tune import cmd_tune
from bot.config import ConfigError
from bot.config_load import load_config
from bot.corpus import CorpusError

__all__ = [
    "DEFAULT_FEED",
    "build_parser",
    "cmd_check",
    "cmd_corpus",
    "cmd_corrections",
    "cmd_labeler",
    "cmd_run",
    "cmd_status",
    "cmd_tune",
    "describe",
    "main",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factbot", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="config TOML (default: ./config.toml if present)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)
    # In the order `factbot --help` has always listed them.
    check.add_commands(sub)
    corpus.add_commands(sub)
    run.add_commands(sub)
    tune.add_commands(sub)
    ops.add_commands(sub)  # status, corrections
    pages.add_commands(sub)  # pages, browse
    ops.add_labeler(sub)
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
