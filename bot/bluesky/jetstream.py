"""The stream read from Jetstream instead of the firehose (`[bluesky] jetstream_url`).

Jetstream serves the network's commits as JSON, filtered on the server: only
`wantedCollections=app.bsky.feed.post` is asked for, so the bot decodes no CBOR and no CAR and
sees nothing but posts. Its cursor is a time (`time_us`, microseconds): it is saved by `flush()`
as the firehose's sequence number is (state row `jetstream.cursor`), and a connection (at start,
or after a drop) resumes from `REWIND_US` before the last event seen, so nothing between is
missed; what comes twice is harmless (a post is tracked once, a mention claimed once).

Everything else is the firehose consumer's (`FirehoseWatcher`): the buffer, the flush, mentions
offered as they arrive. A dropped or refused connection is retried after 0.5 s, doubling up to
`MAX_BACKOFF`; a frame that is not a post create is ignored, one that is not JSON is logged."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlencode

from atproto import models
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from bot.bluesky.firehose import FirehoseWatcher
from bot.bluesky.mention_stream import MentionStream
from bot.bluesky.records import POST
from bot.bluesky.watch import Watcher

log = logging.getLogger(__name__)
CURSOR = "jetstream.cursor"
REWIND_US = 5_000_000  # a reconnection replays the last 5 s (Jetstream's advice: gapless)
MAX_BACKOFF = 30.0
MAX_FRAME = 1 << 20  # bytes; a post event is a few kB


class JetstreamWatcher(FirehoseWatcher):
    cursor_name = CURSOR

    def __init__(
        self,
        watcher: Watcher,
        url: str,
        mentions: MentionStream | None = None,
        watching: bool = True,
    ) -> None:
        super().__init__(watcher, url, mentions=mentions, watching=watching)
        self.connections = 0  # connections opened (the first, then one per reconnection)
        self._ws: ClientConnection | None = None
        self._stopping = asyncio.Event()

    def address(self) -> str:
        """The URL to connect to now: the posts collection, from before the last event seen."""
        params: dict[str, Any] = {"wantedCollections": POST}
        last = self.seq if self.seq is not None else self.saved
        if last is not None:
            params["cursor"] = max(0, last - REWIND_US)
        return f"{self.url}?{urlencode(params)}"

    async def run(self) -> None:
        """Consume until `stop()`, reconnecting; the buffer is flushed and the cursor saved on
        the way out."""
        saved = await self.watcher.store.get_state(self.cursor_name)
        self.saved = int(saved) if saved else None
        backoff = 0.5
        try:
            while not self._stopping.is_set():
                try:
                    async with connect(self.address(), max_size=MAX_FRAME) as ws:
                        self._ws, backoff = ws, 0.5
                        self.connections += 1
                        async for frame in ws:
                            self._on_frame(frame)
                except (OSError, ConnectionClosed, InvalidHandshake, InvalidURI) as exc:
                    if not self._stopping.is_set():
                        log.warning("jetstream: connection lost (%s); again in %gs", exc, backoff)
                finally:
                    self._ws = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
        finally:
            await self.flush()

    async def stop(self) -> None:
        self._stopping.set()
        if self._ws is not None:
            await self._ws.close()

    async def drop(self) -> None:
        """Close the current connection (run() reconnects from the cursor): for operators'
        tests and the fault tests."""
        if self._ws is not None:
            await self._ws.close()

    def _on_frame(self, frame: str | bytes) -> None:
        try:
            event = json.loads(frame)
        except ValueError as exc:
            log.error("jetstream: a frame is not JSON: %s", exc)
            return
        if not isinstance(event, dict):
            return
        commit = event.get("commit")
        did, time_us = event.get("did"), event.get("time_us")
        if (
            isinstance(commit, dict)
            and isinstance(did, str)
            and commit.get("cid")
            and commit.get("operation") == "create"
            and commit.get("collection") == POST
        ):
            self._post(did, commit)
        if isinstance(time_us, int) and (self.seq is None or time_us > self.seq):
            self.seq = time_us

    def _post(self, did: str, commit: dict[str, Any]) -> None:
        raw = commit.get("record")
        record = models.get_or_create(raw, strict=False) if isinstance(raw, dict) else None
        if isinstance(record, models.AppBskyFeedPost.Record):
            uri = f"at://{did}/{POST}/{commit.get('rkey')}"
            self.arrived(uri, str(commit["cid"]), did, record)
