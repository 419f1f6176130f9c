"""The operators' tuning tool: run labelled posts through the pipeline once, then sweep the
`match` and `review` thresholds over the scores and report precision and recall.

The pipeline's verdict is a function of the best score, so one run is enough: at thresholds
(match, review) a post is `match` when its score reaches `match` and it has enough prose words,
`review` when it reaches `review`, else `no_match` — as `bot.match.decide` rules, including the
`unattributed` floor for posts that name no speaker (applied here as a score of 0); a match on a
disputed sentence is `review` at any score, like a short post; a post that a contradiction sent
to review under `review` (`bot.contradiction.near_miss`) is flagged at any review threshold.

Besides the labelled file, the operators' review decisions count when the database has them:
the Telegram adapter's `telegram_decisions` table (bot/telegram/schema.py, same SQLite file as
the audit trail), one row per decided review with the post's `score` and the `decision`
("approve" or "reject"). An approved post is a labelled `match` at that score, a rejected one
a `no_match`. With no such table (the Telegram adapter never ran), only the labels are used.

Per language (`by_language`, `report`): the same sweep on the labelled posts of one language at
a time (the language the pipeline detects, whose `[match.lang.xx]` thresholds it applies),
beside the global one, where there are at least `[tune] min_language_matches` posts expected
to match (recall) and `min_language_negatives` expected not to (precision); below that the
report says so and `[match]` keeps applying. The operators' review decisions carry no language
and count in the global sweep only. The sweep and the suggestions, global and per language
(`suggest_language`), are `bot.tune_sweep`'s (re-exported here).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.config import MatchConfig
from bot.evaluate import Labelled
from bot.normalise import normalise
from bot.pipeline import Checker, prose_words
from bot.tune_sweep import (
    GRID,
    LanguageTuning,
    Point,
    Sample,
    Suggestion,
    by_language,
    suggest,
    suggest_language,
    sweep,
)

__all__ = [
    "DECISIONS",
    "GRID",
    "LanguageTuning",
    "Point",
    "Sample",
    "Suggestion",
    "by_language",
    "plot",
    "report",
    "review_samples",
    "run_labelled",
    "samples_from_results",
    "suggest",
    "suggest_language",
    "sweep",
    "table",
]

log = logging.getLogger(__name__)


def samples_from_results(
    checker: Checker, items: Sequence[Labelled], results: Sequence[Any]
) -> list[Sample]:
    cfg = checker.config.match
    out = []
    for item, result in zip(items, results, strict=True):
        post = normalise(item.post.text, item.post.lang)
        score = float(result.score) if result.admitted else 0.0
        if not checker.names_a_speaker(post) and score < cfg.unattributed:
            score = 0.0
        out.append(
            Sample(
                id=item.post.id,
                score=score,
                long_enough=prose_words(post) >= cfg.short_text_words
                and not (result.match is not None and result.match.disputed),
                expected=item.verdict,
                source="labels",
                surfaced=result.verdict == "review" and score < cfg.for_language(post.lang).review,
                lang=post.lang,
            )
        )
    return out


def run_labelled(
    checker: Checker,
    items: Sequence[Labelled],
    batch: int = 32,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> list[Sample]:
    """Check every labelled post once through the real pipeline, in batches."""
    starts: Iterable[int] = range(0, len(items), batch)
    if progress is not None:
        starts = progress(starts)
    results: list[Any] = []
    for start in starts:
        results += checker.check_many([i.post for i in items[start : start + batch]])
    return samples_from_results(checker, items, results)


DECISIONS = "telegram_decisions"  # created by bot/telegram/schema.py's m002_reviews


def review_samples(db_path: Path) -> list[Sample]:
    """The operators' approve/reject decisions, if the database holds the Telegram adapter's
    decisions table."""
    if not db_path.exists():
        return []
    import sqlite_utils

    db = sqlite_utils.Database(db_path)
    try:
        if DECISIONS not in db.table_names():
            log.info("tune: no %s table in %s; using the labels only", DECISIONS, db_path)
            return []
        out = []
        for row in db[DECISIONS].rows_where(order_by="id"):
            decision = str(row["decision"]).lower()
            if decision not in ("approve", "reject"):
                log.warning("tune: %s row %s: unknown decision %r", DECISIONS, row["id"], decision)
                continue
            expected = "match" if decision == "approve" else "no_match"
            score = float(row["score"] or 0.0)
            out.append(Sample(f"review-{row['review_id']}", score, True, expected, "reviews"))
        return out
    finally:
        db.close()


def table(points: Sequence[Point], current: MatchConfig, step: int = 5) -> str:
    """Every `step`-th row of the sweep, plus the rows of the current thresholds."""
    marks = {round(current.match, 2): " <- match", round(current.review, 2): " <- review"}
    if round(current.match, 2) == round(current.review, 2):
        marks[round(current.match, 2)] = " <- match, review"
    rows = ["threshold  match P  match R  flag P  flag R  published  flagged"]
    for i, p in enumerate(points):
        if i % step and p.threshold not in marks:
            continue
        rows.append(
            f"{p.threshold:>9.2f} {p.match_precision:>8.3f} {p.match_recall:>8.3f} "
            f"{p.flag_precision:>7.3f} {p.flag_recall:>7.3f} {p.published:>10} {p.flagged:>8}"
            f"{marks.get(p.threshold, '')}"
        )
    return "\n".join(rows)


def plot(points: Sequence[Point], current: MatchConfig, suggestion: Suggestion, path: Path) -> None:
    """Precision and recall against the threshold, with the current and suggested thresholds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [p.threshold for p in points]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    ax.plot(x, [p.match_precision for p in points], label="match precision", color="tab:blue")
    ax.plot(x, [p.match_recall for p in points], label="match recall", color="tab:blue", ls="--")
    ax.plot(x, [p.flag_precision for p in points], label="flag precision", color="tab:orange")
    ax.plot(x, [p.flag_recall for p in points], label="flag recall", color="tab:orange", ls="--")
    ax.axvline(current.match, color="black", lw=1.5, label=f"current match {current.match:.2f}")
    ax.axvline(current.review, color="grey", lw=1.5, label=f"current review {current.review:.2f}")
    if suggestion.match is not None:
        ax.axvline(
            suggestion.match,
            color="green",
            ls=":",
            lw=1.5,
            label=f"suggested match {suggestion.match:.2f}",
        )
    if suggestion.review is not None:
        ax.axvline(
            suggestion.review,
            color="olive",
            ls=":",
            lw=1.5,
            label=f"suggested review {suggestion.review:.2f}",
        )
    ax.set_xlabel("threshold (score)")
    ax.set_ylabel("precision / recall")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"factbot thresholds (target precision {suggestion.target_precision:.2f})")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def report(tunings: Sequence[LanguageTuning], min_matches: int, min_negatives: int) -> str:
    """The PR table and the suggested `[match.lang.xx]` of each language that has enough
    labelled posts; for the others, how many it has and how many it needs."""
    lines = []
    for t in tunings:
        head = (
            f"== {t.lang}: {t.matches} labelled match, {t.negatives} labelled no_match; "
            f"now match = {t.current.match}, review = {t.current.review}"
        )
        lines.append(head)
        if not t.enough or t.suggestion is None:
            lines.append(
                f"too few posts to suggest thresholds for {t.lang} (needs {min_matches} labelled "
                f"match and {min_negatives} labelled no_match): [match] applies"
            )
            continue
        lines.append(table(t.points, t.current))
        s = t.suggestion
        if s.match is None:
            lines.append(
                f"no threshold reaches precision {s.target_precision} in {t.lang} and publishes "
                "any of its labelled matches: [match] applies"
            )
        else:
            lines.append(
                f"suggested for precision >= {s.target_precision}:\n"
                f"[match.lang.{t.lang}]\nmatch = {s.match}\nreview = {s.review}"
            )
    return "\n".join(lines)
