"""The Bluesky adapter against a real local AT Protocol network (PLC, PDS, AppView started by
the test suite; see tests/atp_network.py), with the real pipeline and models.

Every AppView read after a write is polled (`wait_for`): the AppView indexes asynchronously."""

from __future__ import annotations

import asyncio
import itertools
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from atp_network import DEFAULT_PASSWORD, AtpNetwork, wait_for
from atproto import AsyncClient, client_utils, models
from conftest import bluesky_config
from faults import Fault, FaultTransport

from bot.bluesky.app import BlueskyBot
from bot.bluesky.calls import utc_now
from bot.bluesky.client import SessionInUse
from bot.bluesky.replies import cap_thread, outbox_key
from bot.compose import graphemes
from bot.domain import CheckResult, Post
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto

MakeBot = Callable[..., Awaitable[BlueskyBot]]

# The SPEC's seed post is longer than one Bluesky post (300 graphemes): its first half.
VIRAL = (
    "Yann LeCun just said something at Davos that nobody is talking about: 'The best open "
    "source AI models right now come from China. Everybody in the research community is using "
    "Chinese models.'"
)


class Recorder:
    """A publisher that records what it is handed (the Telegram outlet's place)."""

    def __init__(self) -> None:
        self.handed: list[tuple[CheckResult, str]] = []

    async def hand_over(self, result: CheckResult, target: str = "channel") -> None:
        self.handed.append((result, target))


@pytest.fixture
async def make_bot(
    atp_network: AtpNetwork,
    accounts: dict[str, tuple[str, str]],
    checker: Checker,
    tmp_path: Path,
) -> AsyncIterator[MakeBot]:
    made: list[BlueskyBot] = []

    async def make(**kwargs: Any) -> BlueskyBot:
        transport = kwargs.pop("transport", None)
        publisher = kwargs.pop("publisher", None)
        clock = kwargs.pop("clock", utc_now)
        config = bluesky_config(atp_network, tmp_path, cursor_save_seconds=0.5, **kwargs)
        bot = BlueskyBot(config, checker, tmp_path / "factbot.db", publisher, transport, clock)
        await bot.start(accounts["bot"][1], DEFAULT_PASSWORD)
        made.append(bot)
        return bot

    yield make
    for bot in made:
        await bot.close()


async def post(
    client: AsyncClient,
    text: str,
    mention: tuple[str, str] | None = None,
    reply_to: Any = None,
    quote: Any = None,
) -> Any:
    """Post `text` (after "@handle " with a mention facet when `mention` is given); `reply_to`
    and `quote` are posts (uri, cid) to reply to (in their thread) or to quote."""
    tb = client_utils.TextBuilder()
    if mention:
        tb.mention(f"@{mention[1]}", mention[0]).text(" ")
    tb.text(text)
    reply = None
    if reply_to is not None:
        parent = models.create_strong_ref(reply_to)
        root = parent
        got = await client.app.bsky.feed.get_posts({"uris": [reply_to.uri]})
        if got.posts and got.posts[0].record.reply:
            root = got.posts[0].record.reply.root
        reply = models.AppBskyFeedPost.ReplyRef(root=root, parent=parent)
    embed = None
    if quote is not None:
        embed = models.AppBskyEmbedRecord.Main(record=models.create_strong_ref(quote))
    return await client.send_post(tb, reply_to=reply, embed=embed)


async def mention_seen(bot: BlueskyBot, uri: str) -> None:
    async def listed() -> bool:
        got = await bot.client.app.bsky.notification.list_notifications(params={"limit": 100})
        return any(n.uri == uri for n in got.notifications)

    await wait_for(listed, timeout=15)


async def bot_replies(client: AsyncClient, bot_did: str, under: str) -> list[Any]:
    """The bot's posts in the thread below `under`, following the chain (each one's reply)."""
    thread = await client.app.bsky.feed.get_post_thread({"uri": under, "depth": 20})
    chain, node = [], thread.thread
    while True:
        mine = [r for r in (node.replies or []) if r.post.author.did == bot_did]
        if not mine:
            return chain
        assert len(mine) == 1, f"{len(mine)} bot replies under {node.post.uri}"
        chain.append(mine[0].post)
        node = mine[0]


async def replies_settled(client: AsyncClient, bot_did: str, under: str, n: int) -> list[Any]:
    async def enough() -> list[Any] | None:
        got = await bot_replies(client, bot_did, under)
        return got if len(got) >= n else None

    return await wait_for(enough, timeout=15)


