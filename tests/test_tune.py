"""The tuning tool (`factbot tune`): one pipeline run, a threshold sweep, a suggestion, a plot."""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DATA

from bot.cli import cmd_tune
from bot.config import Config, LanguageThresholds
from bot.evaluate import load_labelled
from bot.models.vectors import Embedder
from bot.pipeline import Checker, build_checker
from bot.store import Store
from bot.telegram.store import TelegramStore, thread_to_json
from bot.tune import (
    Sample,
    by_language,
    plot,
    report,
    review_samples,
    run_labelled,
    suggest,
    suggest_language,
    sweep,
    table,
)

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


def _language_file(tmp_path: Path, langs: tuple[str, ...]) -> Path:
    """The posts of `langs` from tests/data/languages.jsonl, as a labelled file of their own."""
    lines = (DATA / "languages.jsonl").read_text(encoding="utf-8").splitlines()
    mine = [line for line in lines if json.loads(line)["lang"] in langs]
    path = tmp_path / f"{'-'.join(langs)}.jsonl"
    path.write_text("\n".join(mine) + "\n", encoding="utf-8")
    return path


def test_tune_suggests_thresholds_per_language_when_the_posts_allow(
    checker: Checker, config: Config, embedders: dict[str, Embedder], tmp_path: Path
) -> None:
    """On a small real file (French: 5 posts to match, 4 not; Italian: 5 and 2) with the real
    models: French, with enough of both, gets a `[match.lang.fr]` whose `match` lies above every
    French negative and at or below every French match, and `review` under it; Italian, with
    too few negatives, gets none and the report says so. Set in the config, the suggestion is
    what the pipeline applies: the verdicts the sweep derives at it are the pipeline's."""
    items = load_labelled(_language_file(tmp_path, ("fr", "it")))
    samples = run_labelled(checker, items, batch=32)
    assert {"fr", "it"} == {s.lang for s in samples}
    tunings = {t.lang: t for t in by_language(samples, config.match, 0.98, 5, 4)}
    assert (5, 4) == (tunings["fr"].matches, tunings["fr"].negatives)
    assert (5, 2) == (tunings["it"].matches, tunings["it"].negatives)
    assert not tunings["it"].enough and tunings["it"].suggestion is None
    fr = tunings["fr"].suggestion
    assert fr is not None and fr.match is not None and fr.review is not None
    french = [s for s in samples if s.lang == "fr"]
    assert max(s.score for s in french if s.expected == "no_match") < fr.review <= fr.match
    assert fr.match <= min(s.score for s in french if s.expected == "match")

    text = report(list(tunings.values()), 5, 4)
    assert f"[match.lang.fr]\nmatch = {fr.match}\nreview = {fr.review}" in text
    assert "too few posts to suggest thresholds for it (needs 5 labelled match" in text
    assert "[match.lang.it]" not in text

    own = LanguageThresholds("fr", fr.match, fr.review)
    tuned = dataclasses.replace(config, match=dataclasses.replace(config.match, lang=(own,)))
    results = build_checker(tuned, embedders).check_many([i.post for i in items])
    for sample, result in zip(samples, results, strict=True):
        m = tuned.match.for_language(sample.lang)
        assert result.verdict == _verdict(sample, m.match, m.review), sample.id


def test_suggest_language_takes_the_middle_of_the_safe_range() -> None:
    """Negatives up to 0.40 and matches from 0.81: every threshold from 0.41 to 0.81 keeps
    precision 1 and recall 1, so `match` is their middle (0.61) and `review` their lowest end;
    with no threshold reaching the target precision, neither is suggested."""
    samples = [Sample(f"n{i}", 0.3 + i / 100, True, "no_match", "labels", "fr") for i in range(11)]
    samples += [Sample(f"m{i}", 0.815 + i / 100, True, "match", "labels", "fr") for i in range(6)]
    suggestion = suggest_language(sweep(samples), 0.98)
    assert (0.61, 0.41) == (suggestion.match, suggestion.review)
    mixed = [
        dataclasses.replace(s, expected="match" if i % 2 else "no_match")
        for i, s in enumerate(samples)
    ]
    assert suggest_language(sweep(mixed), 0.98).match is None


def test_factbot_tune_prints_the_global_table_and_one_per_language(
    config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`factbot tune --labels A --labels B` reads both files, prints the global table, then a
    section per detected language: a table and a suggestion where the posts allow, a "too few"
    line where they do not."""
    first, second = _language_file(tmp_path, ("fr",)), _language_file(tmp_path, ("ja",))
    tuned = dataclasses.replace(
        config,
        store=dataclasses.replace(config.store, path=tmp_path / "factbot.db"),
        tune=dataclasses.replace(config.tune, min_language_negatives=4),
    )
    args = argparse.Namespace(
        labels=[str(first), str(second)], plot=str(tmp_path / "t.png"), target_precision=None
    )
    assert 0 == cmd_tune(args, tuned)
    out = capsys.readouterr().out
    assert out.startswith(f"15 labelled posts from {first}, {second}, 0 operator review")
    assert out.index("== all languages") < out.index("== fr: 5 labelled match, 4 labelled no_match")
    assert "[match.lang.fr]\nmatch = " in out
    assert "== ja: 4 labelled match, 2 labelled no_match; now match = 0.62, review = 0.5" in out
    assert "too few posts to suggest thresholds for ja (needs 5 labelled match and 4" in out
