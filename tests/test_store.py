"""The audit trail in a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from factories import make_post

from bot.domain import CheckResult, Discrepancy, Reply, Scores
from bot.status import read_window
from bot.store import Store, migrations


def result(post_id: str) -> CheckResult:
    return CheckResult(
        post=make_post("text é 中文", id=post_id),
        verdict="no_match",
        score=0.12,
        match=None,
        discrepancies=(Discrepancy("unsupported", claimed="Invented."),),
        reply=Reply(bluesky=(), telegram="<b>x</b>"),
        admitted=False,
        scores=Scores(gate="alias:LeCun"),
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
    assert ({"gate": "alias:LeCun"}, 0) == (json.loads(row["scores"]), row["admitted"])


def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    """Migrations are named and applied once; the data survives a reopen; WAL is on."""
    path = tmp_path / "f.db"
    Store(path).record_checks([result("a")], "v", "m")
    again = Store(path)
    assert [] == migrations.pending(again.db)
    assert 1 == again.db["checks"].count
    assert "wal" == again.db.execute("PRAGMA journal_mode").fetchone()[0]


def test_the_gated_column_becomes_admitted_with_its_rows(tmp_path: Path) -> None:
    """A file written before m004 keeps its rows: the m002 column is renamed, values kept, and
    `factbot status` counts the turned-away checks of a file in either state."""
    path = tmp_path / "f.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m004_admitted")
    db["checks"].insert_all(
        [
            {
                "post_id": "in",
                "verdict": "no_match",
                "checked_at": "2026-01-01T00:00:00+00:00",
                "gated": 1,
            },
            {
                "post_id": "out",
                "verdict": "no_match",
                "checked_at": "2026-01-01T00:01:00+00:00",
                "gated": 0,
            },
        ]
    )
    since, until = datetime(2025, 12, 31, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    with sqlite3.connect(path) as conn:
        assert 1 == read_window(conn, since, until).gated_out
    db.close()
    store = Store(path)
    assert [("in", 1), ("out", 0)] == [(r["post_id"], r["admitted"]) for r in store.checks()]
    assert "gated" not in store.db["checks"].columns_dict
    with sqlite3.connect(path) as conn:
        assert 1 == read_window(conn, since, until).gated_out
