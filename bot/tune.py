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
and count in the global sweep only. A language's suggestion (`suggest_language`) differs from
the global one because it rests on a handful of posts, not hundreds: the thresholds that keep
the target precision and the best recall form a range (from above its highest labelled
negatives to its lowest labelled match), and its lowest end only says where this handful of
negatives stopped. `match` is the middle of that range; `review` its lowest end, so that a post
scoring between the negatives and the middle goes to an operator (lower still if a labelled
match or review post lies below it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import MatchConfig
from bot.evaluate import Labelled
from bot.normalise import normalise
from bot.pipeline import Checker, prose_words

log = logging.getLogger(__name__)

GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.951, 0.01))


@dataclass(frozen=True)
class Sample:
    """One post's best score as the thresholds see it, whether it can publish at all (long
    enough, and not resting on a disputed sentence: both go to review whatever the score), and
    what it should have been ("match", "review" or "no_match")."""

    id: str
    score: float
    long_enough: bool
    expected: str
    source: str  # "labels" or "reviews"
    # Sent to review under `review` by a contradiction (`bot.contradiction.near_miss`): flagged
    # whatever the review threshold (as measured at the configured one).
    surfaced: bool = False
    lang: str | None = None  # as the pipeline detects it: whose thresholds apply (none: reviews)


@dataclass(frozen=True)
class Point:
    threshold: float
    match_precision: float
    match_recall: float
    flag_precision: float  # match or review, against posts labelled match or review
    flag_recall: float
    published: int
    flagged: int


@dataclass(frozen=True)
class Suggestion:
    match: float | None  # None: no threshold reaches the target precision
    review: float | None
    target_precision: float


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


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def sweep(samples: Sequence[Sample], grid: Sequence[float] = GRID) -> list[Point]:
    """Precision and recall at each threshold: of `match` (published), taking the threshold as
    `match`, and of being flagged at all (match or review), taking it as `review`."""
    points = []
    for t in grid:
        published = [s for s in samples if s.score >= t and s.long_enough]
        flagged = [s for s in samples if s.score >= t or s.surfaced]
        is_match = sum(s.expected == "match" for s in samples)
        positives = sum(s.expected != "no_match" for s in samples)
        good_pub = sum(s.expected == "match" for s in published)
        good_flag = sum(s.expected != "no_match" for s in flagged)
        points.append(
            Point(
                threshold=t,
                match_precision=_ratio(good_pub, len(published)),
                match_recall=_ratio(good_pub, is_match),
                flag_precision=_ratio(good_flag, len(flagged)),
                flag_recall=_ratio(good_flag, positives),
                published=len(published),
                flagged=len(flagged),
            )
        )
    return points


def suggest(points: Sequence[Point], target_precision: float) -> Suggestion:
    """`match`: the lowest threshold from which on (every higher threshold too) the published
    posts reach the target precision: the most recall at that precision, ignoring a lucky dip.
    `review`: the highest threshold, not above it, that still flags every post labelled match or
    review; else the one that flags the most of them."""
    match = None
    for p in sorted(points, key=lambda p: -p.threshold):
        if p.match_precision < target_precision:
            break
        match = p.threshold
    capped = [p for p in points if match is None or p.threshold <= match]
    review = None
    if capped:
        best = max(p.flag_recall for p in capped)
        review = max(p.threshold for p in capped if p.flag_recall == best)
    return Suggestion(match, review, target_precision)


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


# --- per language -----------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageTuning:
    lang: str
    matches: int  # labelled posts expected to match
    negatives: int  # expected no_match
    current: MatchConfig  # the thresholds that apply to this language now
    points: tuple[Point, ...] = ()  # empty: too few posts to sweep
    suggestion: Suggestion | None = None

    @property
    def enough(self) -> bool:
        return self.suggestion is not None


def by_language(
    samples: Sequence[Sample],
    match: MatchConfig,
    target_precision: float,
    min_matches: int,
    min_negatives: int,
) -> list[LanguageTuning]:
    """One entry per detected language among the labelled samples, in code order; swept and
    suggested only where there are `min_matches` and `min_negatives` of its posts."""
    groups: dict[str, list[Sample]] = {}
    for s in samples:
        if s.source == "labels":
            groups.setdefault(s.lang or "?", []).append(s)
    out = []
    for lang, group in sorted(groups.items()):
        matches = sum(s.expected == "match" for s in group)
        negatives = sum(s.expected == "no_match" for s in group)
        current = match.for_language(lang)
        if matches < min_matches or negatives < min_negatives:
            out.append(LanguageTuning(lang, matches, negatives, current))
            continue
        points = tuple(sweep(group))
        out.append(
            LanguageTuning(
                lang,
                matches,
                negatives,
                current,
                points,
                suggest_language(points, target_precision),
            )
        )
    return out


def suggest_language(points: Sequence[Point], target_precision: float) -> Suggestion:
    """`match` in the middle of the thresholds that keep `target_precision` (from there on, as
    `bot.tune.suggest` reads it) with the best recall among them; `review` at their lowest end,
    or lower where the global rule needs it to flag every labelled positive. None where the
    target precision holds only above every labelled match (nothing would publish)."""
    lowest = suggest(points, target_precision)
    if lowest.match is None:
        return lowest
    kept = [p for p in points if p.threshold >= lowest.match]
    best = max(p.match_recall for p in kept)
    if best == 0:  # the target is only "reached" where nothing publishes
        return Suggestion(None, None, target_precision)
    plateau = [p.threshold for p in kept if p.match_recall == best]
    middle = (min(plateau) + max(plateau)) / 2
    match = min(GRID, key=lambda t: (abs(t - middle), t))
    below = [p for p in points if p.threshold <= match]
    most = max(p.flag_recall for p in below)
    flags_all = max(p.threshold for p in below if p.flag_recall == most)
    review = min(lowest.match, flags_all)
    return Suggestion(match, review, target_precision)


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
