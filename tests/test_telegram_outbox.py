"""The Telegram outbox through python-telegram-bot's real HTTP stack against the Bot API
emulator, on a real SQLite file: what a crash or a failed send leaves pending is sent by
`reconcile` exactly once; alerts and digests go once per key; the digest's figures come from
the file's own tables."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from conftest import SEED_TEXT
from factories import make_post
from sqlite_utils import Migrations
from telegram.error import BadRequest
from telegram_emulator import CHANNEL, CHANNEL_ID, REVIEW_CHAT, BotApiEmulator, parse_html

from bot.bluesky.store import BlueskyStore
from bot.config import TelegramConfig
from bot.domain import CheckResult
from bot.pipeline import Checker
from bot.store import Store
from bot.telegram import TelegramDeps, TelegramOutlet, TelegramStore, build_application
from bot.telegram.app import TelegramApp
from bot.telegram.cards import channel_card
from bot.telegram.digest import DigestFigures, digest_text
from bot.telegram.publish import MAX_ATTEMPTS
from bot.telegram.schema import m001_published, m002_reviews

pytestmark = [
    pytest.mark.telegram,
    # PTB's own AIORateLimiter reads RetryAfter.retry_after, deprecated as an int since 22.2
    pytest.mark.filterwarnings("ignore:.*retry_after.*"),
]

DAY = date(2026, 5, 12)
T0 = datetime(2026, 5, 12, 9, tzinfo=UTC)
CARD = "<b>Verified</b>: what was said, where and when."


@dataclasses.dataclass
class Outbox:
    app: TelegramApp
    emu: BotApiEmulator
    store: TelegramStore
    deps: TelegramDeps
    db: Path

    def outlet(self) -> TelegramOutlet:
        """A fresh outlet, as a restarted process builds it: nothing in memory."""
        return TelegramOutlet(self.app.bot, self.deps)

    def sent_to(self, chat: int | str) -> list[str]:
        """The visible text of every message the emulator accepted for `chat`."""
        return [parse_html(str(p["text"]))[0] for p in self.emu.sent("sendMessage", chat_id=chat)]


@pytest.fixture
async def outbox(
    emulator: BotApiEmulator, checker: Checker, tmp_path: Path
) -> AsyncIterator[Outbox]:
    """The application initialised against the emulator (no polling: only sends are under
    test), its tables in the core's database file, a fixed clock."""
    db = tmp_path / "factbot.db"
    Store(db).close()
    config = TelegramConfig(
        channel=CHANNEL,
        review_chat=str(REVIEW_CHAT),
        base_url=emulator.base_url,
        max_retries=2,
        network_retries=1,
        backoff_seconds=0.01,
    )
    app = build_application(config, token=emulator.token)
    store = TelegramStore(db)
    await app.initialize()
    yield Outbox(app, emulator, store, TelegramDeps(checker, store, config, clock=lambda: T0), db)
    await app.shutdown()
    store.close()


def match_result(checker: Checker, post_id: str = "at://viral/1") -> CheckResult:
    result = checker.check(make_post(SEED_TEXT, id=post_id))
    assert "match" == result.verdict
    return result


# --- reconcile -------------------------------------------------------------------------------


async def test_a_claimed_card_left_by_a_crash_is_sent_once(
    outbox: Outbox, checker: Checker
) -> None:
    """A card claimed but never marked (the process died between the claim and the mark) is
    sent by reconcile with the text written at the claim, marked with Telegram's id; a second
    reconcile, and a later hand-over of the same post, send nothing."""
    assert CARD == await outbox.store.claim_publication("at://viral/1", CHANNEL, CARD, T0)
    outlet = outbox.outlet()
    assert 1 == await outlet.reconcile()
    assert 0 == await outlet.reconcile()
    assert ["Verified: what was said, where and when."] == outbox.sent_to(CHANNEL)
    (row,) = await outbox.store.published()
    (params,) = outbox.emu.sent("sendMessage", chat_id=CHANNEL)
    message_id = max(m for chat, m in outbox.emu.messages if chat == CHANNEL_ID)
    assert ("sent", message_id, T0.isoformat(), CARD) == (
        row["status"],
        row["message_id"],
        row["sent_at"],
        params["text"],
    )
    assert None is await outlet.publish_card(match_result(checker, "at://viral/1"))
    assert Counter({"card": 1}) == outlet.sent


