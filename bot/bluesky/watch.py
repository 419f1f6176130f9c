"""Watching feeds: configured searches and the firehose bring posts in; posts that match are
tracked, their likes and reposts are refreshed on a schedule, and a post that crosses the
virality threshold is handed to the publishers (the Telegram channel) once, and to the labeler
(a label on the post itself, `bot/bluesky/labeler.py`). Watching never replies on Bluesky: only
a mention does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from atproto import AsyncClient

from bot.bluesky.calls import Calls, Clock
from bot.bluesky.records import to_post
from bot.bluesky.store import TRACKED, BlueskyStore
from bot.bluesky.watch_images import ImageRef, WatchedImages, When, view_refs
from bot.config import BlueskyConfig
from bot.domain import CheckFailure, CheckResult, Post
from bot.images.watching import LOW_VOLUME
from bot.labels import Labelling
from bot.pipeline import Checks, check_each
from bot.ports import CHANNEL, Publisher

log = logging.getLogger(__name__)
GET_POSTS_MAX = 25  # app.bsky.feed.getPosts takes at most 25 URIs a call
MAX_DEFERRED = 500  # stream posts waiting for their images to be read; more are not read


@dataclass(frozen=True)
class Incoming:
    """A post from a watcher: its URI and CID, and the `Post` to check."""

    uri: str
    cid: str
    post: Post
    author_did: str = ""
    images: tuple[ImageRef, ...] = ()  # read when the watcher has images (watch_images.py)


class Watcher:
    def __init__(
        self,
        client: AsyncClient,
        checker: Checks,
        store: BlueskyStore,
        calls: Calls,
        config: BlueskyConfig,
        clock: Clock,
        publisher: Publisher | None = None,
        self_did: str = "",
        labels: Labelling | None = None,
        images: WatchedImages | None = None,
    ) -> None:
        self.images = images  # watched posts' images, read within bounds (watch_images.py)
        # Stream posts that passed the images' pre-filter, read (fetch, hash, OCR) and checked
        # again by one task, off the flush; at most MAX_DEFERRED wait.
        self.deferred: deque[tuple[Incoming, str]] = deque()
        self._reading: asyncio.Task[None] | None = None
        self.labels = labels  # the labeler: a viral match earns its label
        self.client, self.checker, self.store, self.calls = client, checker, store, calls
        self.config, self.clock, self.publisher = config, clock, publisher
        self.self_did = self_did  # the bot's own posts quote the corpus: never tracked

    async def consider(
        self, posts: Sequence[Incoming], source: str, when: When | None = None
    ) -> list[CheckResult]:
        """Check the posts in one batch and start tracking those that match (or need review).
        A post seen before is not tracked twice: its row takes the latest check (read with its
        images, a search finding it again), and a post read `when="now"` that no longer
        matches is no longer tracked. The bot's own posts are not checked. A post the
        pipeline cannot check is logged and left out; the others are checked all the same.
        Images: read inline for a low-volume source; for the stream, a post whose images pass
        the pre-filter is checked on its words and alt text now, and again by the reading task
        (`deferred`) once its images are read."""
        posts = [p for p in posts if not self.self_did or p.author_did != self.self_did]
        if not posts:
            return []
        when = when or ("now" if source.startswith(LOW_VOLUME) else "defer")
        checked, dropped = [], 0
        for p in posts:
            post, deferred = await self._with_images(p, source, when)
            checked.append(post)
            if deferred and len(self.deferred) < MAX_DEFERRED:
                self.deferred.append((p, source))
            elif deferred:
                dropped += 1
        if dropped:
            log.warning(
                "%s: %d post(s) checked without their images read: %d already wait for theirs",
                source,
                dropped,
                MAX_DEFERRED,
            )
        if self.deferred and (self._reading is None or self._reading.done()):
            self._reading = asyncio.create_task(self._read_deferred(), name="watch-images")
        if self.images is not None and (skipped := self.images.take_skipped()):
            log.info(
                "%s: %d image(s) not fetched: their posts name no speaker, theme or event, and "
                "are not by a watched author ([images] pre-filter; alt text read)",
                source,
                skipped,
            )
        outcomes = await asyncio.to_thread(check_each, self.checker, checked)
        results: list[CheckResult] = []
        for incoming, result in zip(posts, outcomes, strict=True):
            if isinstance(result, CheckFailure):
                log.warning("%s: %s could not be checked: %s", source, incoming.uri, result.error)
                continue
            results.append(result)
            # The stream's flush sees a post for the first time: a post that does not match has
            # no row to update, and a write for each would cost the firehose its throughput.
            await self._record(incoming.uri, incoming.cid, source, result, when == "now")
        return results

    async def _record(
        self, uri: str, cid: str, source: str, result: CheckResult, recheck: bool
    ) -> None:
        """Track a post that matches (or take this check into its row, tracked before); a post
        checked again (`recheck`) that no longer matches leaves the tracked posts."""
        now, verdict = self.clock(), result.verdict
        data = json.dumps(result.to_json(), ensure_ascii=False)
        if verdict in TRACKED:
            if await self.store.watch(uri, cid, source, verdict, data, now):
                log.info("watching %s (%s, %s)", uri, verdict, source)
        elif recheck and await self.store.rechecked(uri, cid, verdict, data, now):
            log.info("no longer watching %s: checked again (%s), %s", uri, source, verdict)

    async def _read_deferred(self) -> None:
        """The deferred posts read again, OCR and all, and checked (tracked if they match)."""
        while self.deferred:
            incoming, source = self.deferred.popleft()
            try:
                await self.consider([incoming], source, "now")
            except Exception as exc:  # the next one is read all the same
                log.warning("%s: %s not checked with its images: %s", source, incoming.uri, exc)

    async def idle(self) -> None:
        """Wait until the deferred posts are read (a test's, or a benchmark's)."""
        while self._reading is not None and not self._reading.done():
            await asyncio.shield(self._reading)

    async def stop_reading(self) -> int:
        """Stop the reading task; the number of posts left unread (logged)."""
        left = len(self.deferred)
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        if left:
            log.warning("watching: %d post(s) left without their images read (stopping)", left)
        self.deferred.clear()
        return left

    async def _with_images(self, incoming: Incoming, source: str, when: When) -> tuple[Post, bool]:
        """The post with its images' words (alt text, a known copy, OCR: within the bounds of
        `WatchedImages`); as it was when there are none; True when its OCR was deferred. An
        image that cannot be read is logged and left out: the post is still checked on its
        own words."""
        if self.images is None or not incoming.images:
            return incoming.post, False
        try:
            return await self.images.post_with_images(
                incoming.post, incoming.images, incoming.author_did, source, when
            )
        except Exception as exc:  # a hostile image must not cost the batch its other posts
            log.warning(
                "%s: the images of %s could not be read (%s: %s); checked on its words",
                source,
                incoming.uri,
                type(exc).__name__,
                str(exc)[:200],
            )
            return incoming.post, False

    async def search_once(self) -> int:
        """Run every configured search once; the number of posts checked. Each query keeps its
        own watermark, so a post is fetched once (the boundary post may come twice, and is then
        not tracked twice)."""
        checked = 0
        for query in self.config.search_queries:
            name = f"search:{query}"
            since = await self.store.get_state(name)
            params: dict[str, Any] = {
                "q": query,
                "limit": self.config.search_limit,
                "sort": "latest",
            }
            if since:
                params["since"] = since
            got = await self.calls(
                "searchPosts", partial(self.client.app.bsky.feed.search_posts, params=params)
            )
            views = list(got.posts)
            await self.consider(
                [Incoming(v.uri, v.cid, to_post(v), v.author.did, view_refs(v)) for v in views],
                name,
            )
            for v in views:
                await self._engagement(v)
            checked += len(views)
            newest = max((v.indexed_at for v in views), default=None)
            if newest and (since is None or newest > since):
                await self.store.set_state(name, newest, self.clock())
        return checked

    async def refresh_once(self) -> int:
        """Refresh likes and reposts of every tracked post (25 a call); hand over those that
        crossed the threshold. The number handed over."""
        since = self.clock() - timedelta(hours=self.config.track_hours)
        rows = await self.store.tracked(since)
        handed = 0
        for start in range(0, len(rows), GET_POSTS_MAX):
            uris = [r["uri"] for r in rows[start : start + GET_POSTS_MAX]]
            got = await self.calls(
                "getPosts", partial(self.client.app.bsky.feed.get_posts, {"uris": uris})
            )
            for view in got.posts:
                handed += await self._engagement(view)
        return handed

    async def _engagement(self, view: Any) -> int:
        likes, reposts = view.like_count or 0, view.repost_count or 0
        now = self.clock()
        await self.store.set_engagement(view.uri, likes, reposts, view.quote_count or 0, now)
        if likes < self.config.viral_likes and reposts < self.config.viral_reposts:
            return 0
        if not await self.store.awaiting_handover(view.uri):
            return 0  # not tracked, or handed over before
        incoming = Incoming(view.uri, view.cid, to_post(view), view.author.did, view_refs(view))
        post, _ = await self._with_images(incoming, "viral", "now")  # as when it was tracked
        result = (await asyncio.to_thread(self.checker.check_many, [post]))[0]
        await self._record(view.uri, view.cid, "viral", result, True)  # the latest check
        log.info("%s went viral (%d likes, %d reposts): handing over", view.uri, likes, reposts)
        if self.publisher is not None and result.verdict in TRACKED:
            await self.publisher.hand_over(result, CHANNEL)
        if self.labels is not None:
            await self.labels.checked(result, view.uri, view.cid, "viral")
        await self.store.mark_handed_over(view.uri, self.clock())
        return 1
