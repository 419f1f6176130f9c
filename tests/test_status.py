"""`factbot status` over a real SQLite file written by the real stores: the audit trail from real
checks, the Bluesky and Telegram tables through their own async methods. Rows older than the
window are written too and must not be counted."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_TEXT
from factories import make_post

from bot.bluesky.store import BlueskyStore
from bot.cli import main
from bot.pipeline import Checker
from bot.store import Store
from bot.telegram.store import CARD, Pending, TelegramStore, card_key


def moments() -> tuple[datetime, datetime]:
    """Five minutes ago (in the default window) and two hours ago (out of it), taken when the
    test runs, not when the module is imported."""
    now = datetime.now(UTC)
    return now - timedelta(minutes=5), now - timedelta(hours=2)


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "factbot.db"\n', encoding="utf-8")
    return config


def status_json(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Any:
    code = main(["--config", str(config), "status", "--json", *extra])
    out = capsys.readouterr().out
    assert 0 == code
    return json.loads(out)


def record_checks(db: Path, checker: Checker, old_time: datetime) -> None:
    """Five checks now (a match, a review, three no_match of which two the gate turned away) and
    two checked two hours ago."""
    store = Store(db)
    old = checker.check_many(
        [make_post(SEED_TEXT, id="old-seed"), make_post("Great pasta tonight", id="old-pasta")]
    )
    store.record_checks(old, checker.corpus.version, checker.model)
    with store.db.conn:
        store.db.execute(
            "UPDATE checks SET checked_at = ? WHERE post_id LIKE 'old-%'", [old_time.isoformat()]
        )
    recent = checker.check_many(
        [
            make_post(SEED_TEXT, id="seed"),
            make_post("LeCun: 'Anthropic never was.'", id="short"),
            make_post("Great pasta tonight", id="pasta"),
            make_post("Lunch was lovely today", id="lunch"),
            make_post("LeCun had pasta for lunch", id="named"),
        ]
    )
    verdicts = [(r.post.id, r.verdict, r.admitted) for r in recent]
    assert [
        ("seed", "match", True),
        ("short", "review", True),
        ("pasta", "no_match", False),
        ("lunch", "no_match", False),
        ("named", "no_match", True),
    ] == verdicts
    store.record_checks(recent, checker.corpus.version, checker.model)
    store.close()


async def record_bluesky(db: Path, recent: datetime, old: datetime) -> None:
    store = BlueskyStore(db)
    try:
        for uri, status, when in [
            ("at://m/old", "replied", old),
            ("at://m/1", "replied", recent),
            ("at://m/2", "replied", recent),
            ("at://m/3", "review", recent),
            ("at://m/4", "skipped:own", recent),
        ]:
            assert await store.claim_mention(uri, "mention", "did:plc:a", when.isoformat(), when)
            await store.finish_mention(uri, status, when, verdict="match")
        await store.claim_mention("at://m/5", "mention", "did:plc:a", recent.isoformat(), recent)
        for key, sent, when in [
            ("k-old-sent", True, old),
            ("k-old-pending", False, old),  # stuck for two hours: still counted as pending
            ("k1", True, recent),
            ("k2", True, recent),
            ("k3", False, recent),
        ]:
            await store.add_pending(key, "at://m/1", 0, key, {"text": "x"}, when)
            if sent:
                await store.mark_sent(key, f"at://r/{key}", "cid", when)
        for uri, seen, handed in [
            ("at://w/old", old, old),
            ("at://w/old-handed-now", old, recent),
            ("at://w/1", recent, recent),
            ("at://w/2", recent, None),
        ]:
            assert await store.watch(uri, "cid", "firehose", "match", "{}", seen)
            if handed is not None:
                assert await store.mark_handed_over(uri, handed)
    finally:
        store.close()


async def record_telegram(db: Path, recent: datetime, old: datetime) -> None:
    store = TelegramStore(db)
    try:
        for post_id, when, sent in [
            ("p-old", old, True),
            ("p1", recent, True),
            ("p2", recent, False),
        ]:
            card = f"<b>card</b> {post_id}"
            assert card == await store.claim_publication(post_id, "@channel", card, when)
            if sent:
                item = Pending(CARD, card_key(post_id), post_id, "@channel", card)
                await store.mark_sent(item, 7, when)
        for post_id, when, decided in [
            ("r-old", old, True),
            ("r1", recent, True),
            ("r2", recent, False),
        ]:
            row = {
                "post_id": post_id,
                "verdict": "review",
                "score": 0.55,
                "target": "channel",
                "card": "<b>card</b>",
                "bluesky": "[]",
                "review_html": "<b>review</b>",
                "chat_id": "-100",
                "created_at": when.isoformat(),
            }
            review_id = await store.add_review(row)
            assert review_id is not None
            review = await store.review(review_id)
            assert review is not None
            if decided:
                assert await store.decide(review, "approve", 1, "op", when)
    finally:
        store.close()


async def test_status_counts_the_last_hour(
    tmp_path: Path, checker: Checker, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every figure of the window, exactly, from rows the real stores wrote; the rows from two
    hours ago are left out (but a reply still pending is backlog, whatever its age)."""
    config = write_config(tmp_path)
    db = tmp_path / "factbot.db"
    recent, old = moments()
    record_checks(db, checker, old)
    await record_bluesky(db, recent, old)
    await record_telegram(db, recent, old)

    figures = status_json(config, capsys)
    assert {"match": 1, "review": 1, "no_match": 3, "gated_out": 2} == figures["checks"]
    assert {
        "mentions": {"claimed": 1, "replied": 2, "review": 1, "skipped:own": 1},
        "replies_sent": 2,
        "replies_pending": 2,
        "watched_seen": 2,
        "watched_handed_over": 2,
    } == figures["bluesky"]
    assert {"cards_published": 1, "reviews_opened": 2, "reviews_decided": 1} == figures["telegram"]
    assert (
        60 * 60
        == (
            datetime.fromisoformat(figures["until"]) - datetime.fromisoformat(figures["since"])
        ).total_seconds()
    )

    wider = status_json(config, capsys, "--since-minutes", "180")
    assert {"match": 2, "review": 1, "no_match": 4, "gated_out": 3} == wider["checks"]
    assert {"claimed": 1, "replied": 3, "review": 1, "skipped:own": 1} == wider["bluesky"][
        "mentions"
    ]
    assert {"cards_published": 2, "reviews_opened": 3, "reviews_decided": 2} == wider["telegram"]


