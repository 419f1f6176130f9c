"""The Telegram adapter through python-telegram-bot's real HTTP stack (`HTTPXRequest`, real
sockets on 127.0.0.1) against the Bot API emulator, with the real pipeline and models."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import SEED_TEXT
from factories import make_post
from telegram import Update
from telegram.error import BadRequest
from telegram_emulator import CHANNEL, REVIEW_CHAT, BotApiEmulator, parse_html

from bot.compose import compose_reply
from bot.config import ConfigError, TelegramConfig
from bot.config_load import load_config
from bot.corrections import Stated, stated
from bot.domain import BlueskyPost, CheckResult, Discrepancy, MatchInfo, Post
from bot.pipeline import Checker
from bot.store import Store
from bot.telegram import (
    ResolveError,
    TelegramDeps,
    TelegramOutlet,
    TelegramStore,
    announce,
    build_application,
    register,
)
from bot.telegram.app import TelegramApp
from bot.telegram.cards import channel_card

pytestmark = [
    pytest.mark.telegram,
    # PTB's own AIORateLimiter reads RetryAfter.retry_after, deprecated as an int since 22.2
    pytest.mark.filterwarnings("ignore:.*retry_after.*"),
]

OPERATOR, STRANGER, USER = 42, 7, 500
VIRAL_URL = "https://bsky.app/profile/viral.example.com/post/3kviral"
MAY_12 = int(datetime(2026, 5, 12, 9, tzinfo=UTC).timestamp())


class FakeResolver:
    """The Bluesky adapter's `PostResolver`, by hand: known URLs, a broken one, else none."""

    def __init__(self, posts: dict[str, Post], token: str = "") -> None:
        self.posts, self.token = posts, token

    async def resolve(self, url: str) -> Post:
        if url.endswith("/broken"):
            raise RuntimeError("resolver exploded")
        if url.endswith("/leaky"):  # a library error quoting a URL with the token in it
            raise RuntimeError(f"GET https://api.telegram.org/bot{self.token}/getMe failed")
        if url not in self.posts:
            raise ResolveError("no such post")
        return self.posts[url]


@dataclass
class FakeBluesky:
    """The Bluesky adapter's `BlueskyPublisher`, by hand: records each reply."""

    replies: list[tuple[str, tuple[BlueskyPost, ...]]] = field(default_factory=list)
    stated: list[Stated | None] = field(default_factory=list)

    async def reply(
        self, mention: str, thread: Sequence[BlueskyPost], stated: Stated | None = None
    ) -> str:
        self.replies.append((mention, tuple(thread)))
        self.stated.append(stated)
        return f"{mention}/reply"


@dataclass
class Running:
    app: TelegramApp
    outlet: TelegramOutlet
    emu: BotApiEmulator
    store: TelegramStore
    bluesky: FakeBluesky
    db: Path


def viral_post(post_id: str = "at://viral/1", text: str = SEED_TEXT) -> Post:
    return dataclasses.replace(
        make_post(text, id=post_id), url=VIRAL_URL, author="viral.example.com"
    )


@pytest.fixture
async def bot(emulator: BotApiEmulator, checker: Checker, tmp_path: Path) -> AsyncIterator[Running]:
    """The bot as `main()` runs it: built once, started with initialize/start and polling the
    emulator, on the test's event loop; its tables in the core's database file."""
    db = tmp_path / "factbot.db"
    Store(db).close()  # the core's migrations first: both sets live in one file
    config = TelegramConfig(
        channel=CHANNEL,
        review_chat=str(REVIEW_CHAT),
        operators=(OPERATOR,),
        base_url=emulator.base_url,
        checks_per_hour=3,
        max_retries=2,
        network_retries=1,
        backoff_seconds=0.01,
    )
    app = build_application(config, token=emulator.token)
    store = TelegramStore(db)
    bluesky = FakeBluesky()
    resolver = FakeResolver({VIRAL_URL: viral_post()}, emulator.token)
    deps = TelegramDeps(checker, store, config, resolver=resolver, bluesky=bluesky)
    outlet = register(app, deps)
    await app.initialize()
    await announce(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=timedelta(seconds=1), allowed_updates=Update.ALL_TYPES)
    yield Running(app, outlet, emulator, store, bluesky, db)
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    store.close()


