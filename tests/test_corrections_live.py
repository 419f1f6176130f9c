"""Corrections end to end, on the local AT Protocol network and the Telegram Bot API emulator
with the real pipeline and models and one real SQLite file: two Bluesky replies and two
channel cards are published, the date of one event is changed in a copy of the corpus, and
`factbot corrections` lists the two outputs that stated it. Applying them is interrupted (the
Bluesky write and the Telegram edit both happen, their answers never arrive), the process is
restarted, and the new one finishes: the affected thread gets exactly one correction under the
bot's reply, the affected card is edited once, the others nothing; a second run does nothing."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from atp_network import DEFAULT_PASSWORD, AtpNetwork
from atproto import AsyncClient
from conftest import ROOT, SEED_TEXT
from factories import make_post
from faults import Fault, FaultTransport
from telegram_emulator import CHANNEL, CHANNEL_ID, BotApiEmulator, parse_html
from test_bluesky import VIRAL, bot_replies, mention_seen, post, replies_settled

from bot.bluesky.app import BlueskyBot
from bot.bluesky.corrections import BlueskyCorrector
from bot.cli import main
from bot.compose import human_date
from bot.config import BlueskyConfig, Config, TelegramConfig
from bot.corpus import load_corpus
from bot.domain import Corpus
from bot.pipeline import Checker
from bot.runtime.corrections import Corrections
from bot.store import AuditLog
from bot.telegram import TelegramDeps, TelegramOutlet, TelegramStore, build_application
from bot.telegram.app import TelegramApp
from bot.telegram.corrections import TelegramCorrector
from bot.telegram.edits import CorrectionTables

pytestmark = [
    pytest.mark.atproto,
    pytest.mark.telegram,
    pytest.mark.filterwarnings("ignore:.*retry_after.*"),
]


def now() -> datetime:
    return datetime.now(UTC)


class Node:
    """One process of the bot, as far as corrections go: Bluesky, Telegram, the audit trail,
    all on the one SQLite file. `close` is the process ending."""

    def __init__(
        self,
        bluesky: BlueskyBot,
        app: TelegramApp,
        config: TelegramConfig,
        db: Path,
        checker: Checker,
    ) -> None:
        self.bluesky, self.app, self.closed = bluesky, app, False
        self.telegram = TelegramStore(db)
        self.audit = AuditLog(db)
        self.outlet = TelegramOutlet(app.bot, TelegramDeps(checker, self.telegram, config))
        self.tg = TelegramCorrector(app.bot, CorrectionTables(self.telegram), Config().reply, now)
        self.bs = BlueskyCorrector(bluesky.mentions.sender, Config().reply)
        self.corrections = Corrections([self.bs, self.tg], self.audit, now)

    async def close(self) -> None:
        self.closed = True
        await self.bluesky.close()
        await self.app.shutdown()
        self.telegram.close()
        self.audit.close()


@pytest.fixture
async def start(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    emulator: BotApiEmulator,
    checker: Checker,
    tmp_path: Path,
) -> AsyncIterator[Any]:
    """`await start(transport)`: a Node on the bot account; closed at the end if still open."""
    (_, handle), _ = bot_and_users
    nodes: list[Node] = []

    async def make(transport: FaultTransport | None = None) -> Node:
        config = BlueskyConfig(
            service_url=atp_network.pds_url,
            session_file=tmp_path / "bluesky.session",
            backoff_seconds=0.05,
            max_retries=0,  # a lost answer fails the call at once (the process "dies")
            checks_per_hour=0,
        )
        bluesky = BlueskyBot(config, checker, tmp_path / "factbot.db", transport=transport)
        await bluesky.start(handle, DEFAULT_PASSWORD)
        telegram = TelegramConfig(
            channel=CHANNEL,
            review_chat="-1005678",
            operators=(42,),
            base_url=emulator.base_url,
            network_retries=0,
            backoff_seconds=0.01,
        )
        app = build_application(telegram, token=emulator.token)
        await app.initialize()
        node = Node(bluesky, app, telegram, tmp_path / "factbot.db", checker)
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        if not node.closed:
            await node.close()


def other_quote(checker: Checker, not_from: str) -> str:
    """A post quoting, word for word, a sentence of another event than `not_from`."""
    sentence = next(
        s
        for e in checker.corpus.events
        if e.id != not_from and e.sentences[0].lang == "en"
        for s in e.sentences
        if 60 < len(s.text) < 200
    )
    return f"Yann LeCun said: “{sentence.text}”"


def moved_corpus(tmp_path: Path, corpus: Corpus, event_id: str, day: date) -> Path:
    """A copy of the shipped corpus with one event's date changed."""
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder)
    event = corpus.event(event_id)
    path = folder / Path(event.path).name
    text = path.read_text("utf-8")
    old = f"date = {event.date.isoformat()}"
    assert old in text
    path.write_text(text.replace(old, f"date = {day.isoformat()}", 1), "utf-8")
    return folder


