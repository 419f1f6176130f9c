"""The default one-post reply on the local AT Protocol network: a mention of the seed post is
answered with exactly one post, within Bluesky's limits, whose link facet (as the AppView
returns the record) points at the check's page on its label's bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from atp_network import DEFAULT_PASSWORD, AtpNetwork
from conftest import PAGES_BASE, bluesky_config
from test_bluesky import assert_thread_ok, bot_replies, mention_seen, post, replies_settled

from bot.bluesky.app import BlueskyBot
from bot.pages.record import page_url
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto

# The seed (factories.SEED_TEXT) is longer than a Bluesky post; its first 250 characters cut the
# quote mid-word and score `review`. This is its claim as a post can carry it: the venue moved
# to Davos, the quote reworded, and an invented second sentence.
SEED_MENTION = (
    "Yann LeCun just said this at Davos: 'The best open source AI models right now come from "
    "China. Everybody in the research community is using Chinese models.'"
)


@pytest.fixture
async def one_post_bot(
    atp_network: AtpNetwork,
    accounts: dict[str, tuple[str, str]],
    one_post_checker: Checker,
    tmp_path: Path,
) -> AsyncIterator[BlueskyBot]:
    config = bluesky_config(atp_network, tmp_path)
    bot = BlueskyBot(config, one_post_checker, tmp_path / "factbot.db", None)
    await bot.start(accounts["bot"][1], DEFAULT_PASSWORD)
    yield bot
    await bot.close()


async def test_a_mention_of_the_seed_gets_one_post_linking_its_page(
    one_post_bot: BlueskyBot,
    clients: dict[str, Any],
    accounts: dict[str, tuple[str, str]],
) -> None:
    bot = one_post_bot
    mention = await post(clients["user"], SEED_MENTION, accounts["bot"])
    await mention_seen(bot, mention.uri)
    outcomes = {o.uri: o for o in await bot.mentions.poll()}
    assert ("replied", "match") == (outcomes[mention.uri].status, outcomes[mention.uri].verdict)
    (reply,) = await replies_settled(clients["user"], bot.did, mention.uri, 1)
    await asyncio.sleep(1.0)  # nothing more arrives under it
    assert 1 == len(await bot_replies(clients["user"], bot.did, mention.uri))
    record = reply.record
    assert_thread_ok([record])
    assert record.text.startswith("Fact check: Yann LeCun said something close at ai-PULSE 2025")
    (facet,) = record.facets
    (feature,) = facet.features
    assert page_url(PAGES_BASE, mention.uri) == feature.uri
    label = record.text.encode()[facet.index.byte_start : facet.index.byte_end].decode()
    assert "factbot.example.org/…" == label
