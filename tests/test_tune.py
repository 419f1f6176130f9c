"""The tuning tool (`factbot tune`): one pipeline run, a threshold sweep, a suggestion, a plot."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from conftest import DATA

from bot.config import Config
from bot.evaluate import load_labelled
from bot.pipeline import Checker
from bot.store import Store
from bot.tune import Sample, plot, review_samples, run_labelled, suggest, sweep, table


def _verdict(s: Sample, match: float, review: float) -> str:
    if s.score >= match:
        return "match" if s.long_enough else "review"
    return "review" if s.score >= review else "no_match"


def test_sweep_reproduces_the_pipeline_at_the_current_thresholds(
    checker: Checker, config: Config, tmp_path: Path
) -> None:
    """With the real models: the verdict the sweep derives from each post's score at the
    configured thresholds is the verdict the pipeline gave, so the table and the suggestion
    describe what the bot would really do; the plot is written and a suggestion found."""
    items = load_labelled(DATA / "labelled.jsonl")
    samples = run_labelled(checker, items, batch=32)
    results = checker.check_many([i.post for i in items])
    m = config.match
    expected = [r.verdict for r in results]
    assert expected == [_verdict(s, m.match, m.review) for s in samples]

    points = sweep(samples)
    at_current = next(p for p in points if p.threshold == round(m.match, 2))
    published = sum(v == "match" for v in expected)
    assert published == at_current.published
    suggestion = suggest(points, target_precision=1.0)
    assert suggestion.match is not None
    assert suggestion.review is not None and suggestion.review <= suggestion.match
    assert "<- match" in table(points, m)
    png = tmp_path / "thresholds.png"
    plot(points, m, suggestion, png)
    assert b"\x89PNG" == png.read_bytes()[:4]


def test_review_decisions_come_from_the_database_when_there_are_any(tmp_path: Path) -> None:
    """No database, or one without a `reviews` table, gives no samples (the labels alone);
    approved and rejected checks become match and no_match samples at their stored score."""
    db_path = tmp_path / "factbot.db"
    assert [] == review_samples(db_path)
    Store(db_path).close()
    assert [] == review_samples(db_path)
    db = sqlite_utils.Database(db_path)
    db["checks"].insert_all([{"id": 1, "score": 0.7}, {"id": 2, "score": 0.55}])
    db["reviews"].insert_all(
        [{"check_id": 1, "decision": "approve"}, {"check_id": 2, "decision": "reject"}]
    )
    db.close()
    samples = review_samples(db_path)
    assert [("match", 0.7), ("no_match", 0.55)] == [(s.expected, s.score) for s in samples]
