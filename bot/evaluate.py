"""Accuracy on labelled posts: precision and recall per verdict and per discrepancy field, and
what the gate lets through and wrongly drops. Used by the tests, `benchmarks/labelled.py` and
(later) the operators' tuning tool."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.domain import FIELDS, CheckResult, Post


@dataclass(frozen=True)
class Labelled:
    post: Post
    kind: str
    verdict: str
    event_id: str | None
    fields: frozenset[str]
    # The verified passage the post covers (`expect.passage`: its sentence ids in order), when
    # the label gives it.
    passage: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PR:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    verdicts: dict[str, PR] = field(default_factory=dict)
    fields: dict[str, PR] = field(default_factory=dict)
    event_accuracy: float = 0.0  # matched posts whose event is the labelled one
    gate_passed: int = 0  # posts the gate let through
    gate_total: int = 0
    gate_dropped_positives: int = 0  # labelled match/review posts the gate turned away
    positives: int = 0
    mistakes: list[str] = field(default_factory=list)
    false_matches: list[str] = field(default_factory=list)  # labelled no_match, got match
    # Per language (the post's declared `lang`): `match` one-vs-rest, and "flagged" (match or
    # review) against posts labelled match or review; with the scores of the posts labelled
    # match or review, for the per-language score distributions (issue 18).
    languages: dict[str, tuple[PR, PR]] = field(default_factory=dict)
    language_scores: dict[str, list[float]] = field(default_factory=dict)
    language_negative_scores: dict[str, list[float]] = field(default_factory=dict)  # no_match
    # The passage's sentence ids against `expect.passage` (posts whose label gives it): P/R of
    # the ids, and how many passages came out exactly (the same ids in the same order).
    passage: PR = PR(0, 0, 0)
    passage_exact: int = 0
    passage_total: int = 0

    @property
    def passage_accuracy(self) -> float:
        return self.passage_exact / self.passage_total if self.passage_total else 1.0

    @property
    def gate_recall(self) -> float:
        return 1 - self.gate_dropped_positives / self.positives if self.positives else 1.0

    def table(self) -> str:
        rows = ["kind      name           precision  recall   tp  fp  fn"]
        for kind, group in (("verdict", self.verdicts), ("field", self.fields)):
            for name, pr in group.items():
                rows.append(
                    f"{kind:<9} {name:<14} {pr.precision:>9.3f} {pr.recall:>7.3f} "
                    f"{pr.tp:>4} {pr.fp:>3} {pr.fn:>3}"
                )
        rows.append(f"event accuracy on matched posts: {self.event_accuracy:.3f}")
        if self.passage_total:
            p = self.passage
            rows.append(
                f"passage ids: precision {p.precision:.3f} recall {p.recall:.3f} "
                f"(tp {p.tp} fp {p.fp} fn {p.fn}); exact passage {self.passage_accuracy:.3f} "
                f"({self.passage_exact}/{self.passage_total})"
            )
        rows.append(
            "lang    n  match P / R    flagged P / R  scores of match/review posts  "
            "no_match posts: n, max"
        )
        for lang, (m, f) in sorted(self.languages.items()):
            scores = self.language_scores.get(lang, [])
            spread = (
                f"min {min(scores):.3f} median {sorted(scores)[len(scores) // 2]:.3f}"
                if scores
                else "-".ljust(24)
            )
            negatives = self.language_negative_scores.get(lang, [])
            highest = f"{max(negatives):.3f}" if negatives else "-"
            n = len(scores)  # posts labelled match or review
            rows.append(
                f"{lang:<5} {n:>3}  {m.precision:.3f} / {m.recall:.3f}  "
                f"{f.precision:.3f} / {f.recall:.3f}  {spread}      {len(negatives):>3}, {highest}"
            )
        rows.append(
            f"gate: passed {self.gate_passed}/{self.gate_total} posts; recall on "
            f"match/review posts {self.gate_recall:.3f} "
            f"({self.gate_dropped_positives} of {self.positives} wrongly dropped)"
        )
        return "\n".join(rows)


def load_labelled(path: Path) -> list[Labelled]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        expect = raw["expect"]
        created = raw.get("created_at")
        post = Post(
            id=raw["id"],
            text=raw["text"],
            created_at=datetime.fromisoformat(created) if created else None,
            lang=raw.get("lang"),
        )
        out.append(
            Labelled(
                post=post,
                kind=raw.get("kind", ""),
                verdict=expect["verdict"],
                event_id=expect.get("event_id"),
                fields=frozenset(expect.get("fields", ())),
                passage=_passage(expect.get("passage")),
            )
        )
    return out


def _passage(raw: object) -> tuple[str, ...] | None:
    """`expect.passage`: a list of sentence ids, or an object with `sentence_ids`."""
    if isinstance(raw, dict):
        raw = raw.get("sentence_ids")
    if not isinstance(raw, list):
        return None
    return tuple(str(i) for i in raw)


def evaluate(items: Sequence[Labelled], results: Sequence[CheckResult]) -> Report:
    """Compare results with labels. Verdict P/R is one-vs-rest per verdict; field P/R counts,
    per post, whether the field was named (once) when expected."""
    report = Report()
    counts = {v: [0, 0, 0] for v in ("match", "review", "no_match")}
    fcounts = {f: [0, 0, 0] for f in FIELDS}
    events_ok = events_total = 0
    lcounts: dict[str, list[int]] = {}
    pcounts = [0, 0, 0]
    for item, result in zip(items, results, strict=True):
        if item.passage is not None:
            got_p = _got_passage(result)
            pcounts[0] += len(set(got_p) & set(item.passage))
            pcounts[1] += len(set(got_p) - set(item.passage))
            pcounts[2] += len(set(item.passage) - set(got_p))
            report.passage_total += 1
            report.passage_exact += got_p == item.passage
            if got_p != item.passage:
                report.mistakes.append(
                    f"{item.post.id} [{item.kind}] passage want {list(item.passage)} "
                    f"got {list(got_p)}"
                )
        lang = item.post.lang or "?"
        lc = lcounts.setdefault(lang, [0] * 6)
        got_flag, want_flag = result.verdict != "no_match", item.verdict != "no_match"
        for k, (got, want) in enumerate(
            ((result.verdict == "match", item.verdict == "match"), (got_flag, want_flag))
        ):
            lc[3 * k] += got and want
            lc[3 * k + 1] += got and not want
            lc[3 * k + 2] += want and not got
        if want_flag:
            report.language_scores.setdefault(lang, []).append(result.score)
        else:
            report.language_negative_scores.setdefault(lang, []).append(result.score)
        got_v, want_v = result.verdict, item.verdict
        for v, c in counts.items():
            c[0] += got_v == v and want_v == v
            c[1] += got_v == v and want_v != v
            c[2] += got_v != v and want_v == v
        got_f = {d.field for d in result.discrepancies}
        for f, c in fcounts.items():
            c[0] += f in got_f and f in item.fields
            c[1] += f in got_f and f not in item.fields
            c[2] += f not in got_f and f in item.fields
        if want_v != "no_match" and result.match is not None and item.event_id:
            events_total += 1
            events_ok += result.match.event_id == item.event_id
        report.gate_total += 1
        report.gate_passed += result.admitted
        if want_v != "no_match":
            report.positives += 1
            report.gate_dropped_positives += not result.admitted
        if want_v == "no_match" and got_v == "match":
            report.false_matches.append(item.post.id)
        if got_v != want_v or got_f != item.fields:
            report.mistakes.append(
                f"{item.post.id} [{item.kind}] want {want_v} {sorted(item.fields)} "
                f"got {got_v} {sorted(got_f)} score={result.score:.3f}"
            )
    report.verdicts = {v: PR(*c) for v, c in counts.items()}
    report.fields = {f: PR(*c) for f, c in fcounts.items()}
    report.event_accuracy = events_ok / events_total if events_total else 1.0
    report.languages = {lang: (PR(*c[:3]), PR(*c[3:])) for lang, c in lcounts.items()}
    report.passage = PR(*pcounts)
    return report


def _got_passage(result: CheckResult) -> tuple[str, ...]:
    """The passage a result quotes (none for no_match)."""
    if result.verdict == "no_match" or result.match is None or result.match.passage is None:
        return ()
    return result.match.passage.sentence_ids
