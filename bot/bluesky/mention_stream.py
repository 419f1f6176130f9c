"""Mentions from the event stream: answered as soon as they arrive, not at the next poll.

The stream's decoder (the firehose's or Jetstream's) offers each new post here; a post whose
facets mention the bot's DID (and that the bot did not write) is answered in a task of its own,
started the moment the event is decoded. It is answered from the record the event carries,
without waiting for the AppView to index the mention (which takes as long again as the whole
answer): only what the etiquette needs is read, all at once, before the claim: the author's
profile from the AppView (blocks either way, the `bot` self-label, the handle), the posts the
mention answers or quotes and its thread's root (indexed long before: the text to check, and
`replyDisabled`), and the thread's gate (`bot/bluesky/etiquette.py`; a top-level mention is its
own thread's root, and its gate is written with the post: the firehose shows it in the same
commit; from Jetstream it is read from the repository); a top-level mention's own text is
checked meanwhile. Then it is handed to `Mentions.attempt` as a notification would be, with
reason "mention", the views already read (`Known`): the same claim in the store, the same
limits, the same outbox, so a mention the stream and the notifications poll both see is
answered once. A mention with images
of its own (when images are read) still waits for its post view (the images' URLs are the
AppView's), asked for again, briefly, until it is there.

The poll stays the backstop: whatever the stream missed (a restart, a dropped connection, an
author the AppView does not know yet, a view not indexed in time, an answer that failed) is
answered by a later poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from atproto import models

from bot.bluesky.etiquette import gate_allows, thread_allows
from bot.bluesky.mentions import IN_FLIGHT, Known, Mentions, Outcome
from bot.bluesky.records import mentions_did, parse_time, web_url
from bot.domain import Post

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
    known: Known | None = None  # what was read beforehand (None: read when it is handled)


@dataclass(frozen=True)
class EventView:
    """The mention's post view, as far as the answer reads it, made from the event's record
    and the author's profile: no embed view (its images are the AppView's to show)."""

    uri: str
    cid: str
    author: Any
    record: Any
    viewer: Any
    embed: None = None


class MentionStream:
    def __init__(self, mentions: Mentions, waits: tuple[float, ...] = VIEW_WAITS) -> None:
        self.mentions, self.waits = mentions, waits
        self.tasks: set[asyncio.Task[Outcome | None]] = set()
        self.offered = 0  # posts on the stream that mention the bot
        self.answered = 0  # ... that the stream handled (replied, skipped, review, ...)
        self.left = 0  # ... left to the poll (not indexed in time, a call failed, in flight)
        self._slots = asyncio.Semaphore(CONCURRENT)

    def offer(
        self, uri: str, cid: str, author_did: str, record: Any, gate: dict[str, Any] | None = None
    ) -> bool:
        """A new post from the stream (its record, a post model; `gate`, the threadgate its
        commit wrote, {} for none, None when the stream does not show whole commits); True
        when it mentions the bot, and is now being answered."""
        did = self.mentions.did
        if not did or author_did == did or not mentions_did(record, did):
            return False
        self.offered += 1
        task = asyncio.create_task(
            self.arrived(uri, cid, author_did, record, gate), name=f"mention {uri}"
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return True

    async def arrived(
        self, uri: str, cid: str, did: str, record: Any, gate: dict[str, Any] | None = None
    ) -> Outcome | None:
        """Answer one mention; None when it is left to the poll. Never raises (a task of its
        own): a failure is counted by `Mentions.attempt` or logged here."""
        offered = time.monotonic()
        async with self._slots:
            started = time.monotonic()
            try:
                if self.mentions.images is not None and _own_media(record):
                    note = await self._indexed(uri)
                else:
                    note = await self.from_event(uri, cid, did, record, gate)
                viewed = time.monotonic()
                if note is None:
                    self.left += 1
                    log.info("stream: %s not on the AppView yet; left to the poll", uri)
                    return None
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
                    "stream: mention %s: %s in %.2f s (queued %.2f s, read %.2f s)",
                    uri,
                    outcome.status,
                    time.monotonic() - offered,
                    started - offered,
                    viewed - started,
                )
            return outcome

    async def from_event(
        self, uri: str, cid: str, did: str, record: Any, gate: dict[str, Any] | None = None
    ) -> StreamNote:
        """The mention as the event carries it, with what its answer reads from the network,
        read all at once (`Known`)."""
        m = self.mentions
        client, calls = m.client, m.calls
        target = m.target_uri(record)
        reply = getattr(record, "reply", None)
        root = str(reply.root.uri) if reply is not None else None
        uris = [u for u in dict.fromkeys((target, root)) if u]
        checked = None
        if target is None:  # the text to check is the record's own: check it now
            checked = asyncio.ensure_future(m.check(event_post(uri, did, record)))
            checked.add_done_callback(_consumed)  # skipped (blocked, gated...): not awaited

        async def views() -> dict[str, Any]:
            return await m.posts(uris) if uris else {}

        async def thread_gate() -> bool:
            if reply is not None:
                return await thread_allows(client, calls, record, m.did)
            return await gate_allows(client, calls, uri, m.did, root_record=record, gate=gate)

        try:
            profile, got, thread_open = await asyncio.gather(
                calls("getProfile", lambda: client.app.bsky.actor.get_profile({"actor": did})),
                views(),
                thread_gate(),
            )
        except BaseException:
            if checked is not None:
                checked.cancel()
            raise
        shown_root = got.get(root) if root is not None else None
        root_viewer = getattr(shown_root, "viewer", None)
        disabled = bool(root_viewer is not None and root_viewer.reply_disabled)
        viewer = models.AppBskyFeedDefs.ViewerState(reply_disabled=disabled)
        got[uri] = EventView(uri, cid, profile, record, viewer)
        now = client.get_current_time_iso()
        known = Known(got, thread_open, checked)
        return StreamNote(uri, cid, profile, record, now, known=known)

    async def _indexed(self, uri: str) -> StreamNote | None:
        """The mention as its post view says, once the AppView has indexed it; None if it has
        not in time (or the post is gone)."""
        view = await self._view(uri)
        if view is None:
            return None
        return StreamNote(view.uri, view.cid, view.author, view.record, view.indexed_at)

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


def _own_media(record: Any) -> bool:
    """The post record embeds media of its own (an images embed, or a `recordWithMedia`'s)."""
    embed = getattr(record, "embed", None)
    return embed is not None and (
        getattr(embed, "images", None) is not None or getattr(embed, "media", None) is not None
    )


def event_post(uri: str, did: str, record: Any) -> Post:
    """The post a top-level mention asks about (its own text), from the event's record: named
    by the author's DID until the profile is read."""
    langs = getattr(record, "langs", None) or []
    return Post(
        id=uri,
        text=getattr(record, "text", "") or "",
        created_at=parse_time(getattr(record, "created_at", None)),
        lang=langs[0] if langs else None,
        url=web_url(did, uri),
        author=did,
    )


def _consumed(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("stream: a check begun early failed: %s", task.exception())
