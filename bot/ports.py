"""The Protocols the adapters share, so that neither depends on the other.

The runtime (`bot.runtime.service`) wires them: the Bluesky adapter's `BlueskyPorts` is the
Telegram adapter's `PostResolver` (a bsky.app URL → the post, for /check) and
`BlueskyPublisher` (a reply under a mention, once an operator approved a review); the Telegram
adapter's `TelegramOutlet` is the Bluesky adapter's `Publisher` (checked posts from the
watchers to the channel, borderline mentions to the operators' review). Tests hand in small
hand-written fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.corrections import Stated
from bot.domain import BlueskyPost, CheckResult, Post

CHANNEL = "channel"  # a `Publisher` target: the public channel, not a review


class Publisher(Protocol):
    async def hand_over(self, result: CheckResult, target: str = CHANNEL) -> None:
        """`target` is "channel" for a viral post from a watcher, or the at:// URI of the
        mention to answer once an operator approves a `review`."""
        ...


class ResolveError(Exception):
    """The URL names no post the resolver can fetch; the message is safe to show a user."""


class PostResolver(Protocol):
    async def resolve(self, url: str) -> Post:
        """The post at `url` (a bsky.app post URL). Raises ResolveError when there is none."""
        ...


class BlueskyPublisher(Protocol):
    async def reply(
        self, mention: str, thread: Sequence[BlueskyPost], stated: Stated | None = None
    ) -> str:
        """Reply with `thread` under the mention `mention` (its at:// URI); the reply's URI.
        `stated`: what the reply states, recorded for corrections."""
        ...
