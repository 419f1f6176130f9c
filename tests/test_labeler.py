"""factbot's labeler on the local AT Protocol network, with Ozone (the network's moderation
service, whose account `mod-authority.test` is the labeler here), the real pipeline and models,
the Telegram Bot API emulator and real SQLite files.

The network's AppView takes labels from Ozone through the label relay in
`tests/atproto_network/start-network.mjs` (Bluesky's production AppView has its own ingester),
and Ozone is not one of its default labelers: a label shows only to a reader who names the
labeler in `atproto-accept-labelers`, as for any third-party labeler."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from atp_network import DEFAULT_PASSWORD, AtpNetwork, wait_for
from atproto import AsyncClient, models
from atproto_client.exceptions import BadRequestError
from atproto_client.models.dot_dict import DotDict
from factories import make_post
from telegram_emulator import REVIEW_CHAT, BotApiEmulator
from test_bluesky import VIRAL, mention_seen, post
from test_corrections_live import moved_corpus

from bot.bluesky.app import BlueskyBot
from bot.bluesky.etiquette import may_quote
from bot.bluesky.label_corrections import LabelCorrector
from bot.bluesky.label_store import LabelRow
from bot.bluesky.labeler import Labeler
from bot.bluesky.reports import Reports
from bot.cli import main
from bot.config import BlueskyConfig, LabelerConfig, TelegramConfig
from bot.corpus import load_corpus
from bot.labels import label_for
from bot.pipeline import Checker
from bot.runtime.corrections import Corrections
from bot.status import read_status
from bot.store import AuditLog, Store
from bot.telegram import TelegramDeps, TelegramStore, build_application, register
from bot.telegram.appeals import register_appeals

pytestmark = [pytest.mark.atproto, pytest.mark.filterwarnings("ignore:.*retry_after.*")]

LABELER_HANDLE, LABELER_PASSWORD = "mod-authority.test", "hunter2"  # dev-env's ozone account
OPERATOR, STRANGER = 42, 7
APPEAL = "com.atproto.moderation.defs#reasonAppeal"


def now() -> datetime:
    return datetime.now(UTC)


def operators_chat(emulator: BotApiEmulator) -> TelegramConfig:
    """The Telegram side: the operators' chat on the emulator, quick to retry."""
    return TelegramConfig(
        review_chat=str(REVIEW_CHAT),
        operators=(OPERATOR,),
        base_url=emulator.base_url,
        network_retries=1,
        backoff_seconds=0.01,
    )


def labeler_config(atp_network: AtpNetwork, tmp_path: Path, **kwargs: Any) -> LabelerConfig:
    return LabelerConfig(
        enabled=True,
        service_url=atp_network.pds_url,
        session_file=tmp_path / "labeler.session",
        **kwargs,
    )


async def start_labeler(atp_network: AtpNetwork, checker: Checker, tmp_path: Path) -> Labeler:
    """The labeler (Ozone's account) logged in, its tables in `tmp_path`'s factbot.db."""
    made = Labeler(
        labeler_config(atp_network, tmp_path),
        BlueskyConfig(backoff_seconds=0.05),
        tmp_path / "factbot.db",
        corpus=lambda: checker.corpus,
    )
    await made.start(LABELER_HANDLE, LABELER_PASSWORD)
    return made


@pytest.fixture
async def labeler(
    atp_network: AtpNetwork, checker: Checker, tmp_path: Path
) -> AsyncIterator[Labeler]:
    made = await start_labeler(atp_network, checker, tmp_path)
    yield made
    await made.close()


async def appview_labels(atp_network: AtpNetwork, uri: str, labeler: str | None) -> list[Any]:
    """The post's labels as the AppView returns them to a reader who subscribes to `labeler`
    (the `atproto-accept-labelers` header), or to one who names no labeler."""
    client = AsyncClient(base_url=atp_network.appview_url)
    headers = {"atproto-accept-labelers": labeler} if labeler else {}
    try:
        got = await client.invoke_query(
            "app.bsky.feed.getPosts",
            params=models.AppBskyFeedGetPosts.Params(uris=[uri]),
            headers=headers,
        )
    finally:
        await client.request.close()
    assert isinstance(got.content, dict)
    [view] = got.content["posts"]
    return list(view.get("labels") or [])


