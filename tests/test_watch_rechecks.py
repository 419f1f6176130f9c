"""A watched post checked again (its images read later, a search finding it again, the corpus
changed, the viral recheck) has its row in `bluesky_watched` reflect that latest check: the
verdict and result the hand-over and the labeler go by. A real SQLite file, the real pipeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import SEED_TEXT

from bot.bluesky.store import TRACKED, BlueskyStore
from bot.bluesky.watch import Incoming, Watcher
from bot.config import BlueskyConfig
from bot.domain import Post
from bot.pipeline import Checker

URI = "at://did:plc:x/app.bsky.feed.post/a"
REVIEW_TEXT = (  # labelled "review" (tests/data/labelled.jsonl L002)
    'LeCun at Station F yesterday, on the big US labs: "OpenAI, of course, stopped being open '
    "quite a long time ago. Anthropic never was. Google is kind of somewhere in between, but "
    'mostly climbing up too."'
)
T0 = datetime(2026, 5, 12, 9, tzinfo=UTC)


async def test_the_row_takes_the_latest_check_and_keeps_the_rest(tmp_path: Path) -> None:
    store = BlueskyStore(tmp_path / "f.db")
    assert await store.watch(URI, "c1", "firehose", "review", '{"n": 1}', T0)
    await store.set_engagement(URI, 3, 1, 0, T0 + timedelta(minutes=5))
    later = T0 + timedelta(minutes=10)
    assert not await store.watch(URI, "c2", "search:x", "match", '{"n": 2}', later)
    [row] = await store.watched()
    assert (row["verdict"], row["result"], row["cid"]) == ("match", '{"n": 2}', "c2")
    assert (row["source"], row["first_seen"], row["likes"]) == ("firehose", T0.isoformat(), 3)
    assert row["checked_at"] == later.isoformat()
    assert await store.awaiting_handover(URI)
    # Checked again, and no longer a match: not refreshed, not handed over.
    assert await store.rechecked(URI, "c2", "no_match", '{"n": 3}', later)
    [row] = await store.watched()
    assert (row["verdict"], row["result"]) == ("no_match", '{"n": 3}')
    assert await store.tracked(T0 - timedelta(hours=1)) == []
    assert not await store.awaiting_handover(URI)
    # A post never tracked gets no row from a recheck.
    assert not await store.rechecked(URI + "b", "c", "no_match", "{}", later)
    assert [r["uri"] for r in await store.watched()] == [URI]
    # Matching again, it is tracked again (first seen as before).
    assert not await store.watch(URI, "c2", "firehose", "match", '{"n": 4}', later)
    assert [r["uri"] for r in await store.tracked(T0 - timedelta(hours=1))] == [URI]
    store.close()


async def test_a_watched_post_checked_again_keeps_its_latest_verdict(
    checker: Checker, tmp_path: Path
) -> None:
    """The same post seen by a search three times with different words (as when its image is
    read later, or the corpus changes): review, then match, then nothing the corpus knows."""
    clock = [T0]
    store = BlueskyStore(tmp_path / "f.db")
    watcher = Watcher(None, checker, store, None, BlueskyConfig(), lambda: clock[0])  # type: ignore[arg-type]

    async def seen(text: str) -> dict[str, str]:
        clock[0] += timedelta(minutes=1)
        [result] = await watcher.consider(
            [Incoming(URI, "cid", Post("a", text, T0), "did:plc:x")], "search:lecun"
        )
        rows = {r["uri"]: r for r in await store.watched()}
        row = rows[URI]
        assert row["verdict"] == result.verdict  # the latest check, whatever it was
        assert json.loads(row["result"])["verdict"] == result.verdict
        assert row["checked_at"] == clock[0].isoformat()
        return row

    first = await seen(REVIEW_TEXT)
    assert first["verdict"] == "review"
    second = await seen(SEED_TEXT)
    assert second["verdict"] == "match" and second["first_seen"] == first["first_seen"]
    assert await store.awaiting_handover(URI)
    third = await seen("Lovely weather in Paris this morning, nothing to check here.")
    assert third["verdict"] not in TRACKED
    assert not await store.awaiting_handover(URI)
    assert await store.tracked(T0 - timedelta(hours=1)) == []
    store.close()
