"""Abuse bounds of the Bluesky adapter against the local AT Protocol network, with the real
pipeline and models: accounts that declare themselves bots, mentions under somebody else's
unrelated post, the per-account limit across a restart, the cap on posts per thread, and a
spent write budget that defers the answer instead of sleeping inside the job.

The fixtures and helpers are tests/test_bluesky.py's."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import test_bluesky as tb
from atp_network import wait_for
from atproto import AsyncClient
from test_bluesky import (
    VIRAL,
    MakeBot,
    assert_thread_ok,
    bot_replies,
    mention_seen,
    post,
    replies_settled,
)

from bot.bluesky.calls import Calls, utc_now
from bot.bluesky.client import ensure_bot_label
from bot.bluesky.records import to_post
from bot.bluesky.replies import MORE, cap_thread
from bot.config import BlueskyConfig
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto
make_bot = tb.make_bot  # its fixture, by name (accounts and clients are conftest's)

# Five changes to name: a reply of four posts before the cap.
LONG = (
    "Yann LeCun just said at Davos: 'The best open source AI models right now come from China. "
    "Everybody in the research community is using Chinese models.' and 'We are slowing down "
    "progress in the West because of this.' Also 'Google is more closed every year.'"
)
WEATHER = "lovely weather in Paris today, off to the river"
QUESTION = (
    "did Yann LeCun really say “the best open source models at the moment in the LLM world "
    "are all Chinese” at Davos?"
)


async def test_an_account_with_the_bot_self_label_is_not_answered(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    """The fan's profile declares it a bot (the `bot` self-label): its mention is skipped, so
    two bots never ping-pong; a person's mention in the same round is answered."""
    bot = await make_bot()
    fan = clients["fan"]
    assert await ensure_bot_label(fan, fan.me.did, Calls(BlueskyConfig()))

    async def labelled() -> bool:
        profile = await bot.client.app.bsky.actor.get_profile({"actor": fan.me.did})
        return "bot" in [label.val for label in profile.labels or []]

    await wait_for(labelled, timeout=15)
    from_bot = await post(fan, "is this real? " + VIRAL, accounts["bot"])
    from_person = await post(clients["user"], "is this real? " + VIRAL, accounts["bot"])
    await mention_seen(bot, from_person.uri)
    await mention_seen(bot, from_bot.uri)

    outcomes = {o.uri: o.status for o in await bot.mentions.poll()}
    assert {from_bot.uri: "skipped:bot account", from_person.uri: "replied"} == outcomes
    assert [from_person.uri] == sorted({r["target"] for r in await bot.store.outbox()})


