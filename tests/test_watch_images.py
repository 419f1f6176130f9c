"""Images of watched posts (issue 16), without the AT Protocol network: firehose records
(decoded as the stream decodes them) carrying image blobs, their images served by a real HTTP
server on loopback in the AppView CDN's layout, read by the real Tesseract, remembered in a real
SQLite file and checked by the real pipeline. The pre-filter decides which images are fetched at
all, the OCR rate limit how many are read a minute, and a hostile image is refused."""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from atproto import models
from atproto_client.models.blob_ref import BlobRef, IpldLink
from conftest import DATA
from images_support import CountingOcr, cdn_rendition, reupload
from PIL import Image

from bot.bluesky.firehose import FirehoseWatcher
from bot.bluesky.images import BlueskyImages
from bot.bluesky.store import BlueskyStore
from bot.bluesky.watch import Watcher
from bot.bluesky.watch_images import WatchedImages, record_refs
from bot.config import BlueskyConfig, ImagesConfig
from bot.images.reader import ImageInput, ImageReader
from bot.images.seen import SeenImages
from bot.images.watching import OcrBudget
from bot.pipeline import Checker

IMAGES = DATA / "images"
CARD = IMAGES / "card-L001.png"  # "So the best open source models ... not good." — Yann LeCun
OTHER = IMAGES / "card-L004.png"
CAPTION = "Yann LeCun at Davos this week, on open source:"


def now() -> datetime:
    return datetime(2026, 5, 12, 9, tzinfo=UTC)


def bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 Mpx in a few kB
    return out.getvalue()


@dataclass
class Cdn:
    """The AppView's image CDN on loopback: /img/<preset>/plain/<did>/<cid>@jpeg. With
    `render`, its presets are the real CDN's renditions (JPEG, 1000 px for the thumbnail, 2000
    for the full size); else the blob as it is."""

    url: str = ""
    blobs: dict[str, bytes] = field(default_factory=dict)
    asked: Counter[str] = field(default_factory=Counter)  # cid -> requests
    presets: Counter[str] = field(default_factory=Counter)  # preset -> requests
    render: bool = False


