"""Retention ([store] keep_days) on a real SQLite file: rows of several ages written through the
real stores (audit trail, Bluesky, Telegram, limits), then the prune job (`prune_store`). Old
finished rows go; pending work and what keeps a restart idempotent stay."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from factories import make_post

from bot.bluesky.label_store import LabelRow, LabelStore
from bot.bluesky.store import BlueskyStore
from bot.config import LimitsConfig
from bot.domain import CheckResult, Reply
from bot.labels import LabelState
from bot.limits import Limits
from bot.retention import prune, prune_store
from bot.status import read_status
from bot.store import AuditLog
from bot.telegram.store import ALERT, Pending, TelegramStore

NOW = datetime.now(UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def check(post_id: str) -> CheckResult:
    return CheckResult(
        post=make_post("Yann LeCun said something", id=post_id),
        verdict="no_match",
        score=0.1,
        match=None,
        discrepancies=(),
        reply=Reply(bluesky=(), telegram="x"),
    )


def iso(d: datetime) -> str:
    return d.isoformat().replace("+00:00", "Z")


async def fill(path: Path) -> None:
    """Old and recent rows in every table that grows, through each store's own methods."""
    audit, bluesky, telegram = AuditLog(path), BlueskyStore(path), TelegramStore(path)
    for days in (200, 100, 10):
        await audit.record([check(f"post-{days}")], "v1", "m", at=ago(days))

    async def mention(uri: str, days: float, status: str | None) -> None:
        await bluesky.claim_mention(uri, "mention", "did:plc:u", iso(ago(days)), ago(days))
        if status is not None:
            await bluesky.finish_mention(uri, status, ago(days))

    await mention("at://old-done", 100, "replied")
    await mention("at://old-claimed", 100, None)  # unfinished work: never pruned
    await mention("at://old-at-watermark", 99, "skipped:no match")
    await mention("at://recent", 5, "replied")
    await bluesky.set_state("notifications.indexed_at", iso(ago(99)), ago(99))
    for target, days, sent in (
        ("at://old-done", 100, True),
        ("at://old-claimed", 100, True),  # part 1 of an unfinished thread: kept
        ("at://old-pending", 100, False),
        ("at://recent", 5, True),
    ):
        key = f"bluesky|{target}|reply:1"
        await bluesky.add_pending(key, target, 1, "rkey", {"text": "x"}, ago(days))
        if sent:
            await bluesky.mark_sent(key, f"{target}/reply", "cid", ago(days))
    await bluesky.watch("at://watched-old", "c", "firehose", "match", "{}", ago(100))
    await bluesky.watch("at://watched-new", "c", "firehose", "match", "{}", ago(1))

    for key, days, sent in (("alert:old", 100, True), ("alert:stuck", 100, False)):
        await telegram.add_message(ALERT, key, "-100", "text", ago(days))
        if sent:
            await telegram.mark_sent(Pending(ALERT, key, key, "-100", "text"), 7, ago(days))
    await telegram.add_message(ALERT, "alert:new", "-100", "text", ago(1))
    await telegram.mark_sent(Pending(ALERT, "alert:new", "alert:new", "-100", "text"), 8, ago(1))
    for post_id, days in (("card-old", 100), ("card-new", 1)):
        await telegram.claim_publication(post_id, "-100", f"<b>{post_id}</b>", ago(days))
        card = Pending("card", f"card:{post_id}", post_id, "-100", "")
        await telegram.mark_sent(card, 9, ago(days))

    limits = Limits(bluesky, "bluesky", 10, LimitsConfig())
    await limits.admit("did:plc:u", "at://recent", ago(0))
    await limits.admit("did:plc:u", "at://old-done", ago(3))
    for store in (audit, bluesky, telegram):
        store.close()


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


async def test_the_prune_job_deletes_old_finished_rows_and_never_pending_work(
    tmp_path: Path,
) -> None:
    """keep_days 90: old audit rows, answered mentions below the watermark, sent replies of
    finished mentions, old watched posts, sent alerts and old card texts go; unfinished
    mentions and their sent parts, pending posts, pending alerts, the mention at the
    watermark, every recent row, and each card's "once ever" row stay."""
    path = tmp_path / "factbot.db"
    await fill(path)
    audit = AuditLog(path)
    done = await prune_store(audit, 90, 72)  # what the runtime's prune job runs
    audit.close()

    assert ["post-10"] == [r[0] for r in rows(path, "SELECT post_id FROM checks")]
    assert ["at://old-at-watermark", "at://old-claimed", "at://recent"] == [
        r[0] for r in rows(path, "SELECT uri FROM bluesky_mentions ORDER BY uri")
    ]
    assert [
        ("at://old-claimed", "sent"),
        ("at://old-pending", "pending"),
        ("at://recent", "sent"),
    ] == rows(path, "SELECT target, status FROM bluesky_outbox ORDER BY target")
    assert [("at://watched-new",)] == rows(path, "SELECT uri FROM bluesky_watched")
    assert [("alert:new", "sent"), ("alert:stuck", "pending")] == rows(
        path, "SELECT key, status FROM telegram_outbox ORDER BY key"
    )
    assert [("card-new", "<b>card-new</b>"), ("card-old", None)] == rows(
        path, "SELECT post_id, text FROM telegram_published ORDER BY post_id"
    )
    assert [("at://recent",)] == rows(path, "SELECT request FROM limit_answers")
    assert {
        "checks": 2,
        "bluesky_mentions": 1,
        "bluesky_outbox": 1,
        "bluesky_watched": 1,
        "telegram_outbox": 1,
        "telegram_published": 1,
        "limit_answers": 1,
        "limit_notices": 0,
    } == done


