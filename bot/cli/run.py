"""`factbot run`: live with the credentials in the environment (until SIGTERM), or with none
(or --feed) the whole bot in a dry run on a replayed feed, the sample by default. The live bot's
modules (the SDKs, the scheduler) are imported only when the command runs."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

from bot import logs
from bot.cli.pages import export_replayed
from bot.config import Config, bundled

DEFAULT_FEED = bundled("samples/feed.jsonl")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run the main job")
    run.add_argument(
        "--feed", help="replay this JSONL feed (the default with no credentials: the sample)"
    )
    run.add_argument(
        "--dry-run", action="store_true", help="live: read the platforms, print what would be sent"
    )
    run.set_defaults(func=cmd_run)


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