async def test_no_answer_under_someone_elses_unrelated_post(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    """A mention under a third party's post that matches nothing verified gets no reply there
    (by default, [bluesky] unrelated_parent = "silent"); the same under the mentioner's own
    post gets the polite no-match, and a third party's matching post is answered."""
    bot = await make_bot()
    theirs = await post(clients["viral"], WEATHER)
    dragged = await post(clients["user"], "is this real?", accounts["bot"], reply_to=theirs)
    mine = await post(clients["fan"], WEATHER)
    own = await post(clients["fan"], "is this real?", accounts["bot"], reply_to=mine)
    viral = await post(clients["viral"], VIRAL)
    asked = await post(clients["user"], "is this real?", accounts["bot"], reply_to=viral)
    await mention_seen(bot, asked.uri)

    outcomes = {o.uri: (o.status, o.verdict) for o in await bot.mentions.poll()}
    assert {
        dragged.uri: ("skipped:unrelated post", "no_match"),
        own.uri: ("replied", "no_match"),
        asked.uri: ("replied", "match"),
    } == outcomes
    assert sorted([own.uri, asked.uri]) == sorted({r["target"] for r in await bot.store.outbox()})
    assert [] == await bot_replies(clients["viral"], bot.did, dragged.uri)


async def test_own_text_checks_the_mention_under_an_unrelated_post(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    """unrelated_parent = "own_text": under a third party's unrelated post, the mention's own
    words are checked instead, and answered only when they match something verified."""
    bot = await make_bot(unrelated_parent="own_text")
    theirs = await post(clients["viral"], WEATHER)
    quoting = await post(clients["user"], QUESTION, accounts["bot"], reply_to=theirs)
    idle = await post(clients["fan"], "what do you think?", accounts["bot"], reply_to=theirs)
    await mention_seen(bot, idle.uri)
    await mention_seen(bot, quoting.uri)

    outcomes = {o.uri: (o.status, o.verdict) for o in await bot.mentions.poll()}
    assert {
        quoting.uri: ("replied", "match"),
        idle.uri: ("skipped:unrelated post", "no_match"),
    } == outcomes


async def test_a_restart_does_not_forgive_the_per_account_limit(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    """checks_per_hour = 1: the account's first mention is answered; after a restart (a new
    process on the same file) its second gets the notice, not a second answer."""
    bot = await make_bot(checks_per_hour=1)
    first = await post(clients["user"], "is this real? " + VIRAL, accounts["bot"])
    await mention_seen(bot, first.uri)
    assert [(first.uri, "replied")] == [(o.uri, o.status) for o in await bot.mentions.poll()]
    await bot.close()

    restarted = await make_bot(checks_per_hour=1)
    second = await post(clients["user"], "and this? " + VIRAL, accounts["bot"])
    await mention_seen(restarted, second.uri)
    [outcome] = await restarted.mentions.poll()
    assert (second.uri, "limited") == (outcome.uri, outcome.status)
    notice = await replies_settled(clients["user"], restarted.did, second.uri, 1)
    assert "limit of 1 checks an hour" in notice[0].record.text


async def test_a_long_answer_is_cut_to_max_thread_posts(
    make_bot: MakeBot,
    clients: dict[str, AsyncClient],
    accounts: dict[str, tuple[str, str]],
    checker: Checker,
) -> None:
    """A post whose full answer is four posts is cut to at most three (the default
    max_thread_posts), the last ending with "more…", every post within Bluesky's limits:
    exactly the posts cap_thread makes of the pipeline's thread."""
    bot = await make_bot()
    mention = await post(clients["user"], LONG, accounts["bot"])
    await mention_seen(bot, mention.uri)
    [view] = (await bot.client.app.bsky.feed.get_posts({"uris": [mention.uri]})).posts
    full = checker.check(to_post(view)).reply.bluesky  # the post the bot checks
    assert 4 <= len(full)
    expected = [p.text for p in cap_thread(full, 3)]

    [outcome] = await bot.mentions.poll()
    assert ("replied", len(expected)) == (outcome.status, len(outcome.replies))
    chain = await replies_settled(clients["user"], bot.did, mention.uri, len(expected))
    assert expected == [p.record.text for p in chain]
    assert chain[-1].record.text.endswith(f"{MORE} ({len(chain)}/{len(chain)})")
    assert_thread_ok([p.record for p in chain])


async def test_a_spent_write_budget_defers_the_answer_instead_of_sleeping(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    """write_points_per_hour = 9 (three posts): the answer is cut short when the budget is
    spent, the poll returns at once (no hour-long sleep inside the job), the mention stays
    claimed, and an hour later the same mention's thread is finished — no post twice."""
    offset = [timedelta(0)]
    bot = await make_bot(clock=lambda: utc_now() + offset[0], write_points_per_hour=9)
    mention = await post(clients["user"], "is this real? " + VIRAL, accounts["bot"])
    await mention_seen(bot, mention.uri)

    outcomes = await asyncio.wait_for(bot.mentions.poll(), timeout=60)
    assert [(mention.uri, "deferred")] == [(o.uri, o.status) for o in outcomes]
    [row] = await bot.store.mentions()
    assert "claimed" == row["status"]
    sent_before = [r for r in await bot.store.outbox() if r["status"] == "sent"]
    assert sent_before  # part of the thread went out before the budget ran out
    assert [] == await asyncio.wait_for(bot.mentions.poll(), timeout=60)  # still no room

    offset[0] = timedelta(hours=1, minutes=1)
    [outcome] = await asyncio.wait_for(bot.mentions.poll(), timeout=60)
    assert (mention.uri, "replied") == (outcome.uri, outcome.status)
    rows = await bot.store.outbox()
    assert all(r["status"] == "sent" for r in rows) and len(rows) > len(sent_before)
    chain = await replies_settled(clients["user"], bot.did, mention.uri, len(rows))
    assert [r["uri"] for r in sorted(rows, key=lambda r: r["part"])] == [p.uri for p in chain]
    assert 2 <= bot.mentions.deferred
