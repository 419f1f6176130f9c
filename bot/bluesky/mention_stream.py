"""Mentions from the event stream: answered as soon as they arrive, not at the next poll.

The stream's decoder (the firehose's or Jetstream's) offers each new post here; a post whose
facets mention the bot's DID (and that the bot did not write) is answered in a task of its own:
its post view is fetched from the AppView (which indexes the same stream: the view is asked for
again, briefly, until it is there) and handed to `Mentions.attempt` as a notification would be,
with reason "mention". So it goes through the same claim in the store, the same limits, the same
outbox: a mention the stream and the notifications poll both see is answered once. The poll
stays the backstop: whatever the stream missed (a restart, a dropped connection, a view the
AppView had not indexed in time, an answer that failed) is answered by a later poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from bot.bluesky.mentions import IN_FLIGHT, Mentions, Outcome
from bot.bluesky.records import mentions_did

log = logging.getLogger(__name__)
CONCURRENT = 4  # mentions answered at once (their checks share the cores)
VIEW_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # between getPosts tries: 6.35 s in all


@dataclass(frozen=True)
class StreamNote:
    """A mention from the stream, shaped as `Mentions.handle` reads a notification: the post
    view's fields, and reason "mention"."""

    uri: str
    cid: str
    author: Any
    record: Any
    indexed_at: str
    reason: str = "mention"


class MentionStream:
    def __init__(self, mentions: Mentions, waits: tuple[float, ...] = VIEW_WAITS) -> None:
        self.mentions, self.waits = mentions, waits
        self.tasks: set[asyncio.Task[Outcome | None]] = set()
        self.offered = 0  # posts on the stream that mention the bot
        self.answered = 0  # ... that the stream handled (replied, skipped, review, ...)
        self.left = 0  # ... left to the poll (not indexed in time, a call failed, in flight)
        self._slots = asyncio.Semaphore(CONCURRENT)

    def offer(self, uri: str, author_did: str, record: Any) -> bool:
        """A new post from the stream (its record: a model or Jetstream's JSON); True when it
        mentions the bot, and is now being answered."""
        did = self.mentions.did
        if not did or author_did == did or not mentions_did(record, did):
            return False
        self.offered += 1
        task = asyncio.create_task(self.arrived(uri), name=f"mention {uri}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return True

    async def arrived(self, uri: str) -> Outcome | None:
        """Answer one mention; None when it is left to the poll. Never raises (a task of its
        own): a failure is counted by `Mentions.attempt` or logged here."""
        offered = time.monotonic()
        async with self._slots:
            started = time.monotonic()
            try:
                view = await self._view(uri)
                viewed = time.monotonic()
                if view is None:
                    self.left += 1
                    log.info("stream: %s not on the AppView yet; left to the poll", uri)
                    return None
                note = StreamNote(view.uri, view.cid, view.author, view.record, view.indexed_at)
                outcome = await self.mentions.attempt(note)
            except Exception:
                self.left += 1
                log.exception("stream: mention %s could not be answered; left to the poll", uri)
                return None
            if outcome.status in (IN_FLIGHT, "deferred") or outcome.retry:
                self.left += 1
            elif outcome.status != "duplicate":
                self.answered += 1
                log.info(
                    "stream: mention %s: %s in %.2f s (queued %.2f s, view %.2f s)",
                    uri,
                    outcome.status,
                    time.monotonic() - offered,
                    started - offered,
                    viewed - started,
                )
            return outcome

    async def _view(self, uri: str) -> Any:
        """The mention's post view, once the AppView has indexed it; None if it has not in time
        (or the post is gone)."""
        client = self.mentions.client
        for wait in (0.0, *self.waits):
            if wait:
                await asyncio.sleep(wait)
            got = await self.mentions.calls(
                "getPosts", lambda: client.app.bsky.feed.get_posts({"uris": [uri]})
            )
            if got.posts:
                return got.posts[0]
        return None

    async def close(self, timeout: float) -> int:  # noqa: ASYNC109 - a grace period, then cancel
        """Give the answers in flight `timeout` seconds, then cancel the rest (they stay claimed
        and the next poll answers them); how many were cancelled."""
        pending = set(self.tasks)
        if not pending:
            return 0
        _, late = await asyncio.wait(pending, timeout=timeout)
        for task in late:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*late, return_exceptions=True)
        return len(late)
