"""Mentions answered from the stream event's own record, on the local AT Protocol network with
the real pipeline, from the firehose (where a post's threadgate comes in the same commit) and
from Jetstream (tests/jetstream_relay.py: one event a record, the gate read from the
repository): a mention the AppView has not indexed (a transport in front of the real
AppView hides it from every `getPosts`, as an AppView that lags behind the stream would) is
answered from the stream with no poll, and the bot never asks the AppView for it; the
etiquette the AppView's view used to tell still holds on this path: a top-level mention whose
own threadgate (written in the same commit, as the Bluesky app writes it) allows nobody gets no
reply, one whose gate lets mentioned accounts in does; a mention in a thread whose root allows
nobody gets no reply; an author who blocks the bot gets none; a mention under a post is checked
for that post's text."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from atp_network import wait_for
from atproto import AsyncClient, models
from jetstream_relay import JetstreamRelay
from mention_support import (
    StreamCase,
    mention,
    mention_under,
    running_stream,
    serving,
)
from runtime_support import MATCHING, UNRELATED

from bot.bluesky.app import BlueskyBot
from bot.bluesky.records import tid, to_post
from bot.bluesky.replies import cap_thread
from bot.config import BlueskyConfig
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto
HIDDEN = "not indexed yet"  # posts whose text says so are hidden from the bot's getPosts
THREADGATE = "app.bsky.feed.threadgate"


@dataclass
class LaggingAppView(httpx.AsyncBaseTransport):
    """Forwards to the real servers; drops from every `getPosts` answer the posts whose text
    holds HIDDEN, and records the URIs each `getPosts` asked for."""

    asked: Counter[str] = field(default_factory=Counter)
    hidden: int = 0

    def __post_init__(self) -> None:
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._real.handle_async_request(request)
        if not request.url.path.endswith("/app.bsky.feed.getPosts"):
            return response
        for uri in request.url.params.get_list("uris"):
            self.asked[uri] += 1
        body = json.loads(await response.aread())
        kept = [p for p in body.get("posts", []) if HIDDEN not in p["record"].get("text", "")]
        self.hidden += len(body.get("posts", [])) - len(kept)
        body["posts"] = kept
        return httpx.Response(response.status_code, json=body, request=request)


async def gated_mention(
    client: AsyncClient, bot: tuple[str, str], text: str, allow: list[Any]
) -> str:
    """A top-level mention and its threadgate in one commit (applyWrites, as the app does)."""
    tb = mention(bot, text)
    rkey = tid(text)
    did = client.me.did
    now = client.get_current_time_iso()
    post = models.AppBskyFeedPost.Record(
        text=tb.build_text(), facets=tb.build_facets(), created_at=now
    )
    gate = models.AppBskyFeedThreadgate.Record(
        post=f"at://{did}/app.bsky.feed.post/{rkey}", allow=allow, created_at=now
    )
    writes = [
        models.ComAtprotoRepoApplyWrites.Create(
            collection="app.bsky.feed.post", rkey=rkey, value=post
        ),
        models.ComAtprotoRepoApplyWrites.Create(collection=THREADGATE, rkey=rkey, value=gate),
    ]
    await client.com.atproto.repo.apply_writes(
        models.ComAtprotoRepoApplyWrites.Data(repo=did, writes=writes)
    )
    return f"at://{did}/app.bsky.feed.post/{rkey}"


@pytest.mark.parametrize("source", ["firehose", "jetstream"])
async def test_a_mention_is_answered_from_the_event_before_the_appview_has_it(
    source: str, stream_case: StreamCase
) -> None:
    me, users = stream_case.me, stream_case.users
    blocker = users[1]
    # The blocker blocks the bot (long before it mentions it: the AppView knows).
    await blocker.app.bsky.graph.block.create(
        blocker.me.did,
        models.AppBskyGraphBlock.Record(subject=me[0], created_at=blocker.get_current_time_iso()),
    )
    lagging = LaggingAppView()
    relay = JetstreamRelay(stream_case.network.firehose_url) if source == "jetstream" else None
    async with serving(relay):
        config = stream_case.config(jetstream_url=relay.url if relay is not None else "")
        async with stream_case.bot(config, transport=lagging) as bot:
            await _ask_and_check(bot, lagging, users, me, stream_case.checker, config)


async def _ask_and_check(
    bot: BlueskyBot,
    lagging: LaggingAppView,
    users: list[AsyncClient],
    me: tuple[str, str],
    checker: Checker,
    config: BlueskyConfig,
) -> None:
    """The mentions of the test above, asked and their outcomes checked, with the bot started."""
    fan, blocker, asker, closer = users

    async def blocked_seen() -> bool:
        got = await bot.client.app.bsky.actor.get_profile({"actor": blocker.me.did})
        return bool(got.viewer and got.viewer.blocked_by)

    await wait_for(blocked_seen, timeout=30, interval=0.2)
    # A thread whose root allows no replies, written (and indexed) before anyone asks in it.
    root = await closer.send_post(MATCHING[0])
    await closer.com.atproto.repo.create_record(
        models.ComAtprotoRepoCreateRecord.Data(
            repo=closer.me.did,
            collection=THREADGATE,
            rkey=root.uri.rsplit("/", 1)[-1],
            record=models.AppBskyFeedThreadgate.Record(
                post=root.uri, allow=[], created_at=closer.get_current_time_iso()
            ),
        )
    )
    # A matching post by the asker, indexed, that a mention will ask about.
    claim = await asker.send_post(MATCHING[1])
    for uri in (root.uri, claim.uri):
        await wait_for(
            lambda u=uri: _shown(asker, u), timeout=30, interval=0.2
        )  # the AppView has them

    async with running_stream(bot, fan):
        unindexed = (await fan.send_post(mention(me, f"{MATCHING[2]} ({HIDDEN})"))).uri
        nobody = await gated_mention(fan, me, f"{MATCHING[0]} (closed)", allow=[])
        mentioned = await gated_mention(
            asker,
            me,
            f"{UNRELATED[0]} (open to mentioned)",
            allow=[models.AppBskyFeedThreadgate.MentionRule()],
        )
        blocked = (await blocker.send_post(mention(me, MATCHING[1]))).uri
        in_closed = await mention_under(asker, me, "is this real?", root)
        under = await mention_under(fan, me, "is this true?", claim)
        uris = [unindexed, nobody, mentioned, blocked, in_closed, under]

        async def settled() -> bool:
            rows = {r["uri"]: r["status"] for r in await bot.store.mentions()}
            return all(rows.get(u, "claimed") != "claimed" for u in uris)

        await wait_for(settled, timeout=90, interval=0.2)
        assert 0 == await bot.mention_stream.close(30)
        rows = {r["uri"]: r["status"] for r in await bot.store.mentions()}
        assert {
            unindexed: "replied",
            nobody: "skipped:replies disabled",
            mentioned: "replied",
            blocked: "skipped:blocked",
            in_closed: "skipped:replies disabled",
            under: "replied",
        } == {u: rows[u] for u in uris}
        assert (6, 6, 0) == (
            bot.mention_stream.offered,
            bot.mention_stream.answered,
            bot.mention_stream.left,
        )
        # Answered with no poll, and the AppView was never asked for the mentions themselves.
        assert not any(lagging.asked[u] for u in uris)
        # ... which, as the bot sees it, still does not show the first one.
        assert [] == (await bot.client.app.bsky.feed.get_posts({"uris": [unindexed]})).posts
        assert 1 == lagging.hidden
        outbox = await bot.store.outbox()
        outbox_first = {r["target"]: r["uri"] for r in outbox if r["part"] == 1}
        assert {unindexed, mentioned, under} == {r["target"] for r in outbox}
        # Each reply is the one the pipeline composes for what was asked about: the mention's
        # own text (read from the event), or the post it answers.
        shown = await asker.app.bsky.feed.get_posts({"uris": [unindexed, claim.uri]})
        views = {p.uri: p for p in shown.posts}
        got: dict[str, str] = {}

        async def replies_shown() -> bool:  # the AppView indexes the replies in its own time
            replies = await asker.app.bsky.feed.get_posts(
                {"uris": [outbox_first[u] for u in (unindexed, under)]}
            )
            got.update({p.record.reply.parent.uri: p.record.text for p in replies.posts})
            return len(got) == 2

        await wait_for(replies_shown, timeout=30, interval=0.2)
        for uri, asked in ((unindexed, unindexed), (under, claim.uri)):
            result = checker.check(to_post(views[asked]))
            assert result.verdict not in ("no_match", "review")
            assert got[uri] == cap_thread(result.reply.bluesky, config.max_thread_posts)[0].text
        # The poll, run now, finds everything answered.
        assert [] == [o for o in await bot.mentions.poll() if o.status != "duplicate"]


async def _shown(client: AsyncClient, uri: str) -> bool:
    return bool((await client.app.bsky.feed.get_posts({"uris": [uri]})).posts)
