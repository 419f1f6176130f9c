"""What the Telegram handlers need, as one frozen bag built by the runtime. The ports to
Bluesky (`PostResolver`, `BlueskyPublisher`) are the shared Protocols of `bot.ports`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import LimitsConfig, TelegramConfig
from bot.pipeline import Checks
from bot.ports import BlueskyPublisher, PostResolver
from bot.telegram.store import TelegramStore


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