async def reply_to(emu: BotApiEmulator, user: int, text: str) -> dict[str, object]:
    """Send `text` as `user` and wait for the bot's next message to them."""
    before = len(emu.sent("sendMessage", chat_id=user))
    emu.push_text(user, text, date=MAY_12)
    await emu.wait_for(lambda: len(emu.sent("sendMessage", chat_id=user)) > before)
    return emu.sent("sendMessage", chat_id=user)[before]


def visible(params: dict[str, object]) -> str:
    return parse_html(str(params["text"]))[0]


# --- private chats ---------------------------------------------------------------------------


async def test_check_of_seed_post_answers_with_the_card(bot: Running, checker: Checker) -> None:
    """/check with the viral seed post → the pipeline's Telegram card, in HTML parse mode, with
    the venue, the date and what changed."""
    sent = await reply_to(bot.emu, USER, "/check " + SEED_TEXT)
    expected = checker.check(make_post(SEED_TEXT)).reply.telegram
    assert expected == sent["text"]
    assert "HTML" == sent["parse_mode"]
    text = visible(sent)
    for part in ("Station F, Paris", "4 Dec 2025", "Not said at Davos", "And it's not good."):
        assert part in text


async def test_plain_text_is_a_check(bot: Running, checker: Checker) -> None:
    """Plain text in a private chat is treated as /check."""
    sent = await reply_to(bot.emu, USER, SEED_TEXT)
    assert checker.check(make_post(SEED_TEXT)).reply.telegram == sent["text"]


async def test_check_of_a_bluesky_url_goes_through_the_resolver(
    bot: Running, checker: Checker
) -> None:
    """/check <bsky.app URL> checks the post the resolver returns and answers with the card
    that names the post and links it; an unknown URL gets a polite answer."""
    sent = await reply_to(bot.emu, USER, f"/check {VIRAL_URL}")
    assert channel_card(checker.check(viral_post())) == sent["text"]
    assert VIRAL_URL in str(sent["text"])
    unknown = await reply_to(
        bot.emu, USER, "/check https://bsky.app/profile/nobody.example/post/3kx"
    )
    assert "I could not read that post: no such post" == visible(unknown)


async def test_start_help_about_and_commands(bot: Running, checker: Checker) -> None:
    """/start explains the bot; /about names the corpus (events and speakers) and the limits;
    the command list is published with setMyCommands and the webhook dropped."""
    assert "/check" in visible(await reply_to(bot.emu, USER, "/start"))
    about = visible(await reply_to(bot.emu, USER, "/about"))
    corpus = checker.corpus
    assert f"I know {len(corpus.events)} verified events" in about
    assert all(s.name in about for s in corpus.speakers)
    assert "3 checks an hour" in about
    assert ["check", "about", "help"] == [c["command"] for c in bot.emu.commands]
    assert bot.emu.sent("deleteWebhook")


async def test_user_text_full_of_html_arrives_escaped(bot: Running) -> None:
    """Text with <b>, & and </a> is checked and answered without a parse error; in the channel
    card the post's words appear as the literal characters, not as markup."""
    nasty = "<b>bold</b> & </a> <script>x</script> &amp; " + SEED_TEXT
    sent = await reply_to(bot.emu, USER, "/check " + nasty)
    assert [200] == bot.emu.statuses("sendMessage")  # parsed by the emulator as the API would
    assert "Station F" in visible(sent)
    await bot.outlet.publish_card(bot.outlet.deps.checker.check(viral_post("at://n/1", nasty)))
    (card,) = bot.emu.sent("sendMessage", chat_id=CHANNEL)
    assert "<b>bold</b> & </a> <script>x</script> &amp;" in visible(card)