async def test_keep_days_0_keeps_everything_and_a_file_without_adapters_is_pruned(
    tmp_path: Path,
) -> None:
    """0 keeps every row; a file where only the audit trail exists (no Bluesky, no Telegram
    tables) is pruned without error; watched posts still tracked are kept even when
    keep_days is shorter than the tracking window."""
    path = tmp_path / "factbot.db"
    await fill(path)
    conn = sqlite3.connect(path)
    assert {} == prune(conn, NOW, 0)
    assert 3 == conn.execute("SELECT count(*) FROM checks").fetchone()[0]
    prune(conn, NOW, 1, track_hours=72)
    assert [("at://watched-new",)] == list(conn.execute("SELECT uri FROM bluesky_watched"))
    conn.close()

    alone = tmp_path / "audit-only.db"
    audit = AuditLog(alone)
    await audit.record([check("old")], "v1", "m", at=ago(400))
    audit.close()
    conn = sqlite3.connect(alone)
    assert {"checks": 1} == prune(conn, NOW, 365)
    conn.close()


async def test_pruned_pages_show_in_status_and_vacuum_gives_them_back(tmp_path: Path) -> None:
    """After a prune the freed pages are inside the file (status counts them as free); the
    README's VACUUM gives them back: the file shrinks and nothing is free any more."""
    path = tmp_path / "factbot.db"
    audit = AuditLog(path)
    for day in range(200):
        await audit.record([check(f"p{day}-{i}") for i in range(20)], "v1", "m", at=ago(day))
    audit.close()
    conn = sqlite3.connect(path)
    before = read_status(conn, NOW, 60)
    assert 0 == before.free_bytes
    assert 109 * 20 == prune(conn, NOW, 90)["checks"]  # days 91 to 199 (day 90 is the cutoff)
    pruned = read_status(conn, NOW, 60)
    assert before.file_bytes == pruned.file_bytes and pruned.free_bytes > before.file_bytes / 3
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    after = read_status(conn, NOW, 60)
    assert 0 == after.free_bytes and after.file_bytes < before.file_bytes / 2
    assert 91 * 20 == conn.execute("SELECT count(*) FROM checks").fetchone()[0]
    conn.close()


async def fill_labels(path: Path) -> None:
    """The labeler's rows through its store: every state of a label, old and recent, their audit
    lines, and the reports and appeals handled."""
    store = LabelStore(path)

    async def label(uri: str, days: float, *states: LabelState, lapse: float | None = None) -> None:
        at = ago(days)
        row = LabelRow(uri, "cid", "altered-quote", "viral", "match", states[0], None)
        await store.add(row, at)
        await store.event(uri, "altered-quote", "label", "factbot", "viral", at)
        for before, after in itertools.pairwise(states):
            expires = None if lapse is None or after != "applied" else ago(lapse)
            await store.move(uri, (before,), after, at, expires)
            await store.event(uri, "altered-quote", after, "factbot", "", at)

    await label("at://live-old", 200, "pending", "applied")  # in force: never pruned
    await label("at://lapsing", 200, "pending", "applied", lapse=-10)  # lapses in 10 days
    await label("at://lapsed-old", 200, "pending", "applied", lapse=100)
    await label("at://lapsed-new", 200, "pending", "applied", lapse=30)
    await label("at://negated-old", 200, "pending", "applied", "negating", "negated")
    await label("at://negated-new", 10, "pending", "applied", "negating", "negated")
    await label("at://negating-old", 200, "pending", "applied", "negating")  # a crash: kept
    await label("at://pending-old", 200, "pending")  # a crash: reconcile finishes it
    await label("at://awaiting-old", 200, "awaiting")  # the operators may still approve it
    await label("at://dropped-old", 200, "awaiting", "dropped")  # an operator's reject
    await label("at://retracted-old", 200, "pending", "applied")  # an operator's Retract
    await store.event("at://retracted-old", "altered-quote", "retract", "op (42)", "", ago(200))
    await store.move("at://retracted-old", ("applied",), "negating", ago(200))
    await store.move("at://retracted-old", ("negating",), "negated", ago(200))
    for eid, kind, subject, days in (
        (1, "report", "at://negated-old", 200),
        (2, "appeal", "at://live-old", 200),  # its label is in force: Keep / Retract work
        (3, "appeal", "at://negated-old", 200),
        (4, "report", "at://x", 200),  # a claim a crash left: kept, and what is above it
        (5, "report", "at://y", 200),
        (6, "report", "at://z", 10),
    ):
        await store.claim_report(eid, kind, subject, ago(days))
        if eid != 4:
            await store.finish_report(eid, "checked:match")
    store.close()


