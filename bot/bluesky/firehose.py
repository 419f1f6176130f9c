"""The firehose consumer (`com.atproto.sync.subscribeRepos`, through atproto's client).

New posts are decoded from each commit and buffered; `flush()` — a scheduler job every
`cursor_save_seconds` — checks the buffer in one batch (through `Watcher.consider`, where a post
the pipeline cannot check is left out alone) and only then saves the cursor, so a restart
resumes at the last saved sequence number: nothing is missed, and a post seen again after a
crash is not tracked twice. The socket callback only decodes; the checking runs in a thread.

A flush that fails puts its batch back at the head of the buffer and saves no cursor, so no
later flush can move the cursor past posts that were never checked. The buffer is capped
(`BUFFER_CAP` posts): while it is full (the checks fall behind or keep failing) new posts are
shed, counted in `dropped` (`factbot_errors_total{kind="bluesky:firehose_dropped"}`) and
logged, rather than held until memory runs out.

With `mentions` (`[bluesky] stream_mentions`), a post that mentions the bot is offered to it as
soon as it is decoded (answered within a second or two, see `bot/bluesky/mention_stream.py`);
with `watching` false (`[bluesky] firehose = false`) nothing else is buffered or checked: the
stream is read for mentions only, and the cursor is still saved by `flush()`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from atproto import CAR, models
from atproto_firehose import AsyncFirehoseSubscribeReposClient, parse_subscribe_repos_message

from bot.bluesky.etiquette import THREADGATE
from bot.bluesky.mention_stream import MentionStream
from bot.bluesky.records import POST, parse_time, web_url
from bot.bluesky.watch import Incoming, Watcher
from bot.bluesky.watch_images import record_refs
from bot.domain import Post

log = logging.getLogger(__name__)
CURSOR = "firehose.cursor"
BUFFER_CAP = 5_000  # posts; a firehose brings a few hundred a second at most


class FirehoseWatcher:
    cursor_name = CURSOR  # the state row of its saved cursor

    def __init__(
        self,
        watcher: Watcher,
        url: str | None = None,
        cap: int = BUFFER_CAP,
        mentions: MentionStream | None = None,
        watching: bool = True,
    ) -> None:
        self.watcher, self.mentions, self.watching = watcher, mentions, watching
        self.url = url or watcher.config.firehose_url
        self.client: AsyncFirehoseSubscribeReposClient | None = None
        self.pending: list[Incoming] = []
        self.cap = cap
        self.dropped = 0  # posts shed because the buffer was full
        self._shed = 0  # ... since the last flush (logged there, once)
        self.seq: int | None = None  # the last sequence number decoded
        self.saved: int | None = None  # the last sequence number saved
        self.posts_seen = 0
        self._lock = asyncio.Lock()

    async def run(self) -> None:
        """Consume until `stop()`; the buffer is flushed and the cursor saved on the way out."""
        store = self.watcher.store
        cursor = await store.get_state(self.cursor_name)
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

    def buffer(self, incoming: Incoming) -> None:
        """Keep a decoded post for the next flush, or shed it when the buffer is full."""
        if len(self.pending) >= self.cap:
            self.dropped += 1
            self._shed += 1
            return
        self.pending.append(incoming)
        self.posts_seen += 1

    async def flush(self) -> None:
        """Check what is buffered, then save the cursor. If the check raises, the batch goes
        back to the head of the buffer (for the next flush) and the cursor stays."""
        async with self._lock:
            batch, self.pending = self.pending, []
            seq = self.seq
            if self._shed:
                log.error("firehose: buffer full (%d posts): %d post(s) shed", self.cap, self._shed)
                self._shed = 0
            try:
                await self.watcher.consider(batch, "firehose")
            except BaseException:
                kept = batch + self.pending
                self.pending = kept[: self.cap]
                self.dropped += len(kept) - len(self.pending)
                raise
            if seq is not None and seq != self.saved:
                await self.watcher.store.set_state(self.cursor_name, str(seq), self.watcher.clock())
                self.saved = seq

    async def _on_message(self, message: Any) -> None:
        commit = parse_subscribe_repos_message(message)
        if not isinstance(commit, models.ComAtprotoSyncSubscribeRepos.Commit):
            return
        if commit.blocks:
            car = CAR.from_bytes(commit.blocks)
            gates = {  # threadgates written with their posts (the app writes both at once)
                op.path.split("/", 1)[1]: car.blocks.get(op.cid)
                for op in commit.ops
                if op.action == "create" and op.cid and op.path.startswith(THREADGATE + "/")
            }
            for op in commit.ops:
                if op.action != "create" or not op.cid or not op.path.startswith(POST + "/"):
                    continue
                raw = car.blocks.get(op.cid)
                record = models.get_or_create(raw, strict=False) if raw else None
                if not isinstance(record, models.AppBskyFeedPost.Record):
                    continue
                uri = f"at://{commit.repo}/{op.path}"
                gate = gates.get(op.path.split("/", 1)[1])
                self.arrived(uri, str(op.cid), commit.repo, record, gate if gate else {})
        self.seq = commit.seq
        if self.client is not None:
            self.client.update_params(models.ComAtprotoSyncSubscribeRepos.Params(cursor=commit.seq))

    def arrived(
        self, uri: str, cid: str, did: str, record: Any, gate: dict[str, Any] | None = None
    ) -> None:
        """A new post decoded from the stream: a mention of the bot is answered at once; with
        watching on, every post is buffered for the next flush. `gate`: the threadgate written
        in the post's own commit ({}: none), when the stream shows whole commits."""
        if self.mentions is not None:
            self.mentions.offer(uri, cid, did, record, gate)
        if self.watching:
            images = self.watcher.images
            refs = (
                record_refs(did, record, images.reader.config.cdn_url)
                if images is not None and record.embed is not None
                else ()
            )
            self.buffer(Incoming(uri, cid, _post(uri, did, record), did, refs))

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