@pytest.fixture
async def cdn() -> AsyncIterator[Cdn]:
    served = Cdn()

    async def image(request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        served.asked[cid] += 1
        preset = request.match_info["preset"]
        served.presets[preset] += 1
        if cid not in served.blobs:
            raise web.HTTPNotFound()
        body = served.blobs[cid]
        if served.render:
            side, quality = (1000, 80) if preset == "feed_thumbnail" else (2000, 90)
            body = cdn_rendition(Image.open(io.BytesIO(body)), side, quality)
        return web.Response(body=body, content_type="image/jpeg")

    app = web.Application()
    app.add_routes([web.get("/img/{preset}/plain/{did}/{cid}@jpeg", image)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    served.url = f"http://127.0.0.1:{port}"
    yield served
    await runner.cleanup()


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Rig:
    hose: FirehoseWatcher
    watched: WatchedImages
    ocr: CountingOcr
    cdn: Cdn
    clock: Clock
    n: int = 0

    def arrive(self, text: str, cid: str, data: bytes | None, alt: str = "", did: str = "") -> str:
        """A post with one image arrives on the stream; its URI."""
        if data is not None:
            self.cdn.blobs[cid] = data
        self.n += 1
        did = did or f"did:plc:author{self.n}"
        blob = BlobRef(mime_type="image/png", size=len(data or b""), ref=IpldLink(link=cid))
        embed = models.AppBskyEmbedImages.Main(
            images=[models.AppBskyEmbedImages.Image(alt=alt, image=blob)]
        )
        record = models.AppBskyFeedPost.Record(
            text=text, created_at="2026-05-12T09:00:00Z", embed=embed
        )
        uri = f"at://{did}/app.bsky.feed.post/p{self.n}"
        self.hose.arrived(uri, f"bafyrecord{self.n}", did, record)
        return uri

    async def tracked(self) -> dict[str, str]:
        await self.hose.flush()
        await self.hose.watcher.idle()  # the OCR the flush deferred, read by its task
        rows = await self.hose.watcher.store.watched()
        return {r["uri"]: r["verdict"] for r in rows}


async def rig(checker: Checker, cdn: Cdn, tmp_path: Path, **images: object) -> AsyncIterator[Rig]:
    db = tmp_path / "factbot.db"
    ocr, clock = CountingOcr(), Clock()
    config = ImagesConfig(cdn_url=cdn.url, **images)  # type: ignore[arg-type]
    fetcher = BlueskyImages(ImageReader(ocr, SeenImages(db), config), "http://127.0.0.1:9")
    watched = WatchedImages(fetcher, lambda: checker.corpus, clock)
    store = BlueskyStore(db)
    watcher = Watcher(None, checker, store, None, BlueskyConfig(), now, images=watched)  # type: ignore[arg-type]
    yield Rig(FirehoseWatcher(watcher, url="ws://127.0.0.1:9"), watched, ocr, cdn, clock)
    await fetcher.close()
    store.close()


@pytest.fixture
async def hose(checker: Checker, cdn: Cdn, tmp_path: Path) -> AsyncIterator[Rig]:
    async for made in rig(checker, cdn, tmp_path, watch_authors=("did:plc:watched",)):
        yield made


def test_a_streamed_record_names_its_images_on_the_cdn() -> None:
    blob = BlobRef(mime_type="image/png", size=1, ref=IpldLink(link="bafkreiabc"))
    media = models.AppBskyEmbedImages.Main(
        images=[models.AppBskyEmbedImages.Image(alt="a card", image=blob)]
    )
    quoted = models.ComAtprotoRepoStrongRef.Main(uri="at://did:plc:q/app.bsky.feed.post/1", cid="x")
    embed = models.AppBskyEmbedRecordWithMedia.Main(
        record=models.AppBskyEmbedRecord.Main(record=quoted), media=media
    )
    record = models.AppBskyFeedPost.Record(text="", created_at="2026-05-12T09:00:00Z", embed=embed)
    [ref] = record_refs("did:plc:me", record, "https://cdn.example/")
    assert ref.url == "https://cdn.example/img/feed_fullsize/plain/did:plc:me/bafkreiabc@jpeg"
    assert ref.thumb == "https://cdn.example/img/feed_thumbnail/plain/did:plc:me/bafkreiabc@jpeg"
    assert ref.alt == "a card"
    # Jetstream gives the record as JSON: the same images.
    again = models.get_or_create(record.model_dump(mode="json", by_alias=True), strict=False)
    assert record_refs("did:plc:me", again, "https://cdn.example") == (ref,)
    bad = BlobRef(mime_type="image/png", size=1, ref=IpldLink(link="../../etc/passwd"))
    hostile = models.AppBskyFeedPost.Record(
        text="",
        created_at="2026-05-12T09:00:00Z",
        embed=models.AppBskyEmbedImages.Main(
            images=[models.AppBskyEmbedImages.Image(alt="", image=bad)]
        ),
    )
    assert record_refs("did:plc:me", hostile, "https://cdn.example") == ()


async def test_only_posts_that_pass_the_prefilter_have_their_images_fetched(
    hose: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    card = CARD.read_bytes()
    named = hose.arrive(CAPTION, "bafkreinamed", card)
    silent = hose.arrive("wow. just wow.", "bafkreisilent", card)
    themed = hose.arrive("wow", "bafkreithemed", card, alt="A man on a stage, open source slide")
    author = hose.arrive("wow", "bafkreiauthor", card, did="did:plc:watched")
    tracked = await hose.tracked()
    # The card was OCR'd once (the named post); the themed and the watched author's posts were
    # fetched and known by their hash; the silent one was never fetched, and not checked on
    # the card's words.
    assert hose.ocr.calls == 1
    assert hose.cdn.asked["bafkreisilent"] == 0
    assert hose.cdn.asked["bafkreithemed"] >= 1 and hose.cdn.asked["bafkreiauthor"] >= 1
    assert tracked.get(named) == "match"
    assert tracked.get(themed) == "match" and tracked.get(author) == "match"
    assert silent not in tracked
    assert hose.watched.counts["skipped:filter"] == 1
    assert hose.watched.counts["seen"] == 2 and hose.watched.counts["ocr"] == 1
    assert "firehose: 1 image(s) not fetched" in caplog.text
    # The flush fetched nothing: it left the three posts to the reading task, which fetched
    # the thumbnails (for the hash), and the full-size image of the one it read by OCR.
    assert hose.watched.counts["deferred"] == 3
    assert hose.cdn.asked["bafkreithemed"] == 1 and hose.cdn.asked["bafkreinamed"] == 2


async def test_alt_text_is_read_even_when_the_prefilter_turns_the_pixels_away(
    hose: Rig,
) -> None:
    alt = (
        "“So the best open source models at the moment in the LLM world are all Chinese.”\n"
        "— Yann LeCun"
    )
    uri = hose.arrive("look at this", "bafkreialt", CARD.read_bytes(), alt=alt)
    tracked = await hose.tracked()
    assert tracked.get(uri) == "match"
    assert hose.ocr.calls == 0 and hose.watched.counts["alt"] == 1


async def test_ocr_is_rationed_per_minute_and_a_known_copy_needs_none(
    checker: Checker, cdn: Cdn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async for r in rig(checker, cdn, tmp_path, watch_ocr_per_minute=1):
        first = r.arrive(CAPTION, "bafkreifirst", CARD.read_bytes())
        second = r.arrive("LeCun on open source models", "bafkreisecond", OTHER.read_bytes())
        tracked = await r.tracked()
        assert r.ocr.calls == 1 and tracked.get(first) == "match"
        assert r.watched.counts["skipped:rate"] == 1
        assert f"image of {second} not read: [images] watch_ocr_per_minute = 1" in caplog.text
        # The budget is spent, but a re-upload of the first card is known by its hash.
        copy = r.arrive("LeCun said this", "bafkreicopy", reupload(CARD))
        assert (await r.tracked()).get(copy) == "match"
        assert r.ocr.calls == 1 and r.watched.counts["seen"] == 1
        # A minute later the window has room again: the second card is read.
        r.clock.t += 61
        again = r.arrive("LeCun on open source models", "bafkreiagain", OTHER.read_bytes())
        await r.tracked()
        assert r.ocr.calls == 2 and r.watched.counts["ocr"] == 2
        assert again  # checked on the card's words (its verdict is the pipeline's business)


def test_the_ocr_budget_is_a_sliding_minute() -> None:
    clock = Clock()
    budget = OcrBudget(2, clock)
    assert budget.take()  # at 1000 s
    clock.t += 30
    assert [budget.take(), budget.take()] == [True, False]  # at 1030 s: two in the minute
    clock.t += 29.9
    assert not budget.take()
    clock.t += 0.1  # 1060 s: the run at 1000 s left the window, the one at 1030 s did not
    assert [budget.take(), budget.take()] == [True, False]
    assert not OcrBudget(0, clock).take()


async def test_a_hostile_image_on_the_watcher_path_is_refused_and_the_batch_goes_on(
    hose: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    words = (
        "Yann LeCun at Davos: 'the best open source models at the moment in the LLM world are "
        "all Chinese'"
    )
    bombed = hose.arrive(words, "bafkreibomb", bomb())
    corrupt = hose.arrive(words, "bafkreicorrupt", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    missing = hose.arrive(words, "bafkreimissing", None)
    fine = hose.arrive(CAPTION, "bafkreifine", CARD.read_bytes())
    tracked = await hose.tracked()
    assert tracked.get(bombed) == "match" and tracked.get(corrupt) == "match"  # on their words
    assert tracked.get(missing) == "match" and tracked.get(fine) == "match"
    assert hose.ocr.calls == 1  # the good card only
    assert hose.watched.counts["refused"] == 3
    assert f"image of {bombed} refused: decompression bomb" in caplog.text
    assert f"image of {corrupt} refused: not a readable image" in caplog.text
    assert "404" in caplog.text
    assert caplog.text.count(bombed) == 1  # once


async def test_stream_posts_waiting_for_their_images_are_bounded(
    checker: Checker,
    cdn: Cdn,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.bluesky.watch as watch

    monkeypatch.setattr(watch, "MAX_DEFERRED", 2)
    caplog.set_level(logging.INFO)
    async for r in rig(checker, cdn, tmp_path, watch_ocr_per_minute=0):
        for i in range(3):
            r.arrive(CAPTION, f"bafkreiwait{i}", CARD.read_bytes())
        await r.tracked()
        assert r.watched.counts["deferred"] == 3
        assert "firehose: 1 post(s) checked without their images read: 2 already" in caplog.text
        assert sum(r.cdn.asked.values()) == 2  # the third was never fetched
        assert r.ocr.calls == 0 and r.watched.counts["skipped:rate"] == 2  # 0 a minute: none


def phone_sized(path: Path) -> bytes:
    """A card drawn at a phone screenshot's size: the CDN's full size and thumbnail differ."""
    img = Image.open(path).convert("RGB")
    big = img.resize((img.width * 12 // 5, img.height * 12 // 5), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    big.save(out, "PNG")
    return out.getvalue()


async def test_a_card_read_for_a_mention_is_known_by_a_watcher_from_its_thumbnail(
    hose: Rig,
) -> None:
    """A mention hashes the full-size image, a watcher the CDN's thumbnail: both must find
    the same card (card-L088-crop's two renditions were 58 bits apart with the first hash)."""
    hose.cdn.render = True
    card = (IMAGES / "card-L088-crop.png").read_bytes()
    mention = "at://did:plc:someone/app.bsky.feed.post/mention"
    got = hose.watched.reader.read(ImageInput(card), mention)  # what a mention reads
    assert got is not None and got.source == "ocr" and hose.ocr.calls == 1
    hose.arrive("Yann LeCun, on open source", "bafkreithumb", card)
    await hose.tracked()
    assert hose.cdn.presets == Counter({"feed_thumbnail": 1})  # the thumbnail, and no more
    assert hose.watched.counts["seen"] == 1 and hose.ocr.calls == 1


async def test_a_card_a_watcher_read_is_known_by_a_mention_from_its_full_size(
    hose: Rig,
) -> None:
    """The other way: the watcher hashed the thumbnail and read the full size by OCR; a
    mention then fetches the CDN's full size (2000 px) and knows it without OCR."""
    hose.cdn.render = True
    card = phone_sized(IMAGES / "card-L088-noise.jpg")
    hose.arrive("Yann LeCun, on open source", "bafkreifull", card)
    await hose.tracked()
    assert hose.ocr.calls == 1 and hose.watched.counts["ocr"] == 1
    full = cdn_rendition(Image.open(io.BytesIO(card)), 2000, 90)
    mention = "at://did:plc:someone/app.bsky.feed.post/mention"
    got = hose.watched.reader.read(ImageInput(full), mention)
    assert got is not None and got.source == "seen" and hose.ocr.calls == 1
