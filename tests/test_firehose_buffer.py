"""The firehose's buffer without a network: posts are fed to `FirehoseWatcher.buffer` as the
socket callback does, and flushed through the real `Watcher` (the real pipeline and models, a
real SQLite store). A flush that raises (here the store refuses its first write) keeps its
batch and saves no cursor, so a later flush cannot move the cursor past posts never checked;
the buffer is capped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from conftest import SEED_TEXT

from bot.bluesky.calls import Calls
from bot.bluesky.firehose import CURSOR, FirehoseWatcher
from bot.bluesky.store import BlueskyStore
from bot.bluesky.watch import Incoming, Watcher
from bot.config import BlueskyConfig
from bot.domain import Post
from bot.pipeline import Checker


def incoming(n: int, text: str) -> Incoming:
    uri = f"at://did:plc:author{n}/app.bsky.feed.post/{n}"
    post = Post(uri, text, datetime(2026, 5, 12, 9, tzinfo=UTC), "en", None, f"did:plc:a{n}")
    return Incoming(uri, f"cid{n}", post, f"did:plc:a{n}")


@pytest.fixture
async def firehose(tmp_path: Path, checker: Checker) -> Any:
    store = BlueskyStore(tmp_path / "factbot.db")
    config = BlueskyConfig()
    watcher = Watcher(
        cast(Any, None),  # the client: flushing never calls Bluesky
        checker,
        store,
        Calls(config),
        config,
        lambda: datetime.now(UTC),
    )
    yield FirehoseWatcher(watcher, "ws://127.0.0.1:9/unused", cap=4)
    store.close()


async def test_a_failed_flush_keeps_its_batch_and_the_cursor(firehose: FirehoseWatcher) -> None:
    store = firehose.watcher.store
    firehose.buffer(incoming(1, SEED_TEXT))
    firehose.buffer(incoming(2, "Lovely weather in Lyon today"))
    firehose.seq = 10
    watch, calls = store.watch, []

    async def refused_once(*args: Any) -> bool:
        calls.append(args)
        if len(calls) == 1:
            raise OSError("database or disk is full")
        return await watch(*args)

    store.watch = refused_once  # type: ignore[method-assign]
    with pytest.raises(OSError, match="disk is full"):
        await firehose.flush()
    assert None is await store.get_state(CURSOR)  # nothing checked: no cursor
    assert [1, 2] == [int(p.cid[3:]) for p in firehose.pending]  # the batch is kept
    firehose.buffer(incoming(3, "Pasta tonight!"))
    firehose.seq = 11
    await firehose.flush()  # the kept batch is checked, then the cursor moves
    assert "11" == await store.get_state(CURSOR)
    assert [] == firehose.pending
    watched = [row["uri"] for row in await store.watched()]
    assert [incoming(1, SEED_TEXT).uri] == watched  # the matching post was not lost


async def test_the_buffer_is_capped_and_what_it_sheds_is_counted(
    firehose: FirehoseWatcher,
) -> None:
    for n in range(7):
        firehose.buffer(incoming(n, "Pasta tonight!"))
    assert 4 == len(firehose.pending)
    assert 3 == firehose.dropped
