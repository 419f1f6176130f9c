"""Watched posts' images on the local AT Protocol network (marker atproto; run under
`flock /tmp/factbot-atproto.lock`): a quote card posted with no alt text is seen on the firehose,
read by the real Tesseract, checked by the real pipeline and tracked; when it goes viral the
channel and the labeler get it with the card's verdict, saying the words came from the image.
A search finds a card whose post names nobody (a search is a low-volume source: its images are
always read)."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from atp_network import DEFAULT_PASSWORD, AtpNetwork, wait_for
from atproto import AsyncClient
from conftest import DATA, bluesky_config
from images_support import CountingOcr

from bot.bluesky.app import BlueskyBot
from bot.bluesky.calls import utc_now
from bot.config import ImagesConfig
from bot.domain import CheckResult, Post
from bot.images.reader import ImageReader
from bot.images.seen import SeenImages
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto

CARD = DATA / "images" / "card-L001.png"  # "So the best open source models ..." — Yann LeCun
FROM_OCR = "The words I checked are the image's, as I read them (OCR)."


class Recorder:
    """The channel (a publisher) and the labeler (`Labelling`): what each was handed."""

    def __init__(self) -> None:
        self.handed: list[tuple[CheckResult, str]] = []
        self.labelled: list[tuple[CheckResult, str, str]] = []

    async def hand_over(self, result: CheckResult, target: str = "channel") -> None:
        self.handed.append((result, target))

    async def checked(self, result: CheckResult, uri: str, cid: str, why: str) -> None:
        self.labelled.append((result, uri, why))


@pytest.fixture
async def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def bot(
    atp_network: AtpNetwork,
    accounts: dict[str, tuple[str, str]],
    checker: Checker,
    recorder: Recorder,
    tmp_path: Path,
) -> AsyncIterator[BlueskyBot]:
    config = bluesky_config(
        atp_network, tmp_path, viral_likes=2, firehose=True, search_queries=("overheard",)
    )
    db = tmp_path / "factbot.db"
    # The local AppView names a CDN that does not exist: the blobs from the PDS.
    reader = ImageReader(CountingOcr(), SeenImages(db), ImagesConfig(bluesky_source="pds"))
    made = BlueskyBot(config, checker, db, recorder, clock=utc_now, images=reader, labels=recorder)
    await made.start(accounts["bot"][1], DEFAULT_PASSWORD)
    yield made
    await made.close()


async def test_a_watched_quote_card_goes_viral_with_the_cards_verdict(
    bot: BlueskyBot, clients: dict[str, AsyncClient], recorder: Recorder
) -> None:
    ocr = bot.images.reader.ocr  # type: ignore[union-attr]
    firehose = bot.stream()
    task = asyncio.create_task(firehose.run())

    async def flowing() -> bool:
        await clients["fan"].send_post("warming up")
        return firehose.seq is not None

    await wait_for(flowing, timeout=30, interval=0.5)
    card = await clients["viral"].send_image(
        "Yann LeCun at Davos this week, on open source:", CARD.read_bytes(), image_alt=""
    )

    async def tracked() -> dict[str, Any] | None:
        await firehose.flush()  # what the scheduler's firehose job does
        return {r["uri"]: r for r in await bot.store.watched()}.get(card.uri)

    row = await wait_for(tracked, timeout=60)
    await firehose.stop()
    await task
    assert row["verdict"] == "match"  # the words were the card's: the caption alone is not
    caption = bot.checker.check_many(
        [Post("caption", "Yann LeCun at Davos this week, on open source:")]
    )
    assert caption[0].verdict != "match"
    assert ocr.calls == 1

    for who in ("user", "fan"):
        await clients[who].like(card.uri, card.cid)

    async def liked() -> bool:
        got = await clients["user"].app.bsky.feed.get_posts({"uris": [card.uri]})
        return bool(got.posts[0].like_count == 2)

    await wait_for(liked, timeout=15)
    assert await bot.watcher.refresh_once() == 1
    [(result, target)] = recorder.handed
    assert (result.post.id, result.verdict, target) == (card.uri, "match", "channel")
    assert result.post.image is not None and result.post.image.source == "ocr"
    assert "So the best open source models" in result.post.text
    card_text = html.unescape(result.reply.telegram)
    assert FROM_OCR in card_text and "ai-PULSE" in card_text
    assert [(r.verdict, uri, why) for r, uri, why in recorder.labelled] == [
        ("match", card.uri, "viral")
    ]
    assert ocr.calls == 1  # the viral recheck found the image it had read, by its hash
    assert await bot.store.outbox() == []  # watching never replies


async def test_a_search_reads_the_card_of_a_post_that_names_nobody(
    bot: BlueskyBot, clients: dict[str, AsyncClient]
) -> None:
    card = await clients["viral"].send_image(
        "overheard this week, wow", CARD.read_bytes(), image_alt=""
    )

    async def found() -> dict[str, Any] | None:
        await bot.watcher.search_once()
        return {r["uri"]: r for r in await bot.store.watched()}.get(card.uri)

    row = await wait_for(found, timeout=30)
    assert row["verdict"] == "match" and row["source"] == "search:overheard"
    assert bot.images.reader.ocr.calls == 1  # type: ignore[union-attr]
