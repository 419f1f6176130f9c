"""Images on the local AT Protocol network (marker atproto; run under
`flock /tmp/factbot-atproto.lock`): a post with a quote card and no alt text, its images served
by the local AppView (its `fullsize` URL), read by the real Tesseract and checked by the real
pipeline; a re-upload of the card (re-encoded and cropped) in a quote post with media is
recognised by its perceptual hash, without OCR; a post whose image is hostile is still answered."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from atp_network import DEFAULT_PASSWORD, AtpNetwork, wait_for
from atproto import AsyncClient, client_utils, models
from conftest import DATA, bluesky_config
from images_support import CountingOcr, reupload
from PIL import Image

from bot.bluesky.app import BlueskyBot
from bot.bluesky.calls import utc_now
from bot.config import ImagesConfig
from bot.images.reader import ImageReader
from bot.images.seen import SeenImages
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto

CARD = (
    DATA / "images" / "card-L001.png"
)  # "So the best open source models ... not good." — Yann LeCun


@pytest.fixture
async def bot(
    atp_network: AtpNetwork,
    accounts: dict[str, tuple[str, str]],
    checker: Checker,
    tmp_path: Path,
) -> AsyncIterator[BlueskyBot]:
    config = bluesky_config(atp_network, tmp_path)
    db = tmp_path / "factbot.db"
    # The local AppView's image URLs name a CDN that does not exist: the blobs from the PDS.
    reader = ImageReader(CountingOcr(), SeenImages(db), ImagesConfig(bluesky_source="pds"))
    made = BlueskyBot(config, checker, db, clock=utc_now, images=reader)
    await made.start(accounts["bot"][1], DEFAULT_PASSWORD)
    yield made
    await made.close()


def mention_text(bot_account: tuple[str, str], text: str) -> client_utils.TextBuilder:
    tb = client_utils.TextBuilder()
    tb.mention(f"@{bot_account[1]}", bot_account[0]).text(" ")
    return tb.text(text)


async def answered(bot: BlueskyBot, client: AsyncClient, uri: str) -> list[Any]:
    async def listed() -> bool:
        got = await bot.client.app.bsky.notification.list_notifications(params={"limit": 100})
        return any(n.uri == uri for n in got.notifications)

    await wait_for(listed, timeout=15)
    return await bot.mentions.poll()


async def reply_text(client: AsyncClient, bot_did: str, under: str) -> str:
    async def found() -> str | None:
        thread = await client.app.bsky.feed.get_post_thread({"uri": under, "depth": 20})
        texts, node = [], thread.thread
        while True:
            mine = [r for r in (node.replies or []) if r.post.author.did == bot_did]
            if not mine:
                break
            texts.append(mine[0].post.record.text)
            node = mine[0]
        last = re.search(r"\((\d+)/(\d+)\)\s*$", texts[-1]) if texts else None
        if last is not None and int(last[1]) < int(last[2]):
            return None  # the thread's later posts are not indexed by the AppView yet
        return "\n".join(texts) or None

    return await wait_for(found, timeout=15)


async def test_a_quote_card_without_alt_text_gets_the_right_reply_and_a_reupload_is_known(
    bot: BlueskyBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    ocr = bot.images.reader.ocr  # type: ignore[union-attr]
    viral = await clients["viral"].send_image(
        "Yann LeCun at Davos this week, on open source:", CARD.read_bytes(), image_alt=""
    )
    parent = models.create_strong_ref(viral)
    mention = await clients["user"].send_post(
        mention_text(accounts["bot"], "is this real?"),
        reply_to=models.AppBskyFeedPost.ReplyRef(root=parent, parent=parent),
    )
    [outcome] = await answered(bot, clients["user"], mention.uri)
    assert (outcome.status, outcome.verdict) == ("replied", "match")
    assert ocr.calls == 1
    text = await reply_text(clients["user"], bot.did, mention.uri)
    assert "So the best open source models at the moment in the LLM world are all Chinese" in text
    assert "ai-PULSE" in text and "Station F" in text
    assert "Not said at Davos" in text  # the post's own words were the context
    assert "The words I checked are the image's, as I read them (OCR)." in text

    # A re-upload, cropped and re-encoded, in a post that quotes another post and carries the
    # image (recordWithMedia), and a mention under it: recognised by its hash, not read again.
    unrelated = await clients["fan"].send_post("nice weather in Paris")
    blob = await clients["fan"].upload_blob(reupload(CARD))
    embed = models.AppBskyEmbedRecordWithMedia.Main(
        record=models.AppBskyEmbedRecord.Main(record=models.create_strong_ref(unrelated)),
        media=models.AppBskyEmbedImages.Main(
            images=[models.AppBskyEmbedImages.Image(alt="", image=blob.blob)]
        ),
    )
    again = await clients["fan"].send_post("LeCun said this at Davos!", embed=embed)
    ref = models.create_strong_ref(again)
    asked = await clients["user"].send_post(
        mention_text(accounts["bot"], "and this one?"),
        reply_to=models.AppBskyFeedPost.ReplyRef(root=ref, parent=ref),
    )
    [outcome] = await answered(bot, clients["user"], asked.uri)
    assert (outcome.status, outcome.verdict) == ("replied", "match")
    assert ocr.calls == 1  # no second OCR
    assert bot.images.reader.seen.count() == 1  # type: ignore[union-attr]
    text = await reply_text(clients["user"], bot.did, asked.uri)
    assert "ai-PULSE" in text and "Not said at Davos" in text
    assert "as I read them in a copy of it checked before" in text


async def test_a_hostile_image_is_refused_and_the_post_is_checked_on_its_words(
    bot: BlueskyBot,
    clients: dict[str, AsyncClient],
    accounts: dict[str, tuple[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("WARNING")
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 Mpx in a few kB
    post = await clients["viral"].send_image(
        "Yann LeCun at Davos: 'the best open source models at the moment in the LLM world are "
        "all Chinese'",
        bomb.getvalue(),
        image_alt="",
    )
    quote = await clients["user"].send_post(
        mention_text(accounts["bot"], "true?"),
        embed=models.AppBskyEmbedRecord.Main(record=models.create_strong_ref(post)),
    )
    [outcome] = await answered(bot, clients["user"], quote.uri)
    assert (outcome.status, outcome.verdict) == ("replied", "match")  # on the post's words
    assert bot.images.reader.ocr.calls == 0  # type: ignore[union-attr]
    assert "decompression bomb" in caplog.text and post.uri in caplog.text