def assert_thread_ok(records: list[Any]) -> None:
    """Every post within Bluesky's limits; every link facet on real bytes of its own post."""
    links = 0
    for record in records:
        data = record.text.encode()
        assert graphemes(record.text) <= 300 and len(data) <= 3000
        for facet in record.facets or []:
            start, end = facet.index.byte_start, facet.index.byte_end
            assert 0 <= start < end <= len(data)
            label = data[start:end].decode()  # a facet never splits a character
            [feature] = facet.features
            assert feature.uri.startswith("https://") and label.strip()
            links += 1
    assert links >= 1


# --- scenarios --------------------------------------------------------------------------------


async def test_reply_under_a_viral_post_is_answered_once_in_its_thread(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    bot = await make_bot()
    viral = await post(clients["viral"], VIRAL)
    mention = await post(clients["user"], "is this real?", accounts["bot"], reply_to=viral)
    await mention_seen(bot, mention.uri)

    outcomes = await bot.mentions.poll()
    assert [(o.uri, o.status, o.verdict) for o in outcomes] == [(mention.uri, "replied", "match")]
    sent = outcomes[0].replies
    assert len(sent) > 1  # the seed's reply is long: a thread

    chain = await replies_settled(clients["user"], bot.did, mention.uri, len(sent))
    assert [p.uri for p in chain] == list(sent)
    assert chain[0].record.reply.parent.uri == mention.uri
    for before, after in itertools.pairwise(chain):
        assert after.record.reply.parent.uri == before.uri  # the parent advances
    assert {p.record.reply.root.uri for p in chain} == {viral.uri}  # the root stays
    text = "\n".join(p.record.text for p in chain)
    assert "ai-PULSE" in text and "Station F" in text and "4 Dec 2025" in text
    assert "Davos" in text  # what the post changed
    assert_thread_ok([p.record for p in chain])

    # The same notification again, listed or handled directly: no second reply.
    assert await bot.mentions.poll() == []
    notes = await bot.client.app.bsky.notification.list_notifications(params={"limit": 100})
    note = next(n for n in notes.notifications if n.uri == mention.uri)
    assert (await bot.mentions.handle(note)).status == "duplicate"
    assert len(await bot_replies(clients["user"], bot.did, mention.uri)) == len(sent)


async def test_mention_on_a_quote_post_checks_the_quoted_post(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    bot = await make_bot()
    viral = await post(clients["viral"], VIRAL)
    quote = await post(clients["user"], "is this real?", accounts["bot"], quote=viral)
    await mention_seen(bot, quote.uri)

    [outcome] = await bot.mentions.poll()
    assert (outcome.status, outcome.verdict) == ("replied", "match")
    rows = {r["uri"]: r for r in await bot.store.mentions()}
    assert rows[quote.uri]["status"] == "replied"
    chain = await replies_settled(clients["user"], bot.did, quote.uri, len(outcome.replies))
    assert chain[0].record.reply.root.uri == quote.uri  # the quote post starts its own thread
    assert chain[0].record.reply.parent.uri == quote.uri
    assert "ai-PULSE" in "\n".join(p.record.text for p in chain)


async def test_top_level_mention_checks_its_own_text(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    bot = await make_bot()
    text = (
        "is it true that Yann LeCun said “the best open source models at the moment in the "
        "LLM world are all Chinese” at Davos?"
    )
    mention = await post(clients["user"], text, accounts["bot"])
    other = await post(clients["fan"], "what is the weather like in Paris today?", accounts["bot"])
    await mention_seen(bot, other.uri)

    outcomes = {o.uri: o for o in await bot.mentions.poll()}
    assert (outcomes[mention.uri].status, outcomes[mention.uri].verdict) == ("replied", "match")
    assert (outcomes[other.uri].status, outcomes[other.uri].verdict) == ("replied", "no_match")
    chain = await replies_settled(clients["user"], bot.did, mention.uri, 1)
    assert chain[0].record.reply.root.uri == mention.uri
    polite = await replies_settled(clients["fan"], bot.did, other.uri, 1)
    assert "could not find this in my verified sources" in polite[0].record.text


async def test_no_match_can_be_left_unanswered_and_review_goes_to_operators(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    recorder = Recorder()
    bot = await make_bot(answer_no_match=False, publisher=recorder)
    unrelated = await post(clients["user"], "what is the weather like today?", accounts["bot"])
    short = await post(clients["fan"], "LeCun: 'Anthropic never was.'", accounts["bot"])
    await mention_seen(bot, short.uri)
    await mention_seen(bot, unrelated.uri)

    outcomes = {o.uri: o for o in await bot.mentions.poll()}
    assert outcomes[unrelated.uri].status == "skipped:no match"
    assert (outcomes[short.uri].status, outcomes[short.uri].verdict) == ("review", "review")
    assert [(r.verdict, target) for r, target in recorder.handed] == [("review", short.uri)]
    assert await bot.store.outbox() == []  # nothing was published on Bluesky


class Broken(Recorder):
    """A publisher that is down: every hand-over raises."""

    async def hand_over(self, result: CheckResult, target: str = "channel") -> None:
        await super().hand_over(result, target)
        raise RuntimeError("the review chat is unreachable")


async def test_a_mention_that_keeps_failing_is_given_up_after_max_attempts(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    broken = Broken()
    bot = await make_bot(publisher=broken, max_attempts=2)
    short = await post(clients["fan"], "LeCun: 'Anthropic never was.'", accounts["bot"])
    await mention_seen(bot, short.uri)

    assert ["failed"] == [o.status for o in await bot.mentions.poll()]  # retried next round
    assert "claimed" == (await bot.store.mentions())[0]["status"]
    assert ["failed"] == [o.status for o in await bot.mentions.poll()]  # the second: given up
    (row,) = await bot.store.mentions()
    assert ("failed", 2) == (row["status"], row["failures"])
    later = await post(clients["user"], VIRAL, accounts["bot"])
    await mention_seen(bot, later.uri)
    outcomes = await bot.mentions.poll()
    assert [(later.uri, "replied")] == [(o.uri, o.status) for o in outcomes]  # not the given-up
    assert 2 == len(broken.handed)
    assert 2 == bot.mentions.failures


async def test_a_new_deployment_does_not_answer_an_old_backlog(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    """First poll ever: mentions older than backlog_hours are skipped (here the bot's clock is
    two days ahead, so today's mention is old to it); after that, new mentions are answered."""
    bot = await make_bot(clock=lambda: utc_now() + timedelta(days=2), backlog_hours=24.0)
    old = await post(clients["fan"], VIRAL, accounts["bot"])
    await mention_seen(bot, old.uri)
    outcomes = await bot.mentions.poll()
    assert [(old.uri, "skipped:before the first start")] == [(o.uri, o.status) for o in outcomes]
    new = await post(clients["user"], VIRAL, accounts["bot"])
    await mention_seen(bot, new.uri)
    outcomes = await bot.mentions.poll()
    assert [(new.uri, "replied")] == [(o.uri, o.status) for o in outcomes]
    assert [new.uri] == sorted({r["target"] for r in await bot.store.outbox()})


async def test_skips_own_posts_blocked_authors_and_closed_threads(
    make_bot: MakeBot,
    clients: dict[str, AsyncClient],
    accounts: dict[str, tuple[str, str]],
    atp_network: AtpNetwork,
) -> None:
    bot = await make_bot()
    bot_did = accounts["bot"][0]
    # The fan blocks the bot, then mentions it.
    await clients["fan"].app.bsky.graph.block.create(
        clients["fan"].me.did,
        models.AppBskyGraphBlock.Record(
            subject=bot_did, created_at=clients["fan"].get_current_time_iso()
        ),
    )
    blocked = await post(clients["fan"], "is this real? " + VIRAL, accounts["bot"])
    # The user closes replies on a thread (a threadgate that allows nobody), then asks in it.
    root = await post(clients["user"], VIRAL)
    rkey = root.uri.rsplit("/", 1)[-1]
    await clients["user"].com.atproto.repo.create_record(
        models.ComAtprotoRepoCreateRecord.Data(
            repo=clients["user"].me.did,
            collection="app.bsky.feed.threadgate",
            rkey=rkey,
            record=models.AppBskyFeedThreadgate.Record(
                post=root.uri, allow=[], created_at=clients["user"].get_current_time_iso()
            ),
        )
    )
    closed = await post(clients["user"], "is this real?", accounts["bot"], reply_to=root)
    # The bot mentions itself.
    own = await bot.client.send_post(
        client_utils.TextBuilder().mention(f"@{accounts['bot'][1]}", bot_did).text(" test")
    )
    await mention_seen(bot, closed.uri)

    outcomes = {o.uri: o.status for o in await bot.mentions.poll()}
    assert outcomes.get(closed.uri) == "skipped:replies disabled"
    # A blocking author's mention never reaches the bot, or is skipped: either way, no reply.
    assert outcomes.get(blocked.uri) in (None, "skipped:blocked")
    assert outcomes.get(own.uri) in (None, "skipped:own post")
    assert await bot.store.outbox() == []


async def test_per_user_limit_gives_one_polite_notice(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    bot = await make_bot(checks_per_hour=1)
    uris = []
    for i in range(3):
        m = await post(clients["user"], f"is this real? ({i}) " + VIRAL, accounts["bot"])
        uris.append(m.uri)
    await mention_seen(bot, uris[-1])

    outcomes = {o.uri: o for o in await bot.mentions.poll()}
    assert [outcomes[u].status for u in uris] == ["replied", "limited", "limited"]
    notice = await replies_settled(clients["user"], bot.did, uris[1], 1)
    assert "limit of 1 checks an hour" in notice[0].record.text
    assert outcomes[uris[2]].replies == ()  # told once, then silent


async def test_restart_mid_run_resumes_without_duplicates_or_misses(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    # The first run answers one mention, then loses the connection right after the PDS wrote
    # the first post of the second reply (so its outbox row is still pending), and stops.
    first = await post(clients["user"], "is this real? " + VIRAL, accounts["bot"])
    second = await post(clients["fan"], "real? " + VIRAL, accounts["bot"])
    lost = FaultTransport()
    bot = await make_bot(transport=lost, max_retries=0)
    await mention_seen(bot, second.uri)
    notes = await bot.client.app.bsky.notification.list_notifications(params={"limit": 100})
    first_text = next(n.record.text for n in notes.notifications if n.uri == first.uri)
    thread = bot.checker.check(Post("x", first_text)).reply.bluesky
    first_parts = len(cap_thread(thread, bot.mentions.config.max_thread_posts))  # as sent
    lost.faults.append(Fault("com.atproto.repo.createRecord", "lost", times=1, after=first_parts))
    outcomes = {o.uri: o.status for o in await bot.mentions.poll()}
    assert outcomes == {first.uri: "replied", second.uri: "failed"}
    pending = [r for r in await bot.store.outbox() if r["status"] == "pending"]
    assert [r["key"] for r in pending] == [outbox_key(second.uri, 1)]
    await bot.close()

    # A third mention arrives while the bot is down.
    third = await post(clients["user"], "and this one? " + VIRAL, accounts["bot"])
    restarted = await make_bot()
    assert restarted.session.logins == 0  # the saved session was reused
    await mention_seen(restarted, third.uri)
    outcomes = {o.uri: o.status for o in await restarted.mentions.poll()}
    assert outcomes == {second.uri: "replied", third.uri: "replied"}  # none missed, none twice

    for m, who in ((first, "user"), (second, "fan"), (third, "user")):
        rows = [r for r in await restarted.store.outbox() if r["target"] == m.uri]
        chain = await replies_settled(clients[who], restarted.did, m.uri, len(rows))
        assert len(chain) == len(rows)  # bot_replies also asserts one bot reply per level
        assert all(r["status"] == "sent" for r in rows)


async def test_rate_limit_is_waited_out_and_5xx_and_timeouts_are_retried(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    faults = FaultTransport()
    bot = await make_bot(transport=faults)
    mention = await post(clients["user"], "is this real? " + VIRAL, accounts["bot"])
    await mention_seen(bot, mention.uri)
    faults.faults += [
        Fault("app.bsky.notification.listNotifications", "429", reset_in=2.0),
        Fault("app.bsky.feed.getPosts", "503"),
        Fault("com.atproto.repo.createRecord", "timeout"),
        Fault("com.atproto.repo.createRecord", "lost"),
    ]
    loop = asyncio.get_running_loop()
    started = loop.time()
    [outcome] = await bot.mentions.poll()
    waited = loop.time() - started
    assert outcome.status == "replied"
    assert sum(faults.injected.values()) == 4
    assert bot.calls.counts["rate_limited"] == 1 and bot.calls.counts["retried"] == 3
    assert waited >= 1.0  # the 429's reset was honoured (reset_in 2 s, whole seconds)
    chain = await replies_settled(clients["user"], bot.did, mention.uri, len(outcome.replies))
    assert [p.uri for p in chain] == list(outcome.replies)  # the lost write was not repeated


async def test_session_is_saved_private_labelled_bot_and_never_shared(
    make_bot: MakeBot, accounts: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    bot = await make_bot()
    saved = tmp_path / "bluesky.session"
    assert saved.read_text().startswith(accounts["bot"][1] + ":::")
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    record = await bot.client.com.atproto.repo.get_record(
        {"repo": bot.did, "collection": "app.bsky.actor.profile", "rkey": "self"}
    )
    assert [v.val for v in record.value.labels.values] == ["bot"]

    async def shown() -> bool:
        profile = await bot.client.app.bsky.actor.get_profile({"actor": bot.did})
        return "bot" in [label.val for label in profile.labels or []]

    await wait_for(shown, timeout=15)  # the AppView shows the self-label on the profile
    with pytest.raises(SessionInUse):
        await make_bot()


async def test_watched_post_that_goes_viral_is_handed_over_once(
    make_bot: MakeBot, clients: dict[str, AsyncClient], accounts: dict[str, tuple[str, str]]
) -> None:
    recorder = Recorder()
    bot = await make_bot(publisher=recorder, viral_likes=2, firehose=True)
    # A subscriber without a saved cursor starts at the live tail: connect first (a warm-up
    # post shows the stream is flowing), then post.
    firehose = bot.firehose()
    task = asyncio.create_task(firehose.run())

    async def flowing() -> bool:
        await post(clients["fan"], "warming up")
        return firehose.seq is not None

    await wait_for(flowing, timeout=30, interval=0.5)
    viral = await post(clients["viral"], VIRAL)
    weather = await post(clients["fan"], "lovely weather in Paris today")

    async def tracked() -> bool:
        await firehose.flush()  # what the scheduler's firehose job does
        return any(r["uri"] == viral.uri for r in await bot.store.watched())

    await wait_for(tracked, timeout=30)
    await firehose.stop()
    await task
    saved = await bot.store.get_state("firehose.cursor")
    assert saved is not None and int(saved) > 0
    watched = [r["uri"] for r in await bot.store.watched()]
    assert viral.uri in watched and weather.uri not in watched
    assert not [u for u in watched if bot.did in u]  # its own replies quote the corpus: skipped

    assert await bot.watcher.refresh_once() == 0  # no likes yet
    for who in ("user", "fan"):
        await clients[who].like(viral.uri, viral.cid)

    async def liked() -> bool:
        got = await clients["user"].app.bsky.feed.get_posts({"uris": [viral.uri]})
        return bool(got.posts[0].like_count == 2)

    await wait_for(liked, timeout=15)
    assert await bot.watcher.refresh_once() == 1
    assert await bot.watcher.refresh_once() == 0
    assert [(r.post.id, r.verdict, t) for r, t in recorder.handed] == [
        (viral.uri, "match", "channel")
    ]
    assert await bot.store.outbox() == []  # watching never replies

    # Restart: resumes from the saved cursor; a post made while down is seen, none twice.
    later = await post(clients["viral"], "Repost: " + VIRAL)
    again = bot.firehose()
    task = asyncio.create_task(again.run())

    async def caught_up() -> bool:
        await again.flush()
        return any(r["uri"] == later.uri for r in await bot.store.watched())

    await wait_for(caught_up, timeout=30)
    await again.stop()
    await task
    assert again.posts_seen == 1  # only the post made while down: no replay from the start
    after = [r["uri"] for r in await bot.store.watched()]
    assert sorted(after) == sorted({*watched, later.uri})  # nothing tracked twice


async def test_search_query_tracks_matching_posts(
    make_bot: MakeBot, clients: dict[str, AsyncClient]
) -> None:
    bot = await make_bot(search_queries=("Chinese",))
    viral = await post(clients["viral"], VIRAL)

    async def found() -> dict[str, Any] | None:
        await bot.watcher.search_once()
        rows = {r["uri"]: r for r in await bot.store.watched()}
        return rows.get(viral.uri)

    row = await wait_for(found, timeout=15)
    rows = {viral.uri: row}
    assert rows[viral.uri]["verdict"] == "match"
    assert rows[viral.uri]["source"] == "search:Chinese"
