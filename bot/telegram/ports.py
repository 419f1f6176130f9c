"""What the Telegram adapter needs from the rest of factbot, as Protocols and one frozen bag.

The Bluesky adapter implements `PostResolver` (a bsky.app URL → the post) and
`BlueskyPublisher` (a reply under a mention); tests hand in small hand-written fakes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.config import LimitsConfig, TelegramConfig
from bot.corrections import Stated
from bot.domain import BlueskyPost, Post
from bot.images.reader import ImageReader
from bot.pipeline import Checks
from bot.telegram.store import TelegramStore


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


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TelegramDeps:
    """Everything the handlers use, built once in `main()` and passed to `register`."""

    checker: Checks
    store: TelegramStore
    config: TelegramConfig
    resolver: PostResolver | None = None
    bluesky: BlueskyPublisher | None = None
    clock: Callable[[], datetime] = utc_now
    budget: LimitsConfig = field(default_factory=LimitsConfig)  # [limits]: the global budget
    images: ImageReader | None = None  # photos sent to the bot are read (bot/images)
