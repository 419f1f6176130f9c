"""The audit trail in a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from factories import make_post

from bot.domain import CheckResult, Discrepancy, Reply
from bot.store import Store, migrations


def result(post_id: str) -> CheckResult:
    return CheckResult(
        post=make_post("text é 中文", id=post_id),
        verdict="no_match",
        score=0.12,
        match=None,
        discrepancies=(Discrepancy("unsupported", claimed="Invented."),),
        reply=Reply(bluesky=(), telegram="<b>x</b>"),
        extra={"gate": "alias:LeCun"},
    )


def test_checks_are_recorded_with_corpus_and_model(tmp_path: Path) -> None:
    """Every check becomes one row with the post, versions, scores, discrepancies, reply."""
    store = Store(tmp_path / "f.db")
    store.record_checks([result("a"), result("b")], "corpus-v1", "model-x")
    rows = list(store.checks())
    assert ["a", "b"] == [r["post_id"] for r in rows]
    row = rows[0]
    assert ("corpus-v1", "model-x", "no_match") == (
        row["corpus_version"],
        row["model"],
        row["verdict"],
    )
    assert [{"field": "unsupported", "claimed": "Invented."}] == json.loads(row["discrepancies"])
    assert {"bluesky": [], "telegram": "<b>x</b>"} == json.loads(row["reply"])
    assert "text é 中文" == row["post_text"]


def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    """Migrations are named and applied once; the data survives a reopen; WAL is on."""
    path = tmp_path / "f.db"
    Store(path).record_checks([result("a")], "v", "m")
    again = Store(path)
    assert [] == migrations.pending(again.db)
    assert 1 == again.db["checks"].count
    assert "wal" == again.db.execute("PRAGMA journal_mode").fetchone()[0]