def test_status_text_is_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: lines for a person, here for a store with only the audit trail (the
    adapters' tables do not exist yet and count as zero)."""
    config = write_config(tmp_path)
    Store(tmp_path / "factbot.db").close()
    assert 0 == main(["--config", str(config), "status"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("last 60 min (")
    assert [
        "checks:    0 (match 0, review 0, no_match 0); turned away by the gate 0",
        "mentions:  none",
        "replies:   sent 0, pending 0 (any age)",
        "watched:   seen 0, handed over 0",
        "telegram:  cards published 0, reviews opened 0, decided 0",
        "labels:    applied 0, negated 0; in force 0, not yet accepted by Ozone 0, awaiting an "
        "operator 0 (any age)",
        "images:    alt text 0, OCR 0, copies already read 0, refused 0",
    ] == out[1:-1]
    assert out[-1].startswith("store:     0.0 MB, of which free 0.0 MB")


def test_status_reads_without_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty SQLite file (no table at all) gives zeros, and status leaves it as it was."""
    config = write_config(tmp_path)
    db = tmp_path / "factbot.db"
    sqlite3.connect(db).close()
    before = db.read_bytes()
    figures = status_json(config, capsys)
    assert {"match": 0, "review": 0, "no_match": 0, "gated_out": 0} == figures["checks"]
    assert {} == figures["bluesky"]["mentions"]
    assert before == db.read_bytes()


def test_missing_store_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No database yet: a clear message on stderr and exit 2, no traceback, and no file made."""
    config = write_config(tmp_path)
    assert 2 == main(["--config", str(config), "status", "--json"])
    captured = capsys.readouterr()
    assert "" == captured.out
    assert f"factbot status: no store at {tmp_path / 'factbot.db'}" in captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "factbot.db").exists()


def test_a_file_that_is_not_sqlite_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store path that holds something else: exit 2 and what SQLite said (found when the
    config is loaded, which tries the store)."""
    config = write_config(tmp_path)
    (tmp_path / "factbot.db").write_text("not a database, just text " * 100, encoding="utf-8")
    assert 2 == main(["--config", str(config), "status"])
    err = capsys.readouterr().err
    assert f'[store] path = "{tmp_path / "factbot.db"}": not a usable SQLite database' in err
    assert "file is not a database" in err
