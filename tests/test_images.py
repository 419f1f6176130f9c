"""Text from images (bot/images): the card splitter, bounded decoding (decompression bombs,
corrupt and huge files), the perceptual-hash memory in a real SQLite file, the reader with the
real Tesseract on the generated test set (tests/data/images), bounded fetching from a real HTTP
server on loopback, and `factbot check --image`. No network beyond loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from conftest import DATA
from PIL import Image

from bot.cli import main
from bot.config import ImagesConfig
from bot.domain import Post
from bot.images.card import checked_text, split_text, with_images
from bot.images.decode import ImageRefused, hash_distance, open_image, perceptual_hash
from bot.images.fetch import fetch_image
from bot.images.ocr import Tesseract
from bot.images.reader import ImageInput, ImageReader
from bot.images.seen import SeenImages
from bot.pipeline import Checker

IMAGES = DATA / "images"
LABELS = {
    (obj := json.loads(line))["file"]: obj
    for line in (IMAGES / "labels.jsonl").read_text("utf-8").splitlines()
    if line.strip()
}


@pytest.fixture(scope="module")
def ocr() -> Tesseract:
    return Tesseract()


def reader(ocr: Tesseract | None, tmp_path: Path, **kw: object) -> ImageReader:
    return ImageReader(ocr, SeenImages(tmp_path / "factbot.db"), ImagesConfig(**kw))  # type: ignore[arg-type]


# --- the card splitter (pure) --------------------------------------------------------------------


def test_a_card_is_split_into_its_quote_and_the_dash_attribution() -> None:
    text = (
        "“So the best open source models at the\nmoment in the LLM world are all Chinese.\n"
        "And it's not good.”\n— Yann LeCun\n"
    )
    got = split_text(text, "ocr")
    assert got.layout == "card"
    assert got.attribution == "Yann LeCun"
    assert got.quote == (
        "So the best open source models at the moment in the LLM world are all Chinese. "
        "And it's not good."
    )


def test_a_last_short_line_is_the_attribution_and_hyphenated_words_are_joined() -> None:
    got = split_text("We are slowing down pro-\ngress in the West.\nYann LeCun, Davos 2026", "alt")
    assert (got.quote, got.attribution) == (
        "We are slowing down progress in the West.",
        "Yann LeCun, Davos 2026",
    )


def test_chinese_lines_are_joined_without_spaces() -> None:
    got = split_text(
        "“目前 LLM 领域最好的开源模型\n全都是中国的。这并不是好事。”\n— 杨立昆 Yann LeCun", "ocr"
    )
    assert got.quote == "目前 LLM 领域最好的开源模型全都是中国的。这并不是好事。"
    assert got.attribution == "杨立昆 Yann LeCun"


def test_a_screenshot_keeps_the_post_text_as_written() -> None:
    text = (
        "Tech Insider\n@techinsider.bsky.social · May 12\nLeCun at Davos: 'The best open\n"
        "source AI models come from China.'\n◯ 12 ◯ 1.2K"
    )
    got = split_text(text, "ocr")
    assert got.layout == "screenshot" and got.attribution == "Tech Insider"
    assert got.quote == "LeCun at Davos: 'The best open source AI models come from China.'"
    assert checked_text("", [got]) == got.quote


def test_text_with_no_quote_gives_no_quote_and_the_post_is_unchanged() -> None:
    post = Post("p", "look at this")
    got = split_text("Happy Monday!", "ocr")
    assert got.quote == "" and got.layout == "none"
    assert with_images(post, [got]) is post


def test_the_checked_text_puts_the_post_words_above_the_attributed_quote() -> None:
    card = split_text("“The future of AI is open source.”\n— Yann LeCun", "ocr")
    post = with_images(Post("p", "He said this at Davos"), [card])
    assert post.text == "He said this at Davos\nYann LeCun: “The future of AI is open source.”"
    assert post.image == card


# --- decoding within bounds ----------------------------------------------------------------------


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares `width` x `height` pixels: a decompression bomb's header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    with pytest.raises(ImageRefused, match="decompression bomb"):
        open_image(png_header_only(100_000, 100_000), max_pixels=40_000_000)


def test_corrupt_truncated_empty_and_non_image_files_are_refused() -> None:
    good = (IMAGES / "card-L001.png").read_bytes()
    for data, why in [
        (b"", "empty"),
        (good[:200], "not a readable image"),
        (b"%PDF-1.4 not an image", "not a readable image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a readable image"),
    ]:
        with pytest.raises(ImageRefused, match=why):
            open_image(data, 40_000_000)
    assert open_image(good, 40_000_000).mode == "RGB"


def test_the_reader_logs_a_refused_image_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    r = reader(None, tmp_path, max_bytes=50_000)
    caplog.set_level(logging.WARNING)
    big = (IMAGES / "card-L001.png").read_bytes() + b"\0" * 50_000
    inputs = [
        ImageInput(png_header_only(60_000, 60_000)),
        ImageInput(big),
        ImageInput(b"garbage"),
    ]
    assert r.read_all(inputs, "post-1") == []
    lines = [rec.getMessage() for rec in caplog.records]
    assert any("decompression bomb" in line and "post-1" in line for line in lines)
    assert any("max_bytes" in line for line in lines)
    assert any("not a readable image" in line for line in lines)


# --- near-duplicates -----------------------------------------------------------------------------


def test_copies_of_a_card_hash_close_and_other_cards_far() -> None:
    def h(name: str) -> str:
        return perceptual_hash(open_image((IMAGES / name).read_bytes(), 40_000_000))

    base = h("card-L001.png")
    copies = [
        f for f, lab in LABELS.items() if lab["group"] == "card-L001" and f != "card-L001.png"
    ]
    assert copies
    for copy in copies:
        assert hash_distance(base, h(copy)) <= ImagesConfig().hash_distance, copy
    for other in ("card-L002.png", "card-L077.png", "shot-SEED.png", "none-1.png"):
        assert hash_distance(base, h(other)) > ImagesConfig().hash_distance, other


# --- the reader: alt text, OCR, then a copy recognised without OCR -------------------------------


class CountingOcr:
    def __init__(self, inner: Tesseract) -> None:
        self.inner, self.calls, self.name = inner, 0, "counting"

    def read(self, img: Image.Image) -> str:
        self.calls += 1
        return self.inner.read(img)


def test_ocr_reads_a_card_then_a_reupload_is_recognised_by_its_hash(
    ocr: Tesseract, tmp_path: Path
) -> None:
    counting = CountingOcr(ocr)
    r = ImageReader(counting, SeenImages(tmp_path / "f.db"), ImagesConfig())
    first = r.read(ImageInput((IMAGES / "card-L001.png").read_bytes()), "post-a")
    assert first is not None and first.source == "ocr" and counting.calls == 1
    assert first.attribution == "Yann LeCun"
    assert "open source models at the moment" in first.quote
    copy = next(
        f for f, lab in LABELS.items() if lab["group"] == "card-L001" and "+" in lab["kind"]
    )
    again = r.read(ImageInput((IMAGES / copy).read_bytes()), "post-b")
    assert again is not None and again.source == "seen" and counting.calls == 1
    assert again.quote == first.quote
    assert SeenImages(tmp_path / "f.db").count() == 1  # what was read once is kept once
    other = r.read(ImageInput((IMAGES / "card-L077.png").read_bytes()), "post-c")
    assert other is not None and other.source == "ocr" and counting.calls == 2


def test_alt_text_with_a_quote_is_used_without_ocr(ocr: Tesseract, tmp_path: Path) -> None:
    counting = CountingOcr(ocr)
    r = ImageReader(counting, SeenImages(tmp_path / "f.db"), ImagesConfig())
    alt = "“We are slowing down progress in the West because of this.” — Yann LeCun"
    got = r.read(ImageInput((IMAGES / "card-L002.png").read_bytes(), alt), "p")
    assert got is not None and got.source == "alt" and counting.calls == 0
    assert got.quote.startswith("We are slowing down progress")


def test_alt_text_that_describes_the_picture_does_not_stand_in_for_ocr(
    ocr: Tesseract, tmp_path: Path
) -> None:
    counting = CountingOcr(ocr)
    r = ImageReader(counting, SeenImages(tmp_path / "f.db"), ImagesConfig())
    alt = "A card with white text on a dark background and a red line"
    got = r.read(ImageInput((IMAGES / "card-L001.png").read_bytes(), alt), "p")
    assert got is not None and got.source == "ocr" and counting.calls == 1
    assert "open source models at the moment" in got.quote
    # With nothing to read in the pixels, the description is what there is.
    blank = r.read(ImageInput((IMAGES / "none-1.png").read_bytes(), alt), "q")
    assert blank is not None and blank.source == "alt" and blank.quote.startswith("A card")


# --- fetching within bounds from a real HTTP server on loopback ----------------------------------


@pytest.fixture
async def server() -> AsyncIterator[str]:
    card = (IMAGES / "card-L001.png").read_bytes()

    async def ok(request: web.Request) -> web.Response:
        return web.Response(body=card, content_type="image/png")

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(10_000):
            await response.write(b"\0" * 65536)
        return response

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(body=card)

    app = web.Application()
    app.add_routes([web.get("/ok", ok), web.get("/endless", endless), web.get("/slow", slow)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_fetch_is_bounded_in_size_and_time(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with httpx.AsyncClient() as client:
        got = await fetch_image(client, f"{server}/ok", 1_000_000, 5)
        assert got == (IMAGES / "card-L001.png").read_bytes()
        assert await fetch_image(client, f"{server}/endless", 1_000_000, 30) is None
        assert await fetch_image(client, f"{server}/slow", 1_000_000, 0.3) is None
        assert await fetch_image(client, f"{server}/missing", 1_000_000, 5) is None
    text = caplog.text
    assert "more than 1000000 bytes" in text and "not fetched within" in text and "404" in text


# --- the CLI -------------------------------------------------------------------------------------


def test_check_image_json_says_the_words_came_from_the_image(
    checker: Checker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "f.db"}"\n')
    code = main(
        [
            "--config",
            str(config),
            "check",
            "--image",
            str(IMAGES / "card-L001.png"),
            "--created-at",
            "2025-12-04T15:20:00Z",
            "--json",
            "LeCun at ai-PULSE in Paris this morning",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["verdict"] == "match" and out["match"]["event"] == "ai-PULSE 2025"
    assert out["image"]["source"] == "ocr" and out["image"]["attribution"] == "Yann LeCun"
    assert any("image" in p for p in out["reply"]["bluesky"])
    assert "the image" in out["reply"]["telegram"]


def test_check_image_with_no_quote_and_no_text_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--no-store", "--image", str(IMAGES / "none-1.png")])
    assert code == 2
    assert "no quote found in the image" in capsys.readouterr().err


# --- which images a Bluesky post view shows ------------------------------------------------------


def test_image_refs_reads_images_record_with_media_and_the_quoted_post() -> None:
    from atproto import models

    from bot.bluesky.images import blob_url, image_refs

    def images(*names: str) -> models.AppBskyEmbedImages.View:
        return models.AppBskyEmbedImages.View(
            images=[
                models.AppBskyEmbedImages.ViewImage(
                    alt=f"alt {n}", fullsize=f"https://cdn.example/{n}", thumb=f"https://t/{n}"
                )
                for n in names
            ]
        )

    author = models.AppBskyActorDefs.ProfileViewBasic(did="did:plc:abc", handle="a.test")

    def quoted(embeds: list[object]) -> models.AppBskyEmbedRecord.View:
        record = models.AppBskyEmbedRecord.ViewRecord(
            author=author,
            cid="bafyq",
            indexed_at="2026-05-12T09:00:00Z",
            uri="at://did:plc:abc/app.bsky.feed.post/q",
            value={"$type": "app.bsky.feed.post", "text": "", "createdAt": "2026-05-12T09:00Z"},
            embeds=embeds,
        )
        return models.AppBskyEmbedRecord.View(record=record)

    class View:
        def __init__(self, embed: object) -> None:
            self.embed = embed

    assert image_refs(View(images("a", "b"))) == [
        ("https://cdn.example/a", "alt a"),
        ("https://cdn.example/b", "alt b"),
    ]
    with_media = models.AppBskyEmbedRecordWithMedia.View(
        media=images("m"), record=quoted([images("q")])
    )
    assert [u for u, _ in image_refs(View(with_media))] == [
        "https://cdn.example/m",
        "https://cdn.example/q",
    ]
    # A quote of a post that quotes a post with images: only one level is followed.
    deep = quoted([quoted([images("deep")]), images("q2")])
    assert [u for u, _ in image_refs(View(deep))] == ["https://cdn.example/q2"]
    assert image_refs(View(None)) == []
    url = "https://cdn.example/img/feed_fullsize/plain/did:plc:abc/bafkreiabcdefghijklmnopqrst@jpeg"
    assert blob_url("http://127.0.0.1:2583/", url) == (
        "http://127.0.0.1:2583/xrpc/com.atproto.sync.getBlob"
        "?did=did%3Aplc%3Aabc&cid=bafkreiabcdefghijklmnopqrst"
    )
    assert blob_url("http://pds", "https://cdn.example/a") is None


def test_retention_prunes_images_seen_before_keep_days(tmp_path: Path) -> None:
    import sqlite3
    from datetime import UTC, datetime

    from bot.retention import prune

    seen = SeenImages(tmp_path / "f.db")
    seen.add("00" * 32, "ocr", "old card", "old")
    seen.add("ff" * 32, "ocr", "new card", "new")
    conn = sqlite3.connect(tmp_path / "f.db")
    with conn:
        conn.execute(
            "UPDATE image_seen SET seen_at = '2020-01-01T00:00:00+00:00' WHERE post_id = 'old'"
        )
    now = datetime.now(UTC)
    assert prune(conn, now, keep_days=30)["image_seen"] == 1
    conn.close()
    assert seen.count() == 1 and seen.near("ff" * 32, 0) is not None


def test_ocr_preparation_never_blows_a_thin_strip_up(ocr: Tesseract) -> None:
    """A 1 x 5,000 px image (40 Mpx allowed) scaled to 1,200 px wide would be 7 GB of pixels."""
    from bot.images.ocr import MAX_PIXELS, prepare

    for size in [(1, 5000), (50, 5000), (3000, 2)]:
        out = prepare(Image.new("RGB", size, (255, 255, 255)))
        assert out.width * out.height <= max(MAX_PIXELS, size[0] * size[1]) * 1.01
        assert ocr.read(Image.new("RGB", size, (255, 255, 255))).strip() == ""
    assert prepare(Image.new("RGB", (600, 400), (255, 255, 255))).size == (1200, 800)