async def test_a_review_never_sent_is_sent_with_its_buttons(outbox: Outbox) -> None:
    """A review written but without a message (a crash before the send) is sent by reconcile
    to the review chat with its Approve / Reject buttons, and its message id stored."""
    review_id = await outbox.store.add_review(
        {
            "post_id": "at://short/1",
            "verdict": "review",
            "score": 0.61,
            "target": "channel",
            "card": CARD,
            "bluesky": "[]",
            "review_html": "<b>Review</b>: review at score 0.61",
            "chat_id": str(REVIEW_CHAT),
            "created_at": T0.isoformat(),
        }
    )
    assert review_id is not None
    outlet = outbox.outlet()
    assert 1 == await outlet.reconcile()
    assert 0 == await outlet.reconcile()
    (params,) = outbox.emu.sent("sendMessage", chat_id=REVIEW_CHAT)
    assert "<b>Review</b>: review at score 0.61" == params["text"]
    buttons = params["reply_markup"]["inline_keyboard"][0]
    assert [
        ("Approve", f"review:approve:{review_id}"),
        ("Reject", f"review:reject:{review_id}"),
    ] == [(b["text"], b["callback_data"]) for b in buttons]
    review = await outbox.store.review(review_id)
    assert review is not None
    assert (REVIEW_CHAT, review.message_id) in outbox.emu.messages
    assert Counter({"review": 1}) == outlet.sent


async def test_reconcile_and_a_publish_of_the_same_post_send_it_once(
    outbox: Outbox, checker: Checker
) -> None:
    """A crash left a post's card pending; at start, reconcile and a new hand-over of that post
    run together (in either order): the channel gets one message."""
    for n, order in enumerate(("reconcile first", "publish first")):
        result = match_result(checker, f"at://viral/{n}")
        card = channel_card(result)
        assert card == await outbox.store.claim_publication(result.post.id, CHANNEL, card, T0)
        outlet = outbox.outlet()
        jobs = [outlet.reconcile(), outlet.publish_card(result)]
        await asyncio.gather(*(jobs if order == "reconcile first" else reversed(jobs)))
        assert n + 1 == len(outbox.emu.sent("sendMessage", chat_id=CHANNEL)), order
        assert 1 == outlet.sent["card"], order


async def test_a_row_published_while_reconcile_works_is_not_sent_again(
    outbox: Outbox, checker: Checker
) -> None:
    """Five cards pending after a crash; while reconcile sends the first four, a hand-over of
    the fifth publishes it. Reconcile, reaching it, reads its row again and skips it: five
    channel messages, not six, whatever the interleaving."""
    results = [match_result(checker, f"at://viral/{n}") for n in range(5)]
    for r in results:
        await outbox.store.claim_publication(r.post.id, CHANNEL, channel_card(r), T0)
    outlet = outbox.outlet()
    reconciled, _ = await asyncio.gather(outlet.reconcile(), outlet.publish_card(results[-1]))
    assert 4 == reconciled
    assert 5 == len(outbox.emu.sent("sendMessage", chat_id=CHANNEL))
    assert Counter({"card": 5}) == outlet.sent


async def test_a_failed_send_stays_pending_for_reconcile(outbox: Outbox, checker: Checker) -> None:
    """A card Telegram refuses raises to the caller but stays claimed with its text, the
    attempt and the error counted; the next reconcile sends it, once."""
    result = match_result(checker)
    outlet = outbox.outlet()
    outbox.emu.fail_next("sendMessage", 400, retry_after=None)
    with pytest.raises(BadRequest, match=r"(?i)emulated failure"):
        await outlet.publish_card(result)
    (row,) = await outbox.store.published()
    assert ("sending", 1, "BadRequest: Emulated failure") == (
        row["status"],
        row["attempts"],
        row["last_error"],
    )
    assert Counter() == outlet.sent
    assert 1 == await outlet.reconcile()
    assert [400, 200] == outbox.emu.statuses("sendMessage")
    assert [channel_card(result)] == [p["text"] for p in outbox.emu.sent("sendMessage")]
    assert 0 == await outlet.reconcile()


