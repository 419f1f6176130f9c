"""A dry run (`factbot run --dry-run` with credentials): the platforms are read as usual, and
what would be sent is printed instead."""

from __future__ import annotations

from collections.abc import Sequence

from bot.bluesky.replies import Ref, ThreadSender
from bot.domain import BlueskyPost, CheckResult


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