async def test_a_date_change_is_corrected_once_across_a_restart(
    start: Any,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    emulator: BotApiEmulator,
    checker: Checker,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot, users = bot_and_users
    lost = FaultTransport()
    first = await start(lost)

    # Published: two Bluesky replies (two events) and two channel cards (the same two).
    affected = await post(users[0], "is this real? " + VIRAL, bot)
    elsewhere = other_quote(checker, "ai-pulse-2025")
    other = await post(users[1], elsewhere, bot)
    await mention_seen(first.bluesky, other.uri)
    await mention_seen(first.bluesky, affected.uri)
    outcomes = {o.uri: o for o in await first.bluesky.mentions.poll()}
    assert {"replied"} == {outcomes[affected.uri].status, outcomes[other.uri].status}
    seed = checker.check(make_post(SEED_TEXT, id="at://viral/seed"))
    davos = checker.check(make_post(elsewhere, id="at://viral/davos"))
    assert seed.match is not None and davos.match is not None
    assert seed.match.event_id != davos.match.event_id
    card = await first.outlet.publish_card(seed)
    other_card = await first.outlet.publish_card(davos)
    assert card is not None and other_card is not None
    reply_parts = len(outcomes[affected.uri].replies)

    # The corpus moves the seed's event by a day.
    event = checker.corpus.event(seed.match.event_id)
    new_day = date.fromordinal(event.date.toordinal() + 1)
    folder = moved_corpus(tmp_path, checker.corpus, event.id, new_day)
    corpus = load_corpus(folder)

    # `factbot corrections --json` lists the two outputs that stated that date, and only them.
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "factbot.db"}"\n[corpus]\npath = "{folder}"\n')
    assert 0 == await asyncio.to_thread(main, ["--config", str(config), "corrections", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert corpus.version == listed["corpus_version"]
    change = {"field": "date", "old": event.date.isoformat(), "new": new_day.isoformat()}
    assert sorted(
        [("bluesky", "reply", affected.uri), ("telegram", "card", "at://viral/seed")]
    ) == sorted((c["platform"], c["kind"], c["id"]) for c in listed["corrections"])
    assert all([change] == c["changes"] for c in listed["corrections"])

    # Applying is cut short: the correction post is written on the PDS and the card edited on
    # Telegram, but neither answer arrives, and the process ends there.
    lost.faults.append(Fault("com.atproto.repo.createRecord", "lost"))
    emulator.lose_answer_next("editMessageText")
    applied = await first.corrections.apply(corpus)
    assert (0, 2) == (len(applied.done), len(applied.failed))
    pending = [r for r in await first.bluesky.store.outbox() if r["status"] == "pending"]
    assert [affected.uri] == [r["target"] for r in pending]
    assert 1 == len(emulator.sent("editMessageText"))  # made, but never marked
    await first.close()

    # A new process: its start-up reconcile finishes both, finding the post by its record key
    # and making the same edit (Telegram: "not modified"); nothing is sent twice.
    second = await start()
    again = await second.corrections.apply(corpus)
    assert ((), ()) == (again.done, again.failed)
    assert "Nothing to correct." == again.summary()
    assert 0 == second.bluesky.mentions.sender.sent  # the post was found, not written again
    assert [] == [r for r in await second.bluesky.store.outbox() if r["status"] != "sent"]
    assert [] == await second.tg.tables.pending(max_attempts=99)  # the edit marked made
    assert (await second.corrections.apply(corpus)).summary() == "Nothing to correct."
    assert 0 == await asyncio.to_thread(main, ["--config", str(config), "corrections"])
    assert "nothing to correct" in capsys.readouterr().out

    # Bluesky, read back through the AppView: one correction, under the bot's earlier reply.
    chain = await replies_settled(users[0], bot[0], affected.uri, reply_parts + 1)
    assert reply_parts + 1 == len(chain)  # bot_replies: one bot post per level, no duplicate
    correction = chain[-1]
    assert chain[-2].uri == correction.record.reply.parent.uri
    assert chain[0].record.reply.root.uri == correction.record.reply.root.uri
    old, new = human_date(event.date), human_date(new_day)
    assert f"date was {old}, is {new}" in correction.record.text
    assert correction.record.text.startswith("Corrected ")
    other_chain = await bot_replies(users[1], bot[0], other.uri)
    assert len(outcomes[other.uri].replies) == len(other_chain)  # unaffected: nothing added

    # Telegram: the affected card edited once, with one dated line; the other never.
    edits = emulator.sent("editMessageText")
    assert [card] == [e["message_id"] for e in edits]
    shown = emulator.messages[(CHANNEL_ID, card)]["text"]
    assert 1 == shown.count("Corrected ") and f"date was {old}, is {new}" in shown
    assert "Corrected" not in emulator.messages[(CHANNEL_ID, other_card)]["text"]
    assert "Corrected" not in parse_html(str(edits[0]["text"]))[0].split("\n")[0]

    # The audit trail: one row per corrected output.
    rows = await second.audit.corrections()
    assert sorted([("bluesky", affected.uri), ("telegram", "at://viral/seed")]) == sorted(
        (r["platform"], r["output_id"]) for r in rows
    )
    assert {("date", event.date.isoformat(), new_day.isoformat())} == {
        (r["field"], r["old"], r["new"]) for r in rows
    }
