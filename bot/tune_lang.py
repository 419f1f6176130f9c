"""`factbot tune` per language: the same sweep and suggestion as `bot.tune`, on the labelled
posts of one language at a time (the language the pipeline detects, whose `[match.lang.xx]`
thresholds it applies), beside the global one.

A language gets a suggestion only when its labelled posts can measure one: at least
`[tune] min_language_matches` posts expected to match (recall) and `min_language_negatives`
expected not to (precision). Below that, the report says so and `[match]` keeps applying; the
operators' review decisions carry no language and count in the global sweep only.

The suggestion differs from the global one (`bot.tune.suggest`, the lowest threshold that keeps
the target precision) because a language has a handful of posts, not hundreds: the thresholds
that keep the target precision and the best recall form a range (from above its highest
labelled negatives to its lowest labelled match), and its lowest end only says where this
handful of negatives stopped. `match` is the middle of that range; `review` its lowest end, so
that a post scoring between the negatives and the middle goes to an operator (lower still if a
labelled match or review post lies below it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import MatchConfig
from bot.tune import GRID, Point, Sample, Suggestion, suggest, sweep, table


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
    or lower where the global rule needs it to flag every labelled positive."""
    lowest = suggest(points, target_precision)
    if lowest.match is None:
        return lowest
    kept = [p for p in points if p.threshold >= lowest.match]
    best = max(p.match_recall for p in kept)
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
            lines.append(f"no threshold reaches precision {s.target_precision} in {t.lang}")
        else:
            lines.append(
                f"suggested for precision >= {s.target_precision}:\n"
                f"[match.lang.{t.lang}]\nmatch = {s.match}\nreview = {s.review}"
            )
    return "\n".join(lines)