async def test_per_user_limit_gives_one_polite_notice(bot: Running) -> None:
    """Beyond `checks_per_hour` (3 here) a user gets one notice, then silence; others are not
    affected."""
    for n in range(5):
        bot.emu.push_text(USER, f"hello number {n}", date=MAY_12)
    other = await reply_to(bot.emu, USER + 1, "hello from someone else")
    assert "could not find" in visible(other)
    texts = [visible(p) for p in bot.emu.sent("sendMessage", chat_id=USER)]
    assert 4 == len(texts)
    assert texts[3].startswith("You have reached the limit of 3 checks an hour.")


# --- the channel -----------------------------------------------------------------------------


async def test_channel_publish_happens_once_per_post(bot: Running, checker: Checker) -> None:
    """A viral post handed over twice, and again after a restart (a new store on the same
    file), gives one channel message: the claim, the verified card, the link to the post."""
    result = checker.check(viral_post())
    await bot.outlet.hand_over(result)
    await bot.outlet.hand_over(result)
    restarted = TelegramStore(bot.db)
    try:
        again = TelegramOutlet(bot.app.bot, dataclasses.replace(bot.outlet.deps, store=restarted))
        assert None is await again.publish_card(result)
    finally:
        restarted.close()
    (sent,) = bot.emu.sent("sendMessage", chat_id=CHANNEL)
    assert channel_card(result) == sent["text"]
    text = visible(sent)
    assert text.startswith("The post (viral[.]example[.]com): “Yann LeCun just said")
    assert text.endswith("The original post")
    (row,) = await bot.store.published()
    assert ("at://viral/1", "sent") == (row["post_id"], row["status"])


async def test_429_then_success_honours_retry_after(bot: Running, checker: Checker) -> None:
    """A 429 with retry_after=1 is waited out by AIORateLimiter and the message then goes."""
    bot.emu.fail_next("sendMessage", 429, retry_after=1)
    message_id = await bot.outlet.publish_card(checker.check(viral_post()))
    assert message_id is not None
    assert [429, 200] == bot.emu.statuses("sendMessage")
    assert 1 == len(bot.emu.sent("sendMessage", chat_id=CHANNEL))


async def test_failed_send_can_be_retried_later(bot: Running, checker: Checker) -> None:
    """A send the API refuses releases the post's claim: a later hand-over publishes it."""
    result = checker.check(viral_post())
    bot.emu.fail_next("sendMessage", 400, retry_after=None)
    with pytest.raises(Exception, match=r"(?i)emulated failure"):
        await bot.outlet.publish_card(result)
    assert await bot.outlet.publish_card(result) is not None
    assert [400, 200] == bot.emu.statuses("sendMessage")


async def test_dropped_connection_is_retried(bot: Running, checker: Checker) -> None:
    """A request the server never answered (connection closed) is retried with backoff and
    the message goes once."""
    bot.emu.disconnect_next("sendMessage")
    assert await bot.outlet.publish_card(checker.check(viral_post())) is not None
    assert [0, 200] == bot.emu.statuses("sendMessage")


async def test_malformed_html_is_refused_like_the_real_api(bot: Running) -> None:
    """The emulator is strict where the Bot API is: an unclosed tag, an unknown tag or a bare
    & is a 400 "can't parse entities", which PTB raises as BadRequest."""
    for markup in ("<b>open", "<script>x</script>", "fish & chips", "<i>a</b>"):
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.app.bot.send_message(USER, markup)
    assert [400, 400, 400, 400] == bot.emu.statuses("sendMessage")


