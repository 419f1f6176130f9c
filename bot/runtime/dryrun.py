"""Dry runs write what would be sent to an output stream (standard output from `factbot run`):
`--dry-run` with credentials (the platforms are read as usual), and the embedded default, a
replay of a JSONL feed (no credentials). This is the command's result, like `factbot check`'s,
not a log: logs go to stderr, possibly as JSON, and may be switched off."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from atproto import AsyncClient

from bot.bluesky.calls import Calls, Clock
from bot.bluesky.replies import Ref, ThreadSender
from bot.bluesky.store import BlueskyStore
from bot.domain import BlueskyPost, CheckResult
from bot.feed import check_lines, open_feed
from bot.pages.record import AT_ONCE, page_id, page_path
from bot.pipeline import Checks


def emit(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


class WritingSender(ThreadSender):
    """A dry run's replies: written to `out`, never posted."""

    def __init__(
        self,
        out: TextIO,
        client: AsyncClient,
        did: str,
        store: BlueskyStore,
        calls: Calls,
        clock: Clock,
    ) -> None:
        super().__init__(client, did, store, calls, clock)
        self.out = out

    async def send(
        self, target: str, root: Ref, parent: Ref, thread: Sequence[BlueskyPost], lang: str = "en"
    ) -> list[str]:
        for i, post in enumerate(thread, 1):
            emit(self.out, f"[dry run] reply {i}/{len(thread)} to {target}: {post.text}")
        return [f"{target}#dry-run-{i}" for i in range(1, len(thread) + 1)]

    async def reconcile(self) -> int:
        return 0


def write_handover(out: TextIO, result: CheckResult, where: str) -> None:
    emit(out, f"[dry run] would hand {result.post.id} ({result.verdict}) to {where}")


def replay(checks: Checks, feed: Path, out: TextIO) -> int:
    """Check every post of `feed` and write the reply each would get to `out`; how many were
    checked. Blocking: run it in a thread."""
    done = 0
    with open_feed(feed) as lines:
        for obj in check_lines(checks, None, lines):
            if "error" in obj:
                emit(out, f"[{obj['id']}] skipped: {obj['error']}")
                continue
            done += 1
            posts = obj["reply"]["bluesky"]
            emit(out, f"[{obj['id']}] {obj['verdict']} (score {obj['score']:.2f})")
            for i, text in enumerate(posts, start=1):
                emit(out, f"  reply {i}/{len(posts)}: {text}")
            if obj["verdict"] in AT_ONCE:  # a review's page waits for an operator
                emit(out, f"  page: {page_path(page_id(str(obj['id'])))}")
    return done
