"""The tuning tool (`factbot tune`): one pipeline run, a threshold sweep, a suggestion, a plot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from conftest import DATA

from bot.config import Config
from bot.evaluate import load_labelled
from bot.pipeline import Checker
from bot.store import Store
from bot.telegram.store import TelegramStore, thread_to_json
from bot.tune import Sample, plot, review_samples, run_labelled, suggest, sweep, table

NOW = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def _verdict(s: Sample, match: float, review: float) -> str:
    if s.score >= match:
        return "match" if s.long_enough else "review"
    return "review" if s.score >= review or s.surfaced else "no_match"


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


async def _decide(store: TelegramStore, post_id: str, score: float, decision: str) -> None:
    review_id = await store.add_review(
        {
            "post_id": post_id,
            "verdict": "review",
            "score": score,
            "target": "channel",
            "card": "<b>card</b>",
            "bluesky": thread_to_json([]),
            "review_html": "<b>review</b>",
            "chat_id": "-100",
            "created_at": NOW.isoformat(),
        }
    )
    assert review_id is not None
    review = await store.review(review_id)
    assert review is not None
    assert await store.decide(review, decision, 42, "operator", NOW)


async def test_operator_decisions_come_from_the_telegram_store(tmp_path: Path) -> None:
    """No database, or the audit trail alone, gives no samples (the labels alone). Decisions
    written through the Telegram store's own API into the same SQLite file become samples at
    the reviewed post's score, approve as match and reject as no_match; a pending review
    (undecided) adds nothing; and the sweep counts them."""
    db_path = tmp_path / "factbot.db"
    assert [] == review_samples(db_path)
    Store(db_path).close()
    assert [] == review_samples(db_path)

    store = TelegramStore(db_path)
    await _decide(store, "p1", 0.58, "approve")
    await _decide(store, "p2", 0.53, "reject")
    pending = {"post_id": "p3", "verdict": "review", "score": 0.55, "target": "channel"}
    assert await store.add_review(
        {
            **pending,
            "card": "",
            "bluesky": "[]",
            "review_html": "",
            "chat_id": "-100",
            "created_at": NOW.isoformat(),
        }
    )
    store.close()

    samples = review_samples(db_path)
    assert [("match", 0.58), ("no_match", 0.53)] == [(s.expected, s.score) for s in samples]
    assert {"reviews"} == {s.source for s in samples}
    point = next(p for p in sweep(samples) if p.threshold == 0.55)
    assert (1, 1.0, 1.0) == (point.published, point.match_precision, point.match_recall)