async def test_a_message_refused_too_often_is_left_to_the_operators(outbox: Outbox) -> None:
    """An alert Telegram refuses every time is tried by each reconcile until it has failed
    MAX_ATTEMPTS times, then left in its table with its error: no endless resending."""
    outlet = outbox.outlet()
    outbox.emu.fail_next("sendMessage", 400, retry_after=None)
    with pytest.raises(BadRequest):
        await outlet.alert("corpus:v9", "events.toml:1: bad")
    for _ in range(MAX_ATTEMPTS - 1):
        outbox.emu.fail_next("sendMessage", 400, retry_after=None)
        assert 0 == await outlet.reconcile()
    assert 0 == await outlet.reconcile()  # nothing is failing now, but it is not tried
    assert [400] * MAX_ATTEMPTS == outbox.emu.statuses("sendMessage")
    (row,) = await outbox.store.outbox()
    assert ("pending", MAX_ATTEMPTS) == (row["status"], row["attempts"])


# --- alerts ----------------------------------------------------------------------------------


async def test_the_same_alert_is_sent_once(outbox: Outbox) -> None:
    """alert() twice with one key (the same bad corpus version) gives one message in the
    review chat, its text escaped under a heading; another key is another message, and a
    restarted outlet does not repeat either."""
    problems = "corpus/ai-pulse-2025.toml:3: <date> & venue missing\ncorpus/x.toml:1: bad"
    outlet = outbox.outlet()
    first = await outlet.alert("corpus:v7", problems)
    assert first is not None
    assert None is await outlet.alert("corpus:v7", problems)
    assert None is await outbox.outlet().alert("corpus:v7", "different text, same key")
    assert await outlet.alert("corpus:v8", "corpus/x.toml:2: bad") is not None
    assert [
        "Alert\ncorpus/ai-pulse-2025.toml:3: <date> & venue missing\ncorpus/x.toml:1: bad",
        "Alert\ncorpus/x.toml:2: bad",
    ] == outbox.sent_to(REVIEW_CHAT)
    assert [] == outbox.sent_to(CHANNEL)
    assert ["alert:corpus:v7", "alert:corpus:v8"] == [r["key"] for r in await outbox.store.outbox()]
    assert Counter({"alert": 2}) == outlet.sent


async def test_alert_without_a_review_chat_sends_nothing(outbox: Outbox) -> None:
    """No review chat configured: alert() is a no-op (None), nothing written or sent."""
    config = dataclasses.replace(outbox.deps.config, review_chat="")
    outlet = TelegramOutlet(outbox.app.bot, dataclasses.replace(outbox.deps, config=config))
    assert None is await outlet.alert("corpus:v7", "bad")
    assert [] == outbox.emu.sent("sendMessage")
    assert [] == await outbox.store.outbox()


# --- the daily digest ------------------------------------------------------------------------


def write_day(db: Path) -> None:
    """Known rows around DAY: checks as the audit log writes them (one the day before and one
    the day after, which must not count), and Bluesky replies through the Bluesky store's own
    outbox (a two-post thread counts as one reply)."""
    at = T0.isoformat()
    checks = [
        ("match", "ai-pulse-2025", at),
        ("match", "ai-pulse-2025", (T0 + timedelta(hours=14, minutes=59)).isoformat()),
        ("match", "davos-2026-ai-house", at),
        ("review", None, at),
        ("no_match", None, at),
        ("no_match", None, at),
        ("no_match", None, (T0 - timedelta(hours=10)).isoformat()),  # 23:00 the day before
        ("match", "ai-pulse-2025", (T0 + timedelta(hours=15)).isoformat()),  # 00:00 next day
    ]
    conn = sqlite_utils.Database(db)
    conn.table("checks").insert_all(
        {"post_id": f"p{n}", "verdict": v, "event_id": e, "checked_at": t}
        for n, (v, e, t) in enumerate(checks)
    )
    conn.close()


async def write_replies(db: Path) -> None:
    bluesky = BlueskyStore(db)
    try:
        for target, parts, when in (
            ("at://m/1", 2, T0),
            ("at://m/2", 1, T0 + timedelta(hours=1)),
            ("at://m/3", 1, T0 - timedelta(days=1)),
        ):
            for part in range(parts):
                key = f"bluesky|{target}|reply:{part}"
                await bluesky.add_pending(key, target, part, f"rk{part}", {"text": "x"}, when)
                await bluesky.mark_sent(key, f"{target}/r{part}", "cid", when)
        await bluesky.add_pending("bluesky|at://m/4|reply:0", "at://m/4", 0, "rk", {}, T0)
    finally:
        bluesky.close()


