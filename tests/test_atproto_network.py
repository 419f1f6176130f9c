"""The real atproto SDK (0.0.73) against the local AT Protocol network the suite starts
(`atp_network.py`: PLC + PDS + bsky AppView from `@atproto/dev-env` 0.6.7): what the Bluesky
adapter relies on, proved end to end. Every test makes its own accounts.

Every AppView read after a write is polled (`wait_for`): the AppView indexes the PDS's firehose
asynchronously (here within tens to hundreds of milliseconds).

Measured here: the AppView shows a write 0.05–1 s after the PDS accepted it (notifications,
threads, counts, search); a new account is indexed (getProfile answers) 0.5–1.3 s after
createAccount.

What this network does differently from production, or cannot tell us:
- searchPosts is the dev dataplane's substring match over post text, case-sensitive:
  `Zebra` and `ebrafis` find "Zebrafish", `zebrafish` does not; several words match only as one
  contiguous substring, a quoted phrase finds nothing; `hitsTotal` and `cursor` are None.
  Production's search service tokenises, folds case and ranks: search with a distinctive
  lower-case word here, and do not test ranking, languages or `sort` against this network.
- `seenAt`/`isRead` before the account ever called updateSeen: listNotifications reported
  `seenAt` = the newest notification's time and `isRead=True` for older ones while
  getUnreadCount still counted them all. After updateSeen both agree (see the test).
- Handles: `.test` only, never checked against DNS or `/.well-known`; the PDS refuses common
  words as reserved (`bot.test`, `user.test`, `reader.test` → 400 HandleNotAvailable), hence
  random `u<hex>.test` handles.
- One PDS, one AppView, no relay: the firehose is the PDS's own `com.atproto.sync.subscribeRepos`
  (`ws://localhost:2583/xrpc`), which replays everything from cursor 0; production's relay
  keeps a bounded backfill window, has other sequence numbers and carries every PDS's repos.
- No rate limits, no labels from Bluesky's moderation service, no email confirmation, no invite
  codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from atp_network import AtpNetwork, login, wait_for
from atproto import (
    CAR,
    AsyncClient,
    AsyncFirehoseSubscribeReposClient,
    client_utils,
    firehose_models,
    models,
    parse_subscribe_repos_message,
)

pytestmark = pytest.mark.atproto

AccountFactory = Callable[[], Awaitable[tuple[str, str]]]


ClientFactory = Callable[[], Awaitable[tuple[AsyncClient, str, str]]]


@pytest.fixture
async def new_client(
    atp_network: AtpNetwork, atp_account_factory: AccountFactory
) -> AsyncIterator[ClientFactory]:
    """`await new_client()`: a fresh account, logged in: (client, did, handle); closed after."""
    made: list[AsyncClient] = []

    async def make() -> tuple[AsyncClient, str, str]:
        did, handle = await atp_account_factory()
        client = await login(atp_network.pds_url, handle)
        made.append(client)
        return client, did, handle

    yield make
    for client in made:
        await client.request.close()


def _word() -> str:
    """A distinctive word for search: letters only, never seen before."""
    return "zq" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))


async def _mentions(
    bot: AsyncClient, uri: str
) -> models.AppBskyNotificationListNotifications.Notification | None:
    listed = await bot.app.bsky.notification.list_notifications(
        params={"reasons": ["mention", "reply", "quote"]}
    )
    return next((n for n in listed.notifications if n.uri == uri), None)


async def test_mention_reply_thread_like_search_quote(
    new_client: ClientFactory,
) -> None:
    bot, bot_did, bot_handle = await new_client()
    user, user_did, _ = await new_client()
    word = _word()

    root = await user.send_post(text=f"LeCun said open source is over {word}")
    root_ref = models.create_strong_ref(root)
    question = client_utils.TextBuilder().mention(f"@{bot_handle}", bot_did).text(" is this real?")
    reply = await user.send_post(
        text=question, reply_to=models.AppBskyFeedPost.ReplyRef(parent=root_ref, root=root_ref)
    )

    # the bot is told: a mention, with the reply's parent and root
    notification = await wait_for(lambda: _mentions(bot, reply.uri))
    assert "mention" == notification.reason
    assert user_did == notification.author.did
    assert reply.cid == notification.cid
    record = notification.record
    assert isinstance(record, models.AppBskyFeedPost.Record)
    assert f"@{bot_handle} is this real?" == record.text
    assert record.reply is not None
    assert root.uri == record.reply.parent.uri == record.reply.root.uri
    assert record.facets is not None
    feature = record.facets[0].features[0]
    assert isinstance(feature, models.AppBskyRichtextFacet.Mention)
    assert bot_did == feature.did
    assert (0, len(bot_handle) + 1) == (
        record.facets[0].index.byte_start,
        record.facets[0].index.byte_end,
    )

    # the thread, seen from the bot
    async def thread_with_reply() -> models.AppBskyFeedDefs.ThreadViewPost | None:
        got = await bot.app.bsky.feed.get_post_thread(params={"uri": root.uri})
        thread = got.thread
        assert isinstance(thread, models.AppBskyFeedDefs.ThreadViewPost)
        uris = [r.post.uri for r in thread.replies or [] if hasattr(r, "post")]
        return thread if reply.uri in uris else None

    thread = await wait_for(thread_with_reply)
    assert word in thread.post.record.text
    assert user_did == thread.post.author.did

    # a like from the user shows in getPosts' counts
    await user.like(root.uri, root.cid)

    async def liked() -> models.AppBskyFeedDefs.PostView | None:
        got = await bot.app.bsky.feed.get_posts(params={"uris": [root.uri]})
        return got.posts[0] if got.posts and got.posts[0].like_count == 1 else None

    post = await wait_for(liked)
    assert 1 == post.reply_count

    # search finds the distinctive word
    async def found() -> bool:
        got = await bot.app.bsky.feed.search_posts(params={"q": word})
        return root.uri in [p.uri for p in got.posts]

    assert await wait_for(found)

    # a quote post (record embed) of the top-level post
    quote = await user.send_post(
        text=f"@{bot_handle} what about this one?",
        embed=models.AppBskyEmbedRecord.Main(record=root_ref),
    )

    async def quoted() -> models.AppBskyFeedDefs.PostView | None:
        got = await bot.app.bsky.feed.get_posts(params={"uris": [quote.uri, root.uri]})
        by_uri = {p.uri: p for p in got.posts}
        if len(by_uri) < 2 or by_uri[root.uri].quote_count != 1:
            return None
        return by_uri[quote.uri]

    quote_view = await wait_for(quoted)
    embed = quote_view.embed
    assert isinstance(embed, models.AppBskyEmbedRecord.View)
    assert isinstance(embed.record, models.AppBskyEmbedRecord.ViewRecord)
    assert root.uri == embed.record.uri
    # a plain-text "@handle" without a facet is not a mention: no notification for the quote
    await wait_for(lambda: _mentions(bot, reply.uri))
    assert await _mentions(bot, quote.uri) is None


async def test_quote_of_the_bots_post_notifies_the_bot(
    new_client: ClientFactory,
) -> None:
    bot, _, _ = await new_client()
    user, user_did, _ = await new_client()
    bot_post = await bot.send_post(text="a verified quote")
    quote = await user.send_post(
        text="really?",
        embed=models.AppBskyEmbedRecord.Main(record=models.create_strong_ref(bot_post)),
    )
    notification = await wait_for(lambda: _mentions(bot, quote.uri))
    assert "quote" == notification.reason
    assert bot_post.uri == notification.reason_subject
    assert user_did == notification.author.did
    assert isinstance(notification.record, models.AppBskyFeedPost.Record)
    assert isinstance(notification.record.embed, models.AppBskyEmbedRecord.Main)


async def test_update_seen_marks_notifications_read(
    new_client: ClientFactory,
) -> None:
    bot, bot_did, bot_handle = await new_client()
    user, _, _ = await new_client()
    text = client_utils.TextBuilder().mention(f"@{bot_handle}", bot_did).text(" check this")
    post = await user.send_post(text=text)

    async def unread() -> int:
        got = await bot.app.bsky.notification.get_unread_count()
        return int(got.count)

    assert 1 == await wait_for(unread)
    assert not (await wait_for(lambda: _mentions(bot, post.uri))).is_read

    seen_at = bot.get_current_time_iso()
    await bot.app.bsky.notification.update_seen(
        models.AppBskyNotificationUpdateSeen.Data(seen_at=seen_at)
    )

    async def none_unread() -> bool:
        return await unread() == 0

    assert await wait_for(none_unread)
    listed = await bot.app.bsky.notification.list_notifications()
    assert listed.seen_at is not None
    assert [True] == [n.is_read for n in listed.notifications if n.uri == post.uri]


async def test_firehose_replays_the_post_create_from_cursor_zero(
    atp_network: AtpNetwork, new_client: ClientFactory
) -> None:
    user, user_did, _ = await new_client()
    word = _word()
    post = await user.send_post(text=f"on the firehose {word}")

    firehose = AsyncFirehoseSubscribeReposClient(
        params=models.ComAtprotoSyncSubscribeRepos.Params(cursor=0),
        base_uri=atp_network.firehose_url,
    )
    seen: asyncio.Future[tuple[str, str, str]] = asyncio.get_running_loop().create_future()

    async def on_message(frame: firehose_models.MessageFrame) -> None:
        commit = parse_subscribe_repos_message(frame)
        if not isinstance(commit, models.ComAtprotoSyncSubscribeRepos.Commit):
            return
        for op in commit.ops:
            uri = f"at://{commit.repo}/{op.path}"
            if op.action == "create" and uri == post.uri and op.cid is not None:
                car = CAR.from_bytes(commit.blocks)
                record = car.blocks.get(op.cid)
                if not seen.done():
                    seen.set_result((commit.repo, record["$type"], record["text"]))
                await firehose.stop()

    task = asyncio.create_task(firehose.start(on_message))
    try:
        repo, record_type, text = await asyncio.wait_for(seen, timeout=15)
    finally:
        await firehose.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
    assert (user_did, "app.bsky.feed.post", f"on the firehose {word}") == (repo, record_type, text)


async def test_threadgate_disables_replies(
    new_client: ClientFactory,
) -> None:
    """A post whose threadgate allows nobody: the AppView says `reply_disabled` to others; the
    PDS still accepts a reply record, but the AppView hides it and notifies nobody."""
    bot, bot_did, _ = await new_client()
    user, _, _ = await new_client()
    gated = await user.send_post(text="no replies please")
    await user.app.bsky.feed.threadgate.create(
        user.me.did,
        models.AppBskyFeedThreadgate.Record(
            post=gated.uri, allow=[], created_at=user.get_current_time_iso()
        ),
        rkey=gated.uri.rsplit("/", 1)[-1],  # a threadgate's rkey is its post's
    )

    async def reply_disabled() -> models.AppBskyFeedDefs.ThreadViewPost | None:
        got = await bot.app.bsky.feed.get_post_thread(params={"uri": gated.uri})
        thread = got.thread
        assert isinstance(thread, models.AppBskyFeedDefs.ThreadViewPost)
        viewer = thread.post.viewer
        return thread if viewer is not None and viewer.reply_disabled else None

    thread = await wait_for(reply_disabled)
    assert thread.post.threadgate is not None

    ref = models.create_strong_ref(gated)
    reply = await bot.send_post(
        text="replying anyway", reply_to=models.AppBskyFeedPost.ReplyRef(parent=ref, root=ref)
    )
    assert reply.uri.startswith(f"at://{bot_did}/")  # the PDS does not enforce threadgates

    async def reply_indexed() -> bool:
        got = await bot.app.bsky.feed.get_posts(params={"uris": [reply.uri]})
        return bool(got.posts)

    assert await wait_for(reply_indexed)  # indexed, so the thread below is not just lagging
    got = await user.app.bsky.feed.get_post_thread(params={"uri": gated.uri})
    assert [] == (got.thread.replies or [])
    listed = await user.app.bsky.notification.list_notifications()
    assert reply.uri not in [n.uri for n in listed.notifications]
