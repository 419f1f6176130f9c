"""The Bluesky adapter, assembled: one client, one session, one store, one `Calls`, shared by
the mention poller, the watchers and the publisher port. `main()` builds it once; the scheduler
(or a test) calls `mentions.poll()`, `watcher.search_once()`, `watcher.refresh_once()` and runs
`firehose.run()` (or `stream().run()`: the firehose or Jetstream, with mentions answered as they
arrive when `[bluesky] stream_mentions` is on)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
from atproto import AsyncClient

from bot.bluesky.calls import CREATE, DAY, Calls, Clock, Sleep, utc_now
from bot.bluesky.client import Session, build_client, ensure_bot_label
from bot.bluesky.firehose import FirehoseWatcher
from bot.bluesky.images import BlueskyImages
from bot.bluesky.jetstream import JetstreamWatcher
from bot.bluesky.mention_stream import MentionStream
from bot.bluesky.mentions import Mentions
from bot.bluesky.publish import BlueskyPorts
from bot.bluesky.replies import ThreadSender
from bot.bluesky.store import BlueskyStore
from bot.bluesky.watch import Watcher
from bot.bluesky.watch_images import WatchedImages
from bot.config import BlueskyConfig, LimitsConfig
from bot.database import Database
from bot.images.reader import ImageReader
from bot.labels import Labelling
from bot.pipeline import Checks
from bot.ports import Publisher

log = logging.getLogger(__name__)
# Builds the one sender of replies, once signed in: the live `ThreadSender`, or what the runtime
# passes in instead (a dry run's, which writes the replies out and posts nothing).
SenderFactory = Callable[[AsyncClient, str, BlueskyStore, Calls, Clock], ThreadSender]


async def restore_budget(calls: Calls, store: BlueskyStore, now: datetime) -> int:
    """Count the reply posts sent in the day before `now` (by earlier runs) against the write
    budget; how many."""
    times = await store.sent_times(now - DAY)
    for at in times:
        calls.budget.spend(CREATE, at)
    return len(times)


class BlueskyBot:
    def __init__(
        self,
        config: BlueskyConfig,
        checker: Checks,
        database: Database | Path | str,
        publisher: Publisher | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utc_now,
        sleep: Sleep | None = None,
        budget: LimitsConfig | None = None,
        sender: SenderFactory = ThreadSender,
        labels: Labelling | None = None,
        images: ImageReader | None = None,
    ) -> None:
        self.images = BlueskyImages(images, config.service_url) if images else None
        self.config, self.checker, self.clock, self.publisher = config, checker, clock, publisher
        self.make_sender = sender
        self.labels = labels  # the labeler, when [labeler] is enabled
        self.budget = budget or LimitsConfig()  # the global budget of answers ([limits])
        self.client: AsyncClient = build_client(config, transport)
        self.session = Session(self.client, config.session_file)
        self.calls = Calls(config, clock) if sleep is None else Calls(config, clock, sleep)
        self.store = BlueskyStore(database)  # the runtime's one database (a path: its own)
        self.did = ""

    async def start(self, handle: str, password: str) -> None:
        """Log in (reusing the saved session) and make sure the profile says it is a bot. The
        write budget starts with the posts the last day's runs sent (kept in the outbox). Until
        it has started, a spent budget or a far 429 reset is waited out; after, jobs defer."""
        await restore_budget(self.calls, self.store, self.clock())
        self.calls.defer_long_waits = False
        self.did = await self.session.start(handle, password, self.calls)
        await ensure_bot_label(self.client, self.did, self.calls)
        self.calls.defer_long_waits = True
        self.sender = self.make_sender(self.client, self.did, self.store, self.calls, self.clock)
        self.mentions = Mentions(
            self.client,
            self.did,
            self.checker,
            self.store,
            self.calls,
            self.config,
            self.clock,
            reviewer=self.publisher,
            budget=self.budget,
            labels=self.labels,
            sender=self.sender,
            images=self.images,
        )
        self.watcher = Watcher(
            self.client,
            self.checker,
            self.store,
            self.calls,
            self.config,
            self.clock,
            publisher=self.publisher,
            self_did=self.did,
            labels=self.labels,
            images=WatchedImages(self.images, lambda: self.checker.corpus) if self.images else None,
        )
        self.mention_stream = MentionStream(self.mentions)
        self.ports = BlueskyPorts(
            self.client, self.sender, self.calls, self.config.max_thread_posts
        )

    async def ping(self) -> None:
        """One round trip to the PDS with the session (the health check): raises when the
        server is unreachable or the session is no longer valid."""
        await self.client.com.atproto.server.get_session()

    def firehose(self, url: str | None = None) -> FirehoseWatcher:
        return FirehoseWatcher(self.watcher, url)

    def stream(self) -> FirehoseWatcher:
        """The configured stream's consumer: Jetstream when `jetstream_url` is set, else the
        firehose; it offers mentions to `mention_stream` when `stream_mentions` is on, and
        buffers every post for watching when `firehose` is."""
        cfg = self.config
        mentions = self.mention_stream if cfg.stream_mentions else None
        if cfg.jetstream_url:
            return JetstreamWatcher(self.watcher, cfg.jetstream_url, mentions, cfg.firehose)
        return FirehoseWatcher(self.watcher, mentions=mentions, watching=cfg.firehose)

    async def close(self) -> None:
        watcher: Watcher | None = getattr(self, "watcher", None)  # None: never started
        if watcher is not None:
            await watcher.stop_reading()  # images deferred by the stream's last flush
        await self.client.request.close()
        if self.images is not None:
            await self.images.close()
        self.session.close()
        self.store.close()
