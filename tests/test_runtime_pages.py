"""The live bot serves the check pages: `factbot run` with Telegram (the local Bot API
emulator), a /check of the seed post, then its page, the index and the feed from the bot's own
HTTP server (the one with /healthz), the page needing no token while /healthz does; the
Telegram answer links the page. A review (a borderline match) links the page it will have, which
answers 404 until an operator approves it in the operators' chat: then the channel card links
it and the page, the index and the feed list it; a rejected review never gets one."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from conftest import PAGES_BASE
from factories import SEED_TEXT, make_post
from runtime_support import free_port, running
from telegram_emulator import CHANNEL, REVIEW_CHAT, BotApiEmulator

from bot.config import Config, OpsConfig, ScheduleConfig, StoreConfig, TelegramConfig
from bot.models.vectors import Embedder
from bot.pages.record import page_id, page_url
from bot.runtime.service import Credentials, Runtime

pytestmark = [pytest.mark.telegram, pytest.mark.filterwarnings("ignore:.*retry_after.*")]
USER, OPERATOR = 7001, 42
REVIEWED = "LeCun: 'Anthropic never was.'"  # a real borderline case (labelled L089)


def pages_runtime(
    cfg: Config, emulator: BotApiEmulator, tmp_path: Path, embedders: dict[str, Embedder]
) -> Runtime:
    """`factbot run` with Telegram (the emulator) and the ops server (the pages)."""
    cfg = dataclasses.replace(
        cfg,
        store=StoreConfig(tmp_path / "factbot.db"),
        telegram=TelegramConfig(
            channel=CHANNEL, review_chat=str(REVIEW_CHAT), operators=(OPERATOR,),
            base_url=emulator.base_url,
        ),
        schedule=ScheduleConfig(corpus_seconds=3600, outbox_seconds=0.5),
        ops=OpsConfig(port=free_port()),
    )  # fmt: skip
    creds = Credentials(telegram=emulator.token, ops_token="s3cret")  # noqa: S106
    return Runtime(cfg, creds, embedders=embedders)


@pytest.fixture
async def runtime(
    emulator: BotApiEmulator,
    one_post_config: Config,
    embedders: dict[str, Embedder],
    tmp_path: Path,
) -> AsyncIterator[Runtime]:
    """The running bot, stopped (exit 0) after the test."""
    async with running(pages_runtime(one_post_config, emulator, tmp_path, embedders)) as bot:
        yield bot


def audited(db: Path, *post_ids: str) -> list[str]:
    """The verdicts of the audit rows of `post_ids` written so far (read-only)."""
    with contextlib.closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as c:
        marks = ", ".join("?" for _ in post_ids)
        sql = f"SELECT verdict FROM checks WHERE post_id IN ({marks})"  # noqa: S608 - marks only
        return [r[0] for r in c.execute(sql, post_ids)]


async def status_of(http: httpx.AsyncClient, path: str, want: int) -> httpx.Response:
    """GET `path` until it answers `want` (the audit row is written off the loop): the last
    answer, whatever it is."""
    for _ in range(100):
        response = await http.get(path)
        if response.status_code == want:
            break
        await asyncio.sleep(0.1)
    return response


async def test_live_bot_serves_the_page_of_a_check(
    emulator: BotApiEmulator, runtime: Runtime
) -> None:
    emulator.push_text(USER, "/check " + SEED_TEXT)
    await emulator.wait_for(lambda: bool(emulator.sent("sendMessage", chat_id=USER)))
    (answer,) = emulator.sent("sendMessage", chat_id=USER)
    links = [p for p in answer["text"].split('"') if p.startswith(PAGES_BASE)]
    assert 1 == len(links)
    pid = links[0].removeprefix(f"{PAGES_BASE}/checks/").removesuffix(".html")
    async with httpx.AsyncClient(base_url=runtime.url) as http:
        page = await status_of(http, f"/checks/{pid}.html", 200)
        assert 200 == page.status_code
        assert "Not recent" not in page.text  # the page words it its own way
        assert "The post places it at “Davos”" in page.text
        assert '"@type": "ClaimReview"' in page.text
        index = await http.get("/checks/")
        assert f'href="{pid}.html"' in index.text
        assert 200 == (await http.get("/checks/feed.atom")).status_code
        assert 401 == (await http.get("/healthz")).status_code


async def test_an_approved_review_gets_its_page(emulator: BotApiEmulator, runtime: Runtime) -> None:
    assert runtime.live is not None and runtime.outlet is not None
    approved_id = "at://did:plc:viral/app.bsky.feed.post/3kapproved"
    rejected_id = "at://did:plc:viral/app.bsky.feed.post/3krejected"
    approved, rejected = [
        await asyncio.to_thread(runtime.live.check, make_post(REVIEWED, id=i))
        for i in (approved_id, rejected_id)
    ]
    assert ["review", "review"] == [approved.verdict, rejected.verdict]
    url = page_url(PAGES_BASE, approved_id)
    path = f"/checks/{page_id(approved_id)}.html"
    # the reply that would be published links the page: on Bluesky and on Telegram
    assert [url] == [link.uri for link in approved.reply.bluesky[0].links if "/checks/" in link.uri]
    assert f'href="{url}"' in approved.reply.telegram
    async with httpx.AsyncClient(base_url=runtime.url) as http:
        db = runtime.config.store.path
        await emulator.wait_for(lambda: 2 == len(audited(db, approved_id, rejected_id)))
        assert 404 == (await http.get(path)).status_code  # recorded, not yet approved
        assert page_id(approved_id) not in (await http.get("/checks/")).text

        for result in (approved, rejected):  # what a watcher does with a viral review
            await runtime.outlet.hand_over(result)
        reviews = emulator.sent("sendMessage", chat_id=REVIEW_CHAT)
        assert 2 == len(reviews)
        assert f'href="{url}"' in reviews[0]["text"]  # the operators see where it goes
        for message, button in zip(reviews, ("approve", "reject"), strict=True):
            row = message["reply_markup"]["inline_keyboard"][0]
            (press,) = [b["callback_data"] for b in row if button in b["callback_data"]]
            emulator.push_press(OPERATOR, REVIEW_CHAT, _message_id(emulator, press), press)
        await emulator.wait_for(lambda: 2 == len(emulator.sent("editMessageText")))

        (card,) = emulator.sent("sendMessage", chat_id=CHANNEL)
        assert f'href="{url}"' in card["text"]
        page = await status_of(http, path, 200)
        assert 200 == page.status_code
        assert "approved by an operator on" in page.text
        assert '"@type": "ClaimReview"' in page.text
        # said at the top of the page and in the ClaimReview, not only in the check's facts
        assert (
            'id="reviewed">The automatic check found a borderline match; an operator' in page.text
        )
        script = page.text.split('<script type="application/ld+json">')[1].split("</script>")[0]
        explained = json.loads(script)["reviewRating"]["ratingExplanation"]
        assert "reviewed it and approved it on" in explained
        assert f'href="{page_id(approved_id)}.html"' in (await http.get("/checks/")).text
        assert url in (await http.get("/checks/feed.atom")).text
        # the rejected review: never a page, in no list
        rejected_path = f"/checks/{page_id(rejected_id)}.html"
        assert 404 == (await http.get(rejected_path)).status_code
        assert page_id(rejected_id) not in (await http.get("/checks/")).text
        assert page_id(rejected_id) not in (await http.get("/checks/feed.atom")).text


def _message_id(emulator: BotApiEmulator, data: str) -> int:
    """The id of the review chat's message carrying the button `data`."""
    (found,) = [
        m
        for (chat, m), message in emulator.messages.items()
        if chat == REVIEW_CHAT
        and any(
            b["callback_data"] == data
            for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
        )
    ]
    return found
