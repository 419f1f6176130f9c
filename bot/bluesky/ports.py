"""What the Bluesky adapter hands on: checked posts to the publishers (the Telegram channel, the
operators' review). `TelegramOutlet` implements it; tests pass a small recorder."""

from __future__ import annotations

from typing import Protocol

from bot.domain import CheckResult

CHANNEL = "channel"


class Publisher(Protocol):
    async def hand_over(self, result: CheckResult, target: str = CHANNEL) -> None:
        """`target` is "channel" for a viral post from a watcher, or the at:// URI of the
        mention to answer once an operator approves a `review`."""
        ...