def long_result() -> CheckResult:
    """A result with every part at its worst: a huge quote, many long changes, HTML-looking
    text everywhere, a long post."""
    evil = "<b>&amp; </a> & \" ' <i>"
    match = MatchInfo(
        quote=(evil * 200),
        quote_id="E1",
        speaker="Yann LeCun",
        speaker_role="Chief AI Scientist " + evil,
        event="ai-PULSE 2025",
        venue="Station F",
        city="Paris",
        date=date(2025, 12, 4),
        source_url="https://example.com/?q=" + evil,
        source_kind="primary",
    )
    found = tuple(Discrepancy("unsupported", claimed=f"{n} {evil * 30}") for n in range(40))
    post = viral_post("at://viral/long", (evil + "LeCun said ") * 300)
    reply = compose_reply("match", match, found)
    return CheckResult(post, "match", 0.9, match, found, reply)


async def test_over_long_card_stays_within_4096_and_well_formed(bot: Running) -> None:
    """An over-long card is trimmed by whole lines: the API accepts it (≤ 4096 characters of
    text, HTML that parses) and it says that it was cut."""
    await bot.outlet.publish_card(long_result())
    (sent,) = bot.emu.sent("sendMessage", chat_id=CHANNEL)
    text = visible(sent)
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    assert "\n…\n" in text or text.endswith("…")
    assert text.startswith("The post (viral[.]example[.]com):")


# --- operator review -------------------------------------------------------------------------


async def press(bot: Running, user: int, message_id: int, data: str) -> dict[str, object]:
    query = bot.emu.push_press(user, REVIEW_CHAT, message_id, data)
    await bot.emu.wait_for(
        lambda: bool(bot.emu.sent("answerCallbackQuery", callback_query_id=query))
    )
    return bot.emu.sent("answerCallbackQuery", callback_query_id=query)[0]


def last_review(bot: Running) -> tuple[int, dict[str, str]]:
    """The review chat's latest message id, and its buttons' callback data by label."""
    message_id = max(m for chat, m in bot.emu.messages if chat == REVIEW_CHAT)
    message = bot.emu.messages[(REVIEW_CHAT, message_id)]
    row = message["reply_markup"]["inline_keyboard"][0]
    return message_id, {b["text"]: b["callback_data"] for b in row}


def short_review(checker: Checker, post_id: str = "at://short/1") -> CheckResult:
    result = checker.check(make_post("LeCun: 'Anthropic never was.'", id=post_id))
    assert "review" == result.verdict  # a real borderline case (labelled L089)
    return result


async def test_review_approved_by_an_operator_publishes(bot: Running, checker: Checker) -> None:
    """A `review` result goes to the review chat with buttons; a non-operator's press is
    refused and changes nothing; the operator's Approve publishes the card to the channel,
    edits the message to say who and when, and stores the decision."""
    result = short_review(checker)
    await bot.outlet.hand_over(result)
    message_id, buttons = last_review(bot)
    assert ["Approve", "Reject"] == list(buttons)
    refused = await press(bot, STRANGER, message_id, buttons["Approve"])
    assert ("Only operators can decide reviews.", True) == (refused["text"], refused["show_alert"])
    assert [] == bot.emu.sent("sendMessage", chat_id=CHANNEL)
    assert [] == bot.emu.sent("editMessageText")
    assert [] == await bot.store.decisions()

    answered = await press(bot, OPERATOR, message_id, buttons["Approve"])
    assert "Approved and published." == answered["text"]
    (card,) = bot.emu.sent("sendMessage", chat_id=CHANNEL)
    assert channel_card(result) == card["text"]
    (edit,) = bot.emu.sent("editMessageText", chat_id=REVIEW_CHAT, message_id=message_id)
    assert visible(edit).startswith(f"Approved by User{OPERATOR} ({OPERATOR}) on ")
    assert "reply_markup" not in bot.emu.messages[(REVIEW_CHAT, message_id)]
    (decision,) = await bot.store.decisions()
    assert (result.post.id, "review", result.score, "approve", OPERATOR) == (
        decision["post_id"],
        decision["verdict"],
        decision["score"],
        decision["decision"],
        decision["operator_id"],
    )
    again = await press(bot, OPERATOR, message_id, buttons["Reject"])
    assert "Another operator has already decided this one." == again["text"]