async def test_labels_in_force_pending_or_decided_are_kept_and_settled_ones_pruned(
    tmp_path: Path,
) -> None:
    """keep_days 90 on the labeler's tables: withdrawn and lapsed labels older than that go with
    their audit lines; a label in force (even 200 days old), pending, awaiting, being withdrawn,
    rejected or retracted by an operator stays with all its lines. Reports handled below the
    watermark go (the claim a crash left, and everything above it, stay), but an appeal of a
    label still kept. `factbot status`'s labels in force, unsent and awaiting do not move."""
    path = tmp_path / "factbot.db"
    await fill_labels(path)
    conn = sqlite3.connect(path)
    before = read_status(conn, NOW, 60)
    assert (2, 2, 1) == (before.labels_in_force, before.labels_unsent, before.labels_awaiting)
    assert 26 == conn.execute("SELECT count(*) FROM label_events").fetchone()[0]
    done = prune(conn, NOW, 90)
    assert {"labels": 2, "label_events": 6, "label_reports": 2} == {
        k: v for k, v in done.items() if k.startswith("label")
    }
    kept = [r[0] for r in conn.execute("SELECT uri FROM labels ORDER BY uri")]
    assert [
        "at://awaiting-old",
        "at://dropped-old",
        "at://lapsed-new",
        "at://lapsing",
        "at://live-old",
        "at://negated-new",
        "at://negating-old",
        "at://pending-old",
        "at://retracted-old",
    ] == kept
    events = {r[0] for r in conn.execute("SELECT DISTINCT uri FROM label_events")}
    assert set(kept) == events  # every kept label keeps its whole audit trail
    assert [(2, "appeal"), (4, "report"), (5, "report"), (6, "report")] == list(
        conn.execute("SELECT event_id, kind FROM label_reports ORDER BY event_id")
    )
    after = read_status(conn, NOW, 60)
    assert (before.labels_in_force, before.labels_unsent, before.labels_awaiting) == (
        after.labels_in_force,
        after.labels_unsent,
        after.labels_awaiting,
    )
    assert {"labels": 0, "label_events": 0, "label_reports": 0} == {
        k: v for k, v in prune(conn, NOW, 90).items() if k.startswith("label")
    }
    conn.close()

    # The claim finished: the watermark is the newest report, and only it stays of the old.
    store = LabelStore(path)
    await store.finish_report(4, "checked:match")
    assert 6 == await store.reports_watermark()
    store.close()
    conn = sqlite3.connect(path)
    assert 2 == prune(conn, NOW, 90)["label_reports"]
    assert [(2,), (6,)] == list(conn.execute("SELECT event_id FROM label_reports ORDER BY 1"))
    conn.close()
    store = LabelStore(path)
    assert 6 == await store.reports_watermark()  # nothing is listed again
    store.close()


async def test_a_lapsed_label_is_not_an_output_corrections_would_withdraw(tmp_path: Path) -> None:
    """A label Ozone has let expire is no longer in force: a corpus correction does not send a
    negation for it; one without an expiry, or expiring later, still is."""
    from bot.bluesky.label_corrections import label_outputs
    from bot.corrections import Stated

    store = LabelStore(tmp_path / "factbot.db")
    stated = Stated("v1", "E3", (("venue", "Paris"),), (("E3.2", "words"),)).to_json()
    for uri, lapse in (("at://lapsed", 5.0), ("at://lapsing", -5.0), ("at://forever", None)):
        row = LabelRow(uri, "cid", "altered-quote", "viral", "match", "pending", stated)
        await store.add(row, ago(30))
        expires = None if lapse is None else ago(lapse)
        await store.move(uri, ("pending",), "applied", ago(30), expires)
    found = {o.id for o in await label_outputs(store, NOW)}
    assert {"at://lapsing", "at://forever"} == found
    assert 3 == len(await store.in_states("applied"))
    store.close()
