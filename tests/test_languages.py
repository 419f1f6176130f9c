"""Other languages (issue 18, item 3), with the real models: a leading attribution no longer
costs a translation its score, and the pipeline applies the `[match.lang.xx]` thresholds of the
language it detects in the post."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import DATA

from bot.config import Config, LanguageThresholds
from bot.domain import Post
from bot.evaluate import evaluate, load_labelled
from bot.match import variants
from bot.models.vectors import Embedder
from bot.pipeline import Checker, build_checker

# Faithful renderings of S3a.1, S17c.1 and S4d.1, each behind "Yann LeCun:", which at main
# 7ee06e0 scored 0.504, 0.403 and 0.536 (review, no_match, review).
ATTRIBUTED = [
    ("es", "Yann LeCun: cuando investigas en secreto, te quedas atrás.", "S3a.1"),
    (
        "de",
        "Yann LeCun: Meiner Meinung nach führt der einzige Weg dorthin über "
        "Open-Source-KI-Plattformen.",
        "S17c.1",
    ),
    (
        "ko",
        "Yann LeCun: 오픈 연구의 마법은 더 많은 사람들을 참여시켜 진보를 가속한다는 것이다.",
        "S4d.1",
    ),
    ("ja", "Yann LeCun:秘密裏に研究をすると、取り残される。", "S3a.1"),
]
# An Italian rendering of S17c.1 that still scores between `review` and `match` (0.60).
ITALIAN = (
    "Yann LeCun all'ONU: secondo me, l'unico modo per arrivarci sono le piattaforme di IA "
    "open source."
)


def test_variants_drop_a_short_leading_attribution_only() -> None:
    """A sentence opening with a short "head:" is also embedded without it; a long head, a
    clock time, a body too short to mean anything, or no colon leave the sentence alone."""
    assert ("Yann LeCun: a b c", "a b c") == variants("Yann LeCun: a b c")
    assert ("LeCun en VivaTech:现在最好的开源模型", "现在最好的开源模型") == variants(
        "LeCun en VivaTech:现在最好的开源模型"
    )
    for whole in (
        "At the summit in Paris last year Yann LeCun said: we fall behind in secret.",
        "At 10:30 he said it was fine",
        "LeCun: no way",
        "No colon here at all",
    ):
        assert (whole,) == variants(whole)


@pytest.mark.parametrize(("lang", "text", "sentence"), ATTRIBUTED)
def test_a_leading_attribution_costs_a_translation_nothing(
    checker: Checker, lang: str, text: str, sentence: str
) -> None:
    """The post matches its verified sentence, scoring what the words after the colon score on
    their own; with the name embedded too it would score at least 0.1 less."""
    result = checker.check(Post("t", text, lang=lang))
    assert ("match", sentence) == (result.verdict, result.scores.sentence_id)
    body = variants(text)[1]
    alone = checker.matcher.best_scores([body], lang, [sentence])[sentence]
    whole = checker.matcher.best_scores([text], lang, [sentence])[sentence]
    assert result.score == pytest.approx(alone, abs=1e-6)
    assert result.score >= whole + 0.1


def _with_languages(config: Config, *langs: LanguageThresholds) -> Config:
    return dataclasses.replace(config, match=dataclasses.replace(config.match, lang=langs))


def test_the_thresholds_of_the_detected_language_apply(
    checker: Checker, config: Config, embedders: dict[str, Embedder]
) -> None:
    """The Italian post is `review` under `[match]`; `[match.lang.it]` with a lower `match`
    publishes it, and raising `review` there drops it; `[match.lang.fr]` changes nothing for it,
    even when its author's client declares it French (the detected language decides)."""
    post = Post("it", ITALIAN, lang="it")
    before = checker.check(post)
    assert "review" == before.verdict
    assert config.match.review <= before.score < config.match.match

    lower = build_checker(_with_languages(config, LanguageThresholds("it", 0.58, 0.5)), embedders)
    published = lower.check(post)
    assert ("match", "S17c.1") == (published.verdict, published.scores.sentence_id)
    assert published.match is not None and "un-open-source-week-2026" == published.match.event_id

    higher = build_checker(_with_languages(config, LanguageThresholds("it", 0.9, 0.8)), embedders)
    assert "no_match" == higher.check(post).verdict

    french = build_checker(_with_languages(config, LanguageThresholds("fr", 0.58, 0.5)), embedders)
    assert "review" == french.check(post).verdict
    assert "review" == french.check(dataclasses.replace(post, lang="fr")).verdict
    assert "match" == lower.check(dataclasses.replace(post, lang="fr")).verdict


def test_other_languages_keep_their_measured_accuracy(checker: Checker) -> None:
    """tests/data/languages.jsonl (65 posts in eight languages, 27 of them hard negatives):
    no false match, match recall at least 0.95 (measured 0.974, 37 of 38; 0.711 at main
    7ee06e0), every moved venue and date named, and no field named on a faithful rendering."""
    items = load_labelled(DATA / "languages.jsonl")
    report = evaluate(items, checker.check_many([i.post for i in items]))
    assert [] == report.false_matches, report.table()
    assert report.verdicts["match"].precision == 1.0, report.table()
    assert report.verdicts["match"].recall >= 0.95, report.table()
    for field in ("venue", "date"):
        assert (1.0, 1.0) == (report.fields[field].precision, report.fields[field].recall)
    assert 0 == sum(pr.fp for pr in report.fields.values()), report.table()


def test_english_sentences_are_embedded_whole(checker: Checker) -> None:
    """An English post's "LeCun in Geneva this week: …" is scored as written (MiniLM and the
    shared words carry English; there the attribution-free variant raised a clause to where the
    contradiction rules misread it)."""
    text = (
        "LeCun in Geneva this week: cutting off open research would slow us down and help "
        "rivals catch up. His point: open research accelerates progress because more people "
        "get involved."
    )
    result = checker.check(Post("en", text, lang="en"))
    assert "match" == result.verdict
    assert "contradicted" not in {d.field for d in result.discrepancies}
    for a in result.alignments:
        whole = checker.matcher.best_scores([a.segment.text], "en", [a.sentence_id])
        assert a.score == pytest.approx(whole[a.sentence_id], abs=1e-6)
