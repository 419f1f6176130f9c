"""The threshold sweep of `factbot tune` (`bot.tune`), pure: precision and recall of the
labelled samples at each threshold of `GRID`, the suggested `match` and `review`, globally
(`suggest`) and per language (`by_language`, `suggest_language`).

A language's suggestion differs from the global one because it rests on a handful of posts, not
hundreds: the thresholds that keep the target precision and the best recall form a range (from
above its highest labelled negatives to its lowest labelled match), and its lowest end only says
where this handful of negatives stopped. `match` is the middle of that range; `review` its lowest
end, so that a post scoring between the negatives and the middle goes to an operator (lower
still if a labelled match or review post lies below it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.config import MatchConfig

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
    `suggest` reads it) with the best recall among them; `review` at their lowest end,
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
