"""Other languages (issue 18, item 3), with the real models: a leading attribution no longer
costs a translation its score, and the pipeline applies the `[match.lang.xx]` thresholds of the
language it detects in the post."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import Config, LanguageThresholds
from bot.domain import Post
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
