"""The firehose consumer (`com.atproto.sync.subscribeRepos`, through atproto's client).

New posts are decoded from each commit and buffered; `flush()` — a scheduler job every
`cursor_save_seconds` — checks the buffer in one batch (through `Watcher.consider`, where a post
the pipeline cannot check is left out alone) and only then saves the cursor, so a restart
resumes at the last saved sequence number: nothing is missed, and a post seen again after a
crash is not tracked twice. When a flush fails (the store refused a write, say) its posts go
back to the front of the buffer and the cursor stays where it was. The socket callback only
decodes; the checking runs in a thread."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from atproto import CAR, models
from atproto_firehose import AsyncFirehoseSubscribeReposClient, parse_subscribe_repos_message

from bot.bluesky.records import POST, parse_time, web_url
from bot.bluesky.watch import Incoming, Watcher
from bot.domain import Post

log = logging.getLogger(__name__)
CURSOR = "firehose.cursor"


class FirehoseWatcher:
    def __init__(self, watcher: Watcher, url: str | None = None) -> None:
        self.watcher = watcher
        self.url = url or watcher.config.firehose_url
        self.client: AsyncFirehoseSubscribeReposClient | None = None
        self.pending: list[Incoming] = []
        self.seq: int | None = None  # the last sequence number decoded
        self.saved: int | None = None  # the last sequence number saved
        self.posts_seen = 0
        self._lock = asyncio.Lock()

    async def run(self) -> None:
        """Consume until `stop()`; the buffer is flushed and the cursor saved on the way out."""
        store = self.watcher.store
        cursor = await store.get_state(CURSOR)
        self.saved = int(cursor) if cursor else None
        params = (
            models.ComAtprotoSyncSubscribeRepos.Params(cursor=self.saved)
            if self.saved is not None
            else None
        )
        self.client = AsyncFirehoseSubscribeReposClient(params=params, base_uri=self.url)
        try:
            await self.client.start(self._on_message, self._on_error)
        finally:
            await self.flush()

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.stop()

    async def flush(self) -> None:
        """Check what is buffered, then save the cursor."""
        async with self._lock:
            batch, self.pending = self.pending, []
            seq = self.seq
            try:
                await self.watcher.consider(batch, "firehose")
            except BaseException:
                self.pending[:0] = batch  # checked again next time; the cursor is not moved
                raise
            if seq is not None and seq != self.saved:
                await self.watcher.store.set_state(CURSOR, str(seq), self.watcher.clock())
                self.saved = seq

    async def _on_message(self, message: Any) -> None:
        commit = parse_subscribe_repos_message(message)
        if not isinstance(commit, models.ComAtprotoSyncSubscribeRepos.Commit):
            return
        if commit.blocks:
            car = CAR.from_bytes(commit.blocks)
            for op in commit.ops:
                if op.action != "create" or not op.cid or not op.path.startswith(POST + "/"):
                    continue
                raw = car.blocks.get(op.cid)
                record = models.get_or_create(raw, strict=False) if raw else None
                if not isinstance(record, models.AppBskyFeedPost.Record):
                    continue
                uri = f"at://{commit.repo}/{op.path}"
                post = _post(uri, commit.repo, record)
                self.pending.append(Incoming(uri, str(op.cid), post, commit.repo))
                self.posts_seen += 1
        self.seq = commit.seq
        if self.client is not None:
            self.client.update_params(models.ComAtprotoSyncSubscribeRepos.Params(cursor=commit.seq))

    async def _on_error(self, exc: BaseException) -> None:
        log.error("firehose: a message could not be handled: %s", exc)


def _post(uri: str, did: str, record: models.AppBskyFeedPost.Record) -> Post:
    langs = record.langs or []
    return Post(
        id=uri,
        text=record.text,
        created_at=parse_time(record.created_at),
        lang=langs[0] if langs else None,
        url=web_url(did, uri),
        author=did,
    )