async def test_digest_figures_and_text_from_a_real_file(outbox: Outbox) -> None:
    """The day's figures come from `checks`, the channel's sent cards and the Bluesky outbox's
    sent rows, within the UTC day only; the digest names them, events by title."""
    write_day(outbox.db)
    await write_replies(outbox.db)
    await outbox.store.claim_publication("at://viral/1", CHANNEL, CARD, T0)
    await outbox.outlet().reconcile()

    figures = await outbox.store.digest_figures(DAY)
    assert (
        DigestFigures(
            day=DAY,
            checks={"match": 3, "review": 1, "no_match": 2},
            cards=1,
            replies=2,
            top_events=(("ai-pulse-2025", 2), ("davos-2026-ai-house", 1)),
        )
        == figures
    )
    text = digest_text(figures, {"ai-pulse-2025": "ai-PULSE 2025, Station F <Paris>"})
    assert (
        "<b>factbot, 12 May 2026</b>\n"
        "Checks: 6 (3 match, 1 review, 2 no match)\n"
        "Cards in this channel: 1\n"
        "Replies on Bluesky: 2\n"
        "<b>Most matched</b>\n"
        "• ai-PULSE 2025, Station F &lt;Paris&gt;: 2\n"
        "• davos-2026-ai-house: 1"
    ) == text


async def test_the_digest_is_published_once_a_day(outbox: Outbox) -> None:
    """publish_digest twice for one day (and again after a restart) gives one channel
    message; the next day is another."""
    outlet = outbox.outlet()
    text = digest_text(await outbox.store.digest_figures(DAY))
    assert "<b>factbot, 12 May 2026</b>\nNo checks today." == text
    assert await outlet.publish_digest(DAY, text) is not None
    assert None is await outlet.publish_digest(DAY, text)
    assert None is await outbox.outlet().publish_digest(DAY, text)
    assert await outlet.publish_digest(DAY + timedelta(days=1), "<b>next</b>") is not None
    assert ["factbot, 12 May 2026\nNo checks today.", "next"] == outbox.sent_to(CHANNEL)
    assert ["digest:2026-05-12", "digest:2026-05-13"] == [
        r["key"] for r in await outbox.store.outbox()
    ]
    assert Counter({"digest": 2}) == outlet.sent


async def test_digest_of_a_file_without_the_other_tables(tmp_path: Path) -> None:
    """A file with only the Telegram tables (no audit trail, no Bluesky outbox): all zero."""
    store = TelegramStore(tmp_path / "telegram-only.db")
    try:
        assert DigestFigures(day=DAY) == await store.digest_figures(DAY)
    finally:
        store.close()


async def test_m003_on_a_file_written_before_it(outbox: Outbox, tmp_path: Path) -> None:
    """A file from before the outbox (m001 and m002 only) with a card sent and one claimed by
    a crash: m003 applies on open, keeps both rows, and reconcile leaves the claim alone (its
    text was never kept, so there is nothing to send)."""
    path = tmp_path / "old.db"
    old = Migrations("factbot-telegram")
    old()(m001_published)
    old()(m002_reviews)
    conn = sqlite_utils.Database(path)
    old.apply(conn)
    conn.table("telegram_published").insert_all(
        [
            {"post_id": "at://old/1", "chat_id": CHANNEL, "message_id": 9, "status": "sent"},
            {"post_id": "at://old/2", "chat_id": CHANNEL, "status": "sending"},
        ]
    )
    conn.close()
    store = TelegramStore(path)
    try:
        outlet = TelegramOutlet(outbox.app.bot, dataclasses.replace(outbox.deps, store=store))
        assert 0 == await outlet.reconcile()
        assert None is await store.claim_publication("at://old/2", CHANNEL, CARD, T0)
        rows = await store.published()
        assert [("sent", 0, None), ("sending", 0, None)] == [
            (r["status"], r["attempts"], r["text"]) for r in rows
        ]
        assert [] == await store.outbox()
    finally:
        store.close()
    assert [] == outbox.emu.sent("sendMessage")