async def label_shown(atp_network: AtpNetwork, uri: str, labeler: str) -> list[Any]:
    async def shown() -> list[Any]:
        return [x for x in await appview_labels(atp_network, uri, labeler) if x["src"] == labeler]

    return await wait_for(shown, timeout=15)


async def label_gone(atp_network: AtpNetwork, uri: str, labeler: str) -> None:
    async def gone() -> bool:
        got = await appview_labels(atp_network, uri, labeler)
        return not [x for x in got if x["src"] == labeler]

    await wait_for(gone, timeout=15)


async def created_label_events(labeler: Labeler, uri: str) -> list[dict[str, Any]]:
    """Ozone's label events on `uri` that create a label (its own record of what was sent)."""
    events = await labeler._ozone().label_events(uri)
    return [e for e in events if e["event"].get("createLabelVals")]


# --- 1. the label definitions ---------------------------------------------------------------


async def test_setup_publishes_the_definitions_once(
    atp_network: AtpNetwork,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`factbot labeler setup` writes the `app.bsky.labeler.service` record with the two
    labels (inform, no blur, English and French); run again, it changes nothing and says so."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[labeler]\nservice_url = "{atp_network.pds_url}"\n'
        f'session_file = "{tmp_path / "labeler.session"}"\n'
        f'pages_url = "https://factbot.example/checks"\n'
    )
    monkeypatch.setenv("LABELER_HANDLE", LABELER_HANDLE)
    monkeypatch.setenv("LABELER_APP_PASSWORD", LABELER_PASSWORD)
    assert 0 == await asyncio.to_thread(main, ["--config", str(config), "labeler", "setup"])
    first = capsys.readouterr().out
    assert 0 == await asyncio.to_thread(main, ["--config", str(config), "labeler", "setup"])
    second = capsys.readouterr().out
    with capsys.disabled():
        print(f"\n$ factbot labeler setup\n{first}$ factbot labeler setup\n{second}")  # noqa: T201
    assert "label definitions updated (altered-quote, unsourced-quote)" in first
    assert "already published (altered-quote, unsourced-quote); nothing changed" in second

    did = first.split()[1].rstrip(":")
    policies = await wait_for(lambda: _published(atp_network, did), timeout=15)
    assert ["altered-quote", "unsourced-quote"] == policies["labelValues"]
    for definition in policies["labelValueDefinitions"]:
        assert ("inform", "none") == (definition["severity"], definition["blurs"])
        assert ["en", "fr"] == [x["lang"] for x in definition["locales"]]
        pages = [x["description"] for x in definition["locales"]]
        assert all("https://factbot.example/checks" in x for x in pages)
    # Without credentials: one line, exit 1.
    monkeypatch.delenv("LABELER_APP_PASSWORD")
    assert 1 == await asyncio.to_thread(main, ["--config", str(config), "labeler", "setup"])
    assert "set LABELER_HANDLE and LABELER_APP_PASSWORD" in capsys.readouterr().err


async def _published(atp_network: AtpNetwork, did: str) -> dict[str, Any] | None:
    """The labeler's policies as the AppView shows them to readers, once it has our record."""
    reader = AsyncClient(base_url=atp_network.appview_url)
    try:
        got = await reader.invoke_query(
            "app.bsky.labeler.getServices", params=DotDict({"dids": [did], "detailed": True})
        )
    finally:
        await reader.request.close()
    assert isinstance(got.content, dict)
    [view] = got.content["views"]
    policies: dict[str, Any] = view["policies"]
    return policies if "unsourced-quote" in policies["labelValues"] else None


# --- 2. labelling, and withdrawing on a corpus correction -----------------------------------