async def test_review_rejected_is_recorded_and_not_published(
    bot: Running, checker: Checker
) -> None:
    """Reject publishes nothing, edits the message and stores the decision."""
    await bot.outlet.hand_over(short_review(checker))
    message_id, buttons = last_review(bot)
    answered = await press(bot, OPERATOR, message_id, buttons["Reject"])
    assert "Rejected." == answered["text"]
    assert [] == bot.emu.sent("sendMessage", chat_id=CHANNEL)
    (edit,) = bot.emu.sent("editMessageText", chat_id=REVIEW_CHAT)
    assert visible(edit).startswith(f"Rejected by User{OPERATOR}")
    assert ["reject"] == [d["decision"] for d in await bot.store.decisions()]


async def test_review_from_a_mention_is_published_as_a_bluesky_reply(
    bot: Running, checker: Checker
) -> None:
    """A review that came from a Bluesky mention, once approved, is the Bluesky reply (through
    the publisher port), not a channel card; the same post is not sent for review twice."""
    result = short_review(checker, "at://mention-subject/1")
    mention = "at://did:plc:reader/app.bsky.feed.post/3kmention"
    await bot.outlet.hand_over(result, target=mention)
    assert None is await bot.outlet.submit_review(result, mention)
    message_id, buttons = last_review(bot)
    await press(bot, OPERATOR, message_id, buttons["Approve"])
    assert [(mention, result.reply.bluesky)] == bot.bluesky.replies
    assert [] == bot.emu.sent("sendMessage", chat_id=CHANNEL)
    # what the reply states is what the review stated, recorded for corrections
    assert [stated(result, checker.corpus)] == bot.bluesky.stated


async def test_error_handler_logs_and_tells_the_review_chat(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception in a handler is logged and reported to the review chat, once; the token
    never appears in any log record."""
    caplog.set_level(logging.DEBUG)
    bot.emu.push_text(USER, "/check https://bsky.app/profile/x.example/post/broken")
    await bot.emu.wait_for(lambda: bool(bot.emu.sent("sendMessage", chat_id=REVIEW_CHAT)))
    (report,) = bot.emu.sent("sendMessage", chat_id=REVIEW_CHAT)
    assert "RuntimeError: resolver exploded" in visible(report)
    assert "error while handling update" in caplog.text
    assert bot.emu.token not in caplog.text


async def test_the_error_told_to_the_review_chat_is_redacted(bot: Running) -> None:
    """An error whose message carries the token (a library quoting the URL it called) reaches
    the review chat with the token blanked."""
    bot.emu.push_text(USER, "/check https://bsky.app/profile/x.example/post/leaky")
    await bot.emu.wait_for(lambda: bool(bot.emu.sent("sendMessage", chat_id=REVIEW_CHAT)))
    (report,) = bot.emu.sent("sendMessage", chat_id=REVIEW_CHAT)
    assert "RuntimeError: GET https://api.telegram.org/bot[redacted]/getMe failed" in visible(
        report
    )
    assert bot.emu.token not in str(report)


# --- config ----------------------------------------------------------------------------------


def test_telegram_config_loads_and_refuses_a_bad_chat(tmp_path: Path) -> None:
    """[telegram] loads with its types; a chat that is neither @name nor a number is refused
    with the file, key and value."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[telegram]\nchannel = "@checks"\nreview_chat = "-100123"\noperators = [1, 2]\n',
        encoding="utf-8",
    )
    loaded = load_config(path).telegram
    assert ("@checks", "-100123", (1, 2)) == (loaded.channel, loaded.review_chat, loaded.operators)
    path.write_text('[telegram]\nchannel = "checks"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[telegram\] channel = 'checks': expected"):
        load_config(path)
