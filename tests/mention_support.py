"""What the tests of mentions read from the event stream share (tests/test_mention_event.py,
tests/test_mention_stream.py): the adapter's settings for it, the bot started on the local
network, its stream running from the live tail, a loopback server (the Jetstream relay, the
stream proxy) up for the test, and a mention posted as a reply."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from atp_network import DEFAULT_PASSWORD, AtpNetwork, wait_for
from atproto import AsyncClient, client_utils, models
from conftest import bluesky_config

from bot.bluesky.app import BlueskyBot
from bot.bluesky.firehose import FirehoseWatcher
from bot.config import BlueskyConfig
from bot.pipeline import Checker


@dataclasses.dataclass(frozen=True)
class StreamCase:
    """A fresh bot account (`me`: did, handle) and four users on the local network, the real
    pipeline and a folder: what each test of mentions from the stream starts from (conftest's
    `stream_case`)."""

    network: AtpNetwork
    me: tuple[str, str]
    users: list[AsyncClient]
    checker: Checker
    tmp_path: Path

    def config(self, **kwargs: Any) -> BlueskyConfig:
        return stream_config(self.network, self.tmp_path, **kwargs)

    def bot(
        self, config: BlueskyConfig, **kwargs: Any
    ) -> contextlib.AbstractAsyncContextManager[BlueskyBot]:
        """The bot started with `config` (`kwargs`: BlueskyBot's), closed at the end."""
        return started_bot(config, self.checker, self.tmp_path, self.me[1], **kwargs)


def stream_config(atp_network: AtpNetwork, tmp_path: Path, **kwargs: Any) -> BlueskyConfig:
    """Mentions read from the event stream (`stream_mentions`; the firehose's watching stays
    off), answered at once (no per-account limit), quick to retry; `kwargs` override any."""
    base = bluesky_config(atp_network, tmp_path, stream_mentions=True, checks_per_hour=0)
    return dataclasses.replace(base, **kwargs)


@contextlib.asynccontextmanager
async def started_bot(
    config: BlueskyConfig, checker: Checker, tmp_path: Path, handle: str, **kwargs: Any
) -> AsyncIterator[BlueskyBot]:
    """The Bluesky adapter logged in as `handle`, its store in `tmp_path`; closed at the end."""
    bot = BlueskyBot(config, checker, tmp_path / "factbot.db", **kwargs)
    await bot.start(handle, DEFAULT_PASSWORD)
    try:
        yield bot
    finally:
        await bot.close()


@contextlib.asynccontextmanager
async def running_stream(bot: BlueskyBot, poster: AsyncClient) -> AsyncIterator[FirehoseWatcher]:
    """The bot's event stream, running and flowing (with no saved cursor it starts at the live
    tail: `poster` posts until the stream has seen a commit); stopped, and its task ended, at
    the end."""
    stream = bot.stream()
    task = asyncio.create_task(stream.run())
    try:

        async def flowing() -> bool:
            await poster.send_post("warming up")
            return stream.seq is not None

        await wait_for(flowing, timeout=30, interval=0.5)
        yield stream
    finally:
        await stream.stop()
        await asyncio.gather(task, return_exceptions=True)


class Server(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@contextlib.asynccontextmanager
async def serving(server: Server | None) -> AsyncIterator[None]:
    """A loopback server (JetstreamRelay, StreamProxy) up for the block, if any."""
    if server is None:
        yield
        return
    await server.start()
    try:
        yield
    finally:
        await server.stop()


def mention(bot: tuple[str, str], text: str) -> client_utils.TextBuilder:
    """`text` after "@handle " with the mention facet of `bot` (did, handle)."""
    return client_utils.TextBuilder().mention(f"@{bot[1]}", bot[0]).text(" " + text)


async def mention_under(client: AsyncClient, bot: tuple[str, str], text: str, parent: Any) -> str:
    """A mention posted as a reply to `parent` (uri and cid: the thread's root); its URI."""
    ref = models.create_strong_ref(parent)
    reply_to = models.AppBskyFeedPost.ReplyRef(root=ref, parent=ref)
    return str((await client.send_post(mention(bot, text), reply_to=reply_to)).uri)
