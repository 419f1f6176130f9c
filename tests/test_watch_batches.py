"""A post the pipeline raises on, in the Bluesky watchers' batches (audit F4): the firehose
buffer and a search's results check every other post, the firehose cursor and the search
watermark move past a post only once it was checked (or failed on its own), and a flush that
fails keeps its posts and its cursor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import SEED_TEXT
from test_hostile_input import Poisoned

from bot.bluesky.firehose import CURSOR, FirehoseWatcher
from bot.bluesky.store import BlueskyStore
from bot.bluesky.watch import Incoming, Watcher
from bot.config import BlueskyConfig
from bot.domain import CheckResult, Post
from bot.pipeline import Checker


def now() -> datetime:
    return datetime(2026, 5, 12, 9, tzinfo=UTC)


def incoming(post_id: str, text: str) -> Incoming:
    uri = f"at://did:plc:x/app.bsky.feed.post/{post_id}"
    return Incoming(uri, "cid", Post(post_id, text, now()), "did:plc:x")


async def firehose(checks: Poisoned | Checker, tmp_path: Path) -> FirehoseWatcher:
    store = BlueskyStore(tmp_path / "bluesky.db")
    watcher = Watcher(None, checks, store, None, BlueskyConfig(), now)  # type: ignore[arg-type]
    return FirehoseWatcher(watcher, url="ws://127.0.0.1:9")


async def test_a_poison_post_on_the_firehose_does_not_drop_its_batch(
    checker: Checker, tmp_path: Path
) -> None:
    """The matching posts buffered with a poison one are tracked, and the cursor is saved past
    them all (the poison post was checked, and failed, on its own)."""
    hose = await firehose(Poisoned(checker), tmp_path)
    hose.pending = [incoming("a", SEED_TEXT), incoming("poison", "x"), incoming("b", SEED_TEXT)]
    hose.seq = 41
    await hose.flush()
    watched = sorted(r["uri"].rsplit("/", 1)[1] for r in await hose.watcher.store.watched())
    assert ["a", "b"] == watched
    assert "41" == await hose.watcher.store.get_state(CURSOR)
    assert [] == hose.pending
    hose.watcher.store.close()


async def test_a_failed_flush_keeps_its_posts_and_its_cursor(
    checker: Checker, tmp_path: Path
) -> None:
    """When the flush fails (here the store refuses writes), its posts go back to the front of
    the buffer and the cursor is not moved, so none of them is skipped."""
    hose = await firehose(checker, tmp_path)
    await hose.watcher.store.set_state(CURSOR, "10", now())
    buffered = [incoming("a", SEED_TEXT), incoming("b", "lovely weather")]
    hose.pending, hose.seq = list(buffered), 42

    async def refused(*args: object) -> bool:
        raise OSError("disk full")

    hose.watcher.store.watch = refused  # type: ignore[method-assign]
    arrived = incoming("c", "later")
    with pytest.raises(OSError, match="disk full"):
        await hose.flush()
    hose.pending.append(arrived)
    assert [*buffered, arrived] == hose.pending
    assert "10" == await hose.watcher.store.get_state(CURSOR)
    hose.watcher.store.close()


class Searches:
    """A hand-written stand-in for the AppView's searchPosts (the local network's search cannot
    return a post chosen to break the pipeline): the same views every time."""

    def __init__(self, views: list[SimpleNamespace]) -> None:
        self.views = views
        self.app = SimpleNamespace(
            bsky=SimpleNamespace(feed=SimpleNamespace(search_posts=self.search))
        )

    async def search(self, params: dict[str, object]) -> SimpleNamespace:
        return SimpleNamespace(posts=self.views)


def view(rkey: str, text: str, indexed_at: str) -> SimpleNamespace:
    record = SimpleNamespace(text=text, created_at="2026-05-12T09:00:00Z", langs=["en"])
    return SimpleNamespace(
        uri=f"at://did:plc:x/app.bsky.feed.post/{rkey}",
        cid="cid",
        record=record,
        author=SimpleNamespace(did="did:plc:x", handle="x.test"),
        indexed_at=indexed_at,
        like_count=0,
        repost_count=0,
        quote_count=0,
    )


async def test_a_poison_post_in_a_search_does_not_stop_the_query(
    checker: Checker, tmp_path: Path
) -> None:
    """A search whose results hold a post the pipeline raises on: the others are tracked and
    the query's watermark moves to the newest result, instead of the query failing again and
    again until the post scrolls out of the results."""
    store = BlueskyStore(tmp_path / "bluesky.db")
    views = [
        view("a", SEED_TEXT, "2026-05-12T09:00:01Z"),
        view("poison", "x", "2026-05-12T09:00:02Z"),
        view("b", SEED_TEXT, "2026-05-12T09:00:03Z"),
    ]

    async def calls(what: str, fn: Callable[[], Awaitable[Any]], points: int = 0) -> Any:
        return await fn()

    config = BlueskyConfig(search_queries=("LeCun",))
    client = Searches(views)
    watcher = Watcher(client, PoisonedByUri(checker), store, calls, config, now)  # type: ignore[arg-type]
    assert 3 == await watcher.search_once()
    watched = sorted(r["uri"].rsplit("/", 1)[1] for r in await store.watched())
    assert ["a", "b"] == watched
    assert "2026-05-12T09:00:03Z" == await store.get_state("search:LeCun")
    store.close()


class PoisonedByUri(Poisoned):
    """`Poisoned`, keyed on the post's at:// URI (the id a Bluesky post gets)."""

    def check_many(self, posts: Sequence[Post]) -> list[CheckResult]:
        if any(p.id.endswith("/poison") for p in posts):
            raise RuntimeError("a stage broke on this post")
        return self.checker.check_many(posts)
