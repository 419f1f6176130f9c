"""`factbot pages export` and `factbot browse`: the check pages as static files, and Datasette
over the store for operators. Registered on the main parser by `bot.cli`; `export_replayed`
writes the pages after `factbot run` replays a feed."""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.corpus import load_corpus
from bot.pages.site import Site, export, export_claimreview
from bot.store import published_checks

# What `factbot browse` tells Datasette about the tables operators read most.
METADATA: dict[str, Any] = {
    "title": "factbot audit trail",
    "description": "The bot's SQLite store, read-only. Every check, every reply sent, every "
    "review an operator decided.",
    "databases": {
        "factbot": {
            "tables": {
                "checks": {
                    "description": "One row per check the models made: the post, the verdict "
                    "and score, the corpus version and model, the discrepancies and the reply "
                    "(JSON), the whole match (JSON, what a check page is built from).",
                    "columns": {
                        "post_text": "The post as checked (hostile text: shown escaped)",
                        "verdict": "match | review | no_match",
                        "admitted": "1: the models scored it; 0: the gate turned it away",
                        "corpus_version": "Hash of the corpus files the check ran on",
                        "discrepancies": "JSON list: field, claimed, verified",
                        "reply": "JSON: the Bluesky posts and the Telegram card",
                        "match": "JSON: the verified quote, event, sources, basis",
                    },
                },
                "bluesky_outbox": {
                    "description": "The replies: each Bluesky post of a reply, written as "
                    "pending (with the exact record) before it is sent and marked sent after.",
                    "columns": {
                        "target": "The at:// URI of the post answered",
                        "record": "JSON: exactly what is written (text, facets, reply refs)",
                        "status": "pending | sent",
                    },
                },
                "bluesky_mentions": {
                    "description": "Mentions of the bot and what became of each (replied, "
                    "review, skipped with a reason)."
                },
                "telegram_published": {
                    "description": "The replies on Telegram: one channel card per post."
                },
                "telegram_reviews": {
                    "description": "The reviews: borderline checks sent to the operators' chat "
                    "(the card they would publish, the operators' message) and the decision.",
                    "columns": {"decision": "NULL until an operator decides"},
                },
                "telegram_decisions": {
                    "description": "Each operator's decision on a review: who, when, approve "
                    "or reject."
                },
                "corrections": {
                    "description": "One row per changed fact of each corrected output."
                },
            }
        }
    },
}


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pages = sub.add_parser("pages", help="the public check pages")
    pages_sub = pages.add_subparsers(dest="pages_command", required=True)
    export_ = pages_sub.add_parser("export", help="write the pages as static files")
    export_.add_argument("dir", nargs="?", help="the folder to write (the site's root)")
    export_.add_argument("--claimreview", metavar="FILE", help="also: ClaimReview JSON lines")
    export_.set_defaults(func=cmd_export)
    browse = sub.add_parser("browse", help="Datasette over the store, read-only")
    browse.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback)")
    browse.add_argument("--port", type=int, default=8001, help="default 8001")
    browse.add_argument(
        "--live",
        action="store_true",
        help="follow a running bot's writes (read-only connections) instead of immutable mode",
    )
    browse.set_defaults(func=cmd_browse)


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    if args.dir is None and args.claimreview is None:
        print("factbot pages export: give DIR and/or --claimreview FILE", file=sys.stderr)
        return 2
    site = Site(published_checks(config.store.path), load_corpus(config.corpus.path), config.pages)
    if args.dir is not None:
        root = Path(args.dir)
        for path in export(site, root):
            print(path)
    if args.claimreview is not None:
        n = export_claimreview(site, Path(args.claimreview))
        print(f"{args.claimreview}: {n} ClaimReview(s)")
    return 0


def export_replayed(config: Config) -> list[Path]:
    """After a replay (`factbot run` with no credentials): the site of the store's published
    checks written beside the store, in `<store folder>/pages/`; the check pages' paths."""
    checks = published_checks(config.store.path)
    site = Site(checks, load_corpus(config.corpus.path), config.pages)
    written = export(site, config.store.path.parent / "pages")
    return [p for p in written if p.name not in ("index.html", "feed.atom")]


def browse_command(config: Config, host: str, port: int, live: bool, metadata: Path) -> list[str]:
    """The Datasette command line: the store immutable (`-i`: opened without locks, never
    written), or with --live through Datasette's read-only (`mode=ro`) connections."""
    db = str(config.store.path.resolve())
    mode = [db] if live else ["-i", db]
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        *mode,
        "--metadata",
        str(metadata),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "default_allow_sql",
        "on",
    ]


def cmd_browse(args: argparse.Namespace, config: Config) -> int:
    if importlib.util.find_spec("datasette") is None:
        print(
            "factbot browse: Datasette is not installed: pip install 'factbot[browse]'",
            file=sys.stderr,
        )
        return 2
    if not config.store.path.is_file():
        print(f"factbot browse: no store at {config.store.path}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "metadata.json"
        tables = METADATA["databases"]["factbot"]
        body = {**METADATA, "databases": {config.store.path.stem: tables}}
        meta.write_text(json.dumps(body), encoding="utf-8")
        command = browse_command(config, args.host, args.port, args.live, meta)
        print(f"factbot browse: http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
        return _serve(command)


def _serve(command: list[str]) -> int:
    """Run Datasette until it exits; a SIGTERM to `factbot browse` stops it too (a bare
    `subprocess.call` left it serving, orphaned, after its parent was gone)."""
    with subprocess.Popen(command) as child:  # noqa: S603 - our own interpreter, fixed arguments

        def stop(signum: int, frame: object) -> None:
            child.terminate()

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            return child.wait()
        except KeyboardInterrupt:  # Ctrl-C reaches Datasette too (same process group)
            child.terminate()
            return child.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