async def test_a_reply_with_a_match_labels_the_post_once_and_a_correction_withdraws_it(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    labeler: Labeler,
    checker: Checker,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The bot answers a mention under a misquote with a match: the misquote gets
    `altered-quote` from the labeler, shown by the AppView to a reader who subscribes to the
    labeler and not to one who does not. A second mention under it labels nothing more. A
    corpus change that contradicts the check withdraws the label (a negation), recorded in
    the audit trail."""
    (bot_did, bot_handle), users = bot_and_users
    db = tmp_path / "factbot.db"
    config = BlueskyConfig(
        service_url=atp_network.pds_url,
        session_file=tmp_path / "bluesky.session",
        backoff_seconds=0.05,
        checks_per_hour=0,
    )
    bot = BlueskyBot(config, checker, db, labels=labeler)
    await bot.start(bot_handle, DEFAULT_PASSWORD)
    try:
        viral = await post(users[0], VIRAL)
        first = await post(users[1], "is this real?", (bot_did, bot_handle), reply_to=viral)
        await mention_seen(bot, first.uri)
        outcomes = {o.uri: o.status for o in await bot.mentions.poll()}
        assert "replied" == outcomes[first.uri]
        row = await labeler.store.get(viral.uri)
        assert row is not None and ("altered-quote", "applied") == (row.value, row.state)

        shown = await label_shown(atp_network, viral.uri, labeler.did)
        with capsys.disabled():
            print(f"\nthe seed post's label, as the AppView returns it:\n{shown}")  # noqa: T201
        assert [("altered-quote", viral.uri, viral.cid)] == [
            (x["val"], x["uri"], x["cid"]) for x in shown
        ]
        assert [] == await appview_labels(atp_network, viral.uri, None)  # not subscribed

        second = await post(users[2], "@ again?", (bot_did, bot_handle), reply_to=viral)
        await mention_seen(bot, second.uri)
        assert "replied" == {o.uri: o.status for o in await bot.mentions.poll()}[second.uri]
        assert 1 == len(await created_label_events(labeler, viral.uri))
        assert {"applied": 1, "negated": 0, "failed": 0} == labeler.counts  # /metrics
    finally:
        await bot.close()

    # The corpus moves the event by a day: the label's check no longer holds.
    seed = checker.check(make_post(VIRAL, id=viral.uri))
    assert seed.match is not None
    event = checker.corpus.event(seed.match.event_id)
    next_day = date.fromordinal(event.date.toordinal() + 1)
    folder = moved_corpus(tmp_path, checker.corpus, event.id, next_day)
    moved = load_corpus(folder)
    # `factbot corrections` lists the label beside the two replies that stated the same date.
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[store]\npath = "{db}"\n[corpus]\npath = "{folder}"\n')
    capsys.readouterr()  # only what the command prints from here
    assert 0 == await asyncio.to_thread(main, ["--config", str(cfg), "corrections", "--json"])
    listed = json.loads(capsys.readouterr().out)["corrections"]
    assert sorted([("label", viral.uri), ("reply", first.uri), ("reply", second.uri)]) == sorted(
        (c["kind"], c["id"]) for c in listed
    )
    audit = AuditLog(db)
    try:
        corrections = Corrections([LabelCorrector(labeler)], audit, now)
        [found] = await corrections.find(moved)
        assert ("bluesky", "label", viral.uri) == (
            found.output.platform,
            found.output.kind,
            found.output.id,
        )
        applied = await corrections.apply(moved)
        assert (1, 0) == (len(applied.done), len(applied.failed))
        await label_gone(atp_network, viral.uri, labeler.did)
        assert "negated" == (await labeler.store.get(viral.uri) or row).state
        assert "Nothing to correct." == (await corrections.apply(moved)).summary()
        [audited] = await audit.corrections()
        assert (viral.uri, "date") == (audited["output_id"], audited["field"])
    finally:
        audit.close()
    actions = [a for a, _, _ in await labeler.store.events(viral.uri)]
    assert ["label", "negate"] == actions
    assert {"applied": 1, "negated": 1, "failed": 0} == labeler.counts
    capsys.readouterr()
    assert 0 == await asyncio.to_thread(main, ["--config", str(cfg), "status", "--json"])
    shown = json.loads(capsys.readouterr().out)["labels"]
    assert {"applied": 1, "negated": 1, "in_force": 0, "unsent": 0, "awaiting_approval": 0} == shown


async def test_a_label_ozone_refuses_is_counted_failed_and_stays_pending(
    labeler: Labeler, tmp_path: Path
) -> None:
    """Ozone refuses the event (a malformed CID): the failure is counted (/metrics), the label
    stays pending for the reconcile job, and `factbot status` counts it as not yet accepted."""
    uri = "at://did:plc:nobody/app.bsky.feed.post/3kfailed"
    row = LabelRow(uri, "not-a-cid", "altered-quote", "viral", "review", "awaiting", None)
    await labeler.store.add(row, now())
    with pytest.raises(BadRequestError):
        await labeler.approved(uri, "operator")
    assert {"applied": 0, "negated": 0, "failed": 1} == labeler.counts
    assert "pending" == (await labeler.store.get(uri) or row).state
    conn = sqlite3.connect(f"{(tmp_path / 'factbot.db').as_uri()}?mode=ro", uri=True)
    try:
        figures = read_status(conn, now(), 60)
    finally:
        conn.close()
    assert (0, 1, 0) == (figures.labels_applied, figures.labels_unsent, figures.labels_awaiting)


# --- 3. reports as requests, appeals to the operators ---------------------------------------


async def test_a_report_is_checked_and_an_appeal_is_decided_by_the_operators(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    labeler: Labeler,
    checker: Checker,
    emulator: BotApiEmulator,
    tmp_path: Path,
) -> None:
    """A user reports a misquote to the labeler: the post is checked like a mention (nobody
    tagged, nothing posted) and labelled. Its author appeals the label: the appeal reaches the
    operators' chat with Approve (keep) / Retract; a stranger's press is refused, the operator's
    Retract withdraws the label."""
    _, users = bot_and_users
    author, reporter = users[0], users[1]
    misquote = await post(author, VIRAL)
    await wait_for(lambda: indexed(author, misquote.uri), timeout=15)
    proxied = {"atproto-proxy": f"{labeler.did}#atproto_labeler"}
    subject = models.ComAtprotoRepoStrongRef.Main(uri=misquote.uri, cid=misquote.cid)
    await reporter.com.atproto.moderation.create_report(
        models.ComAtprotoModerationCreateReport.Data(
            reason_type="com.atproto.moderation.defs#reasonMisleading",
            reason="is this quote real?",
            subject=subject,
        ),
        headers=proxied,
    )

    db = tmp_path / "factbot.db"
    Store(db).close()
    config = operators_chat(emulator)
    app = build_application(config, token=emulator.token)
    deps = TelegramDeps(checker, TelegramStore(db), config, labels=labeler)
    outlet = register(app, deps)
    desk = register_appeals(app, deps, outlet)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.05)
    try:
        reports = Reports(labeler, checker, outlet, desk)
        await reports.poll()
        row = await labeler.store.get(misquote.uri)
        assert row is not None and ("report", "applied") == (row.why, row.state)
        assert "altered-quote" == label_for(checker.check(make_post(VIRAL, id=misquote.uri)))
        await label_shown(atp_network, misquote.uri, labeler.did)

        await author.com.atproto.moderation.create_report(
            models.ComAtprotoModerationCreateReport.Data(
                reason_type=APPEAL, reason="I quoted <b>him</b> right!", subject=subject
            ),
            headers=proxied,
        )
        await wait_for(lambda: _appeal_sent(reports), timeout=15)
        message_id = max(m for chat, m in emulator.messages if chat == REVIEW_CHAT)
        message = emulator.messages[(REVIEW_CHAT, message_id)]
        assert "Appeal of a label" in message["text"] and "altered-quote" in message["text"]
        assert "I quoted <b>him</b> right!" in message["text"]  # shown as text, not markup
        row_buttons = message["reply_markup"]["inline_keyboard"][0]
        buttons = {b["text"]: b["callback_data"] for b in row_buttons}
        assert {"Approve (keep)", "Retract"} == set(buttons)

        refused = await _press(emulator, STRANGER, message_id, buttons["Retract"])
        assert "Only operators" in str(refused.get("text"))
        assert "applied" == (await labeler.store.get(misquote.uri) or row).state
        answered = await _press(emulator, OPERATOR, message_id, buttons["Retract"])
        assert "Label retracted." == answered["text"]
        await label_gone(atp_network, misquote.uri, labeler.did)
        edited = emulator.messages[(REVIEW_CHAT, message_id)]
        assert "Label retracted." in edited["text"] and not edited.get("reply_markup")
        actions = [a for a, _, _ in await labeler.store.events(misquote.uri)]
        assert ["label", "appeal", "retract", "negate"] == actions
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        deps.store.close()


async def indexed(client: AsyncClient, uri: str) -> bool:
    """Whether the AppView shows the post `uri` yet."""
    got = await client.app.bsky.feed.get_posts({"uris": [uri]})
    return bool(got.posts)


async def _appeal_sent(reports: Reports) -> bool:
    await reports.poll()
    return "appeal:sent" in await _appeal_rows(reports)


async def _appeal_rows(reports: Reports) -> list[str]:
    store = reports.labeler.store
    return await store.run(
        lambda: [
            str(r[0])
            for r in store.db.execute("SELECT status FROM label_reports WHERE kind = 'appeal'")
        ]
    )


async def _press(emulator: BotApiEmulator, user: int, message_id: int, data: str) -> Any:
    query = emulator.push_press(user, REVIEW_CHAT, message_id, data)
    await emulator.wait_for(
        lambda: bool(emulator.sent("answerCallbackQuery", callback_query_id=query))
    )
    return emulator.sent("answerCallbackQuery", callback_query_id=query)[0]


# --- 4. etiquette ---------------------------------------------------------------------------


async def test_stop_and_blocks_are_kept_and_thread_rules_are_honoured(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    checker: Checker,
    tmp_path: Path,
) -> None:
    """`stop` in a mention: that user gets nothing more, across a restart. A thread whose
    root only lets mentioned accounts reply: the bot answers there only when the root
    mentions it."""
    (bot_did, bot_handle), users = bot_and_users
    config = BlueskyConfig(
        service_url=atp_network.pds_url,
        session_file=tmp_path / "bluesky.session",
        backoff_seconds=0.05,
        checks_per_hour=0,
    )

    async def started() -> BlueskyBot:
        bot = BlueskyBot(config, checker, tmp_path / "factbot.db")
        await bot.start(bot_handle, DEFAULT_PASSWORD)
        return bot

    bot = await started()
    try:
        stop = await post(users[0], "stop", (bot_did, bot_handle))
        await mention_seen(bot, stop.uri)
        assert {stop.uri: "skipped:asked to stop"} == {
            o.uri: o.status for o in await bot.mentions.poll()
        }
    finally:
        await bot.close()
    bot = await started()  # a restart: the opt-out is in SQLite
    try:
        again = await post(users[0], "is this real? " + VIRAL, (bot_did, bot_handle))
        # Threadgates: only accounts mentioned in the root may reply (and the root's author,
        # who asks the bot in their own thread).
        gated = await _gated_root(users[1], VIRAL, mention=None)
        asked = await post(users[1], "is this real?", (bot_did, bot_handle), reply_to=gated)
        named = await _gated_root(users[1], VIRAL, mention=(bot_did, bot_handle))
        allowed = await post(users[1], "is this real?", (bot_did, bot_handle), reply_to=named)
        await mention_seen(bot, allowed.uri)
        outcomes = {o.uri: o.status for o in await bot.mentions.poll()}
        assert "skipped:opted out" == outcomes[again.uri]
        assert outcomes.get(asked.uri) in (None, "skipped:replies disabled")
        assert "replied" == outcomes[allowed.uri]
        assert "replied" == outcomes[named.uri]  # the root mentions the bot too
        sent = {r["target"] for r in await bot.store.outbox()}
        assert {allowed.uri, named.uri} == sent
        # Postgate: a post whose author disabled quoting may not be quoted; others may.
        closed = await post(users[2], VIRAL)
        await users[2].com.atproto.repo.create_record(
            models.ComAtprotoRepoCreateRecord.Data(
                repo=users[2].me.did,
                collection="app.bsky.feed.postgate",
                rkey=closed.uri.rsplit("/", 1)[-1],
                record={
                    "$type": "app.bsky.feed.postgate",
                    "post": closed.uri,
                    "embeddingRules": [{"$type": "app.bsky.feed.postgate#disableRule"}],
                    "createdAt": users[2].get_current_time_iso(),
                },
            )
        )
        assert not await may_quote(bot.client, bot.calls, closed.uri)
        assert await may_quote(bot.client, bot.calls, named.uri)
    finally:
        await bot.close()


async def _gated_root(client: AsyncClient, text: str, mention: tuple[str, str] | None) -> Any:
    root = await post(client, text, mention)
    rkey = root.uri.rsplit("/", 1)[-1]
    await client.com.atproto.repo.create_record(
        models.ComAtprotoRepoCreateRecord.Data(
            repo=client.me.did,
            collection="app.bsky.feed.threadgate",
            rkey=rkey,
            record=models.AppBskyFeedThreadgate.Record(
                post=root.uri,
                allow=[models.AppBskyFeedThreadgate.MentionRule()],
                created_at=client.get_current_time_iso(),
            ),
        )
    )
    return root


async def test_a_review_is_labelled_only_after_an_operators_approve(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    labeler: Labeler,
    checker: Checker,
    emulator: BotApiEmulator,
    tmp_path: Path,
) -> None:
    """A mention under a borderline misquote: the check is a `review`, so the reply and the
    label wait for the operators. Nothing is labelled until Approve; then the label shows."""
    (bot_did, bot_handle), users = bot_and_users
    db = tmp_path / "factbot.db"
    Store(db).close()
    config = operators_chat(emulator)
    app = build_application(config, token=emulator.token)
    bluesky = BlueskyBot(
        BlueskyConfig(
            service_url=atp_network.pds_url,
            session_file=tmp_path / "bluesky.session",
            backoff_seconds=0.05,
            checks_per_hour=0,
        ),
        checker,
        db,
        labels=labeler,
    )
    await bluesky.start(bot_handle, DEFAULT_PASSWORD)
    deps = TelegramDeps(checker, TelegramStore(db), config, bluesky=bluesky.ports, labels=labeler)
    outlet = register(app, deps)
    bluesky.mentions.reviewer = outlet
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.05)
    try:
        borderline = await post(users[0], "LeCun: 'Anthropic never was.'")
        asked = await post(users[1], "real?", (bot_did, bot_handle), reply_to=borderline)
        await mention_seen(bluesky, asked.uri)
        assert "review" == {o.uri: o.status for o in await bluesky.mentions.poll()}[asked.uri]
        row = await labeler.store.get(borderline.uri)
        assert row is not None and ("altered-quote", "awaiting") == (row.value, row.state)
        assert [] == await created_label_events(labeler, borderline.uri)

        message_id = max(m for chat, m in emulator.messages if chat == REVIEW_CHAT)
        row_buttons = emulator.messages[(REVIEW_CHAT, message_id)]["reply_markup"]
        buttons = {b["text"]: b["callback_data"] for b in row_buttons["inline_keyboard"][0]}
        answered = await _press(emulator, OPERATOR, message_id, buttons["Approve"])
        assert "Approved and published." == answered["text"]
        shown = await label_shown(atp_network, borderline.uri, labeler.did)
        assert ["altered-quote"] == [x["val"] for x in shown]
        actions = [(a, who) for a, who, _ in await labeler.store.events(borderline.uri)]
        assert ["await", "approve"] == [a for a, _ in actions]
        assert "factbot" == actions[0][1] and actions[1][1].endswith(f"({OPERATOR})")
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await bluesky.close()
        deps.store.close()
