"""Mentions answered from the event stream, with the notifications poll as the backstop, on the
local AT Protocol network with the real pipeline: the stream answers mentions without any poll;
when the stream's connection is cut mid-run (a loopback proxy in front of the PDS, kept
refusing), the poll answers what the stream missed; when the stream comes back it replays the
missed commits from its cursor, and none of them is answered twice. The same through Jetstream
(tests/jetstream_relay.py), resumed from its time cursor."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from atp_network import PORTS, wait_for
from atproto import AsyncClient
from faults import StreamProxy
from jetstream_relay import JetstreamRelay
from mention_support import StreamCase, running_stream, serving
from reply_audit import audit, bot_posts
from runtime_support import expected_replies, mention_texts, post_mentions

from bot.bluesky.app import BlueskyBot
from bot.bluesky.jetstream import JetstreamWatcher
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto


async def statuses(bot: BlueskyBot, uris: list[str]) -> dict[str, str]:
    rows = {r["uri"]: r["status"] for r in await bot.store.mentions()}
    return {u: rows[u] for u in uris if u in rows}


async def replied(bot: BlueskyBot, uris: list[str]) -> bool:
    got = await statuses(bot, uris)
    return len(got) == len(uris) and set(got.values()) == {"replied"}


async def final_audit(client: AsyncClient, checker: Checker, uris: list[str], bot_did: str) -> Any:
    """Each mention's reply thread as the AppView shows it, against the one the pipeline
    composes for it."""
    saved_posts = await bot_posts(client, bot_did)
    expected: dict[str, int] | None = await expected_replies(client, checker, uris)
    assert expected is not None
    return audit(expected, saved_posts)


async def test_a_dropped_stream_loses_no_mention_and_answers_none_twice(
    stream_case: StreamCase,
) -> None:
    me, users, checker = stream_case.me, stream_case.users, stream_case.checker
    proxy = StreamProxy(PORTS["pds"])
    texts = mention_texts(9)
    async with serving(proxy):
        # The firehose (watching) stays off: the stream is read for mentions only.
        config = stream_case.config(firehose_url=proxy.url, notifications_limit=100)
        async with (
            stream_case.bot(config) as bot,
            running_stream(bot, users[0]) as stream,
        ):
            # 1. The stream alone answers: no poll has run.
            first = [p.uri for p in await post_mentions(users, me, texts[:3])]
            await wait_for(lambda: replied(bot, first), timeout=60, interval=0.2)
            assert (3, 3, 0) == (bot.mention_stream.offered, bot.mention_stream.answered, 0)
            assert stream.posts_seen == 0 and await bot.store.watched() == []  # mentions only

            # 2. The connection is cut and refused: the stream cannot see these three.
            proxy.down = True
            assert 1 == await proxy.drop()
            second = [p.uri for p in await post_mentions(users, me, texts[3:6])]
            by_poll: dict[str, str] = {}

            async def polled() -> bool:  # the backstop: what the scheduler's mentions job does
                by_poll.update({o.uri: o.status for o in await bot.mentions.poll()})
                return all(by_poll.get(u) == "replied" for u in second)

            await wait_for(polled, timeout=60, interval=0.5)
            assert not set(first) & set(by_poll)  # answered by the stream: the poll skips them
            assert 3 == bot.mention_stream.offered  # the stream saw none of the second three
            # The client tries to come back (after its own back-off) and is refused.
            await wait_for(lambda: _true(proxy.refused >= 1), timeout=60, interval=0.2)

            # 3. Back up: the client reconnects from its cursor and replays the missed commits;
            # each missed mention is offered again and found answered. New mentions are
            # answered by the stream again.
            proxy.down = False
            await wait_for(lambda: _true(bot.mention_stream.offered >= 6), timeout=90, interval=0.2)
            third = [p.uri for p in await post_mentions(users, me, texts[6:])]
            await wait_for(lambda: replied(bot, third), timeout=60, interval=0.2)
            assert 0 == await bot.mention_stream.close(30)
            assert (9, 6) == (bot.mention_stream.offered, bot.mention_stream.answered)
            assert [] == [o for o in await bot.mentions.poll() if o.status != "duplicate"]
            uris = first + second + third
            assert {"replied"} == set((await statuses(bot, uris)).values())

    final = await final_audit(users[0], checker, uris, me[0])
    assert (9, 9, 0, 0) == (final.mentions, final.answered, final.duplicates, final.misses)


async def _true(value: bool) -> bool:
    return value


async def test_jetstream_mentions_resume_from_the_time_cursor_after_a_drop(
    stream_case: StreamCase,
) -> None:
    """The stream read from Jetstream (a loopback Jetstream fed by the network's firehose):
    only posts are asked for; a mention is answered from it; after a drop the bot comes back
    from its time cursor (5 s before the last event), so the mentions made while it was away
    are answered from the replay with no poll, and the replayed ones answered before are not
    answered again."""
    me, users, checker = stream_case.me, stream_case.users, stream_case.checker
    relay = JetstreamRelay(stream_case.network.firehose_url)
    texts = mention_texts(4)
    async with serving(relay):
        config = stream_case.config(jetstream_url=relay.url)
        async with (
            stream_case.bot(config) as bot,
            running_stream(bot, users[0]) as stream,  # the relay and the bot at the live tail
        ):
            assert isinstance(stream, JetstreamWatcher)
            first = [p.uri for p in await post_mentions(users, me, texts[:2])]
            await wait_for(lambda: replied(bot, first), timeout=60, interval=0.2)
            assert relay.requests[0]["wantedCollections"] == ["app.bsky.feed.post"]

            relay.down = True
            assert 1 == await relay.drop()
            second = [p.uri for p in await post_mentions(users, me, texts[2:])]
            await asyncio.sleep(1.0)  # refused at least once: the bot backs off and retries
            relay.down = False
            await wait_for(lambda: replied(bot, second), timeout=60, interval=0.2)
            assert 0 == await bot.mention_stream.close(30)
            assert stream.connections >= 2 and relay.refused >= 1
            cursor = int(relay.requests[-1]["cursor"][0])
            assert cursor < max(e["time_us"] for e in relay.events)  # resumed from before the drop
            assert 4 == bot.mention_stream.answered  # the stream answered all four; no poll ran
            assert [] == [o for o in await bot.mentions.poll() if o.status != "duplicate"]
            uris = first + second
    final = await final_audit(users[0], checker, uris, me[0])
    assert (4, 4, 0, 0) == (final.mentions, final.answered, final.duplicates, final.misses)
