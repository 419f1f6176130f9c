"""Dry runs print what would be sent: `factbot run --dry-run` with credentials (the platforms
are read as usual), and the embedded default, a replay of a JSONL feed (no credentials)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.bluesky.replies import Ref, ThreadSender
from bot.domain import BlueskyPost, CheckResult
from bot.feed import check_lines
from bot.pipeline import Checks


class PrintingSender(ThreadSender):
    """A dry run's replies: printed, never written."""

    async def send(
        self, target: str, root: Ref, parent: Ref, thread: Sequence[BlueskyPost], lang: str = "en"
    ) -> list[str]:
        for i, post in enumerate(thread, 1):
            print(f"[dry run] reply {i}/{len(thread)} to {target}: {post.text}", flush=True)
        return [f"{target}#dry-run-{i}" for i in range(1, len(thread) + 1)]

    async def reconcile(self) -> int:
        return 0


def print_handover(result: CheckResult, where: str) -> None:
    print(f"[dry run] would hand {result.post.id} ({result.verdict}) to {where}", flush=True)


def replay(checks: Checks, feed: Path) -> int:
    """Check every post of `feed` and print the reply each would get; how many were checked.
    Blocking: run it in a thread."""
    done = 0
    with feed.open(encoding="utf-8") as lines:
        for obj in check_lines(checks, None, lines):
            if "error" in obj:
                print(f"[{obj['id']}] skipped: {obj['error']}", flush=True)
                continue
            done += 1
            posts = obj["reply"]["bluesky"]
            print(f"[{obj['id']}] {obj['verdict']} (score {obj['score']:.2f})")
            for i, text in enumerate(posts, start=1):
                print(f"  reply {i}/{len(posts)}: {text}", flush=True)
    return done
