"""Issue 18, item 2: a post in capitals, with emoji, hashtags and a link, is checked like its
plain twin, and no reply names a sentence of the post as having no verified source while quoting
the very original that sentence matched. Properties over every labelled and held-out post (the
real models, the shipped corpus) and their shouted variants."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from conftest import DATA

from bot.domain import CheckResult, Post
from bot.evaluate import Labelled, load_labelled
from bot.inputs import clean_post
from bot.lexical import folded
from bot.match import explained_by_circulating
from bot.normalise import normalise, with_language
from bot.pipeline import Checker

ITEMS = load_labelled(DATA / "labelled.jsonl") + load_labelled(DATA / "heldout.jsonl")

VARIANTS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "emoji": lambda t: f"🚨🔥 {t} 😱👀",
    "hashtags": lambda t: f"{t} #AI #OpenSource #tech",
    "link": lambda t: f"{t} https://example.com/a/b?c=1",
    "all": lambda t: f"🚨🔥 {t.upper()} 😱 #AI #OPENSOURCE https://example.com/x",
}
# How far a shouted variant's score may fall below its plain twin's, on a post labelled match
# or review (a no_match post may fall further: L095 in capitals is turned away by the gate, at
# 0). Measured before the fix:
# up to 0.64 (L077 0.906 -> 0.334 in capitals); after it, at most 0.16 (a French quote, whose
# lower-cased form the multilingual model reads a little apart from the original's case).
_CLOSE = 0.2


@pytest.fixture(scope="module")
def plain(checker: Checker) -> list[CheckResult]:
    return checker.check_many([i.post for i in ITEMS])


def _shouted(checker: Checker, variant: str) -> list[CheckResult]:
    change = VARIANTS[variant]
    return checker.check_many(
        [dataclasses.replace(i.post, text=change(i.post.text)) for i in ITEMS]
    )


def _contradictions(checker: Checker, result: CheckResult) -> list[str]:
    """Sentences the reply names as unsupported although they are what matched (best of the
    post, at `support` or above, not closer to a known invented sentence) a verified sentence
    the same reply quotes."""
    if result.match is None:
        return []
    post = clean_post(result.post)
    normalised = with_language(normalise(post.text, post.lang, detect=False), post.lang)
    (matches,) = checker.matcher.align_many([normalised])
    cfg = checker.config.match
    claimed = {d.claimed for d in result.discrepancies if d.field == "unsupported"}
    best: dict[str, float] = {}  # the best score each quoted sentence gets from the post
    for m in matches:
        sid = m.verified.sentence_id
        best[sid] = max(best.get(sid, 0.0), m.verified.score)
    return [
        m.verified.segment.text
        for m in matches
        if m.verified.segment.text in claimed
        and m.verified.sentence_id in result.match.sentence_ids
        and m.verified.score >= cfg.support
        and m.verified.score >= best[m.verified.sentence_id]  # the sentence it matched
        and not explained_by_circulating(m, cfg)
    ]


def test_folded_lowers_only_a_shouted_sentence() -> None:
    assert "Open source is not over, lecun says." == folded("OPEN SOURCE IS NOT OVER, LECUN SAYS.")
    assert "“The best models are chinese”" == folded("“THE BEST MODELS ARE CHINESE”")
    ordinary = "LeCun says the best LLM models at NeurIPS are Chinese."
    assert ordinary == folded(ordinary)
    assert "AI!" == folded("AI!")  # too few letters to tell shouting from an acronym


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_shouted_post_is_checked_like_its_plain_twin(
    checker: Checker, plain: list[CheckResult], variant: str
) -> None:
    shouted = _shouted(checker, variant)
    far, changed, contradictory = [], [], []
    for item, p, s in zip(ITEMS, plain, shouted, strict=True):
        if item.verdict != "no_match" and s.score < p.score - _CLOSE:
            far.append(f"{item.post.id}: {p.score:.3f} -> {s.score:.3f}")
        if p.verdict == item.verdict and s.verdict != p.verdict:
            changed.append(f"{item.post.id}: {p.verdict} -> {s.verdict}")
        was, now = p.match.event_id if p.match else None, s.match.event_id if s.match else None
        if p.verdict == item.verdict and was and now and was != now:
            changed.append(f"{item.post.id}: event {was} -> {now}")
        contradictory += [f"{item.post.id}: {t}" for t in _contradictions(checker, s)]
    assert [] == far
    assert [] == changed
    assert [] == contradictory


def test_no_reply_names_the_original_it_quotes_as_unsupported(
    checker: Checker, plain: list[CheckResult]
) -> None:
    found = [f"{r.post.id}: {t}" for r in plain for t in _contradictions(checker, r)]
    assert [] == found


def _item(post_id: str) -> Labelled:
    return next(i for i in ITEMS if i.post.id == post_id)


def test_the_reply_keeps_the_posts_own_text(checker: Checker) -> None:
    """Folding is what the models read; the post and the claims shown are the post's own."""
    post = _item("L071").post
    loud = Post(post.id, post.text.upper(), post.created_at, post.lang)
    result = checker.check(loud)
    assert result.post.text == loud.text
    claims = [d.claimed for d in result.discrepancies if d.claimed]
    assert claims and all(c == c.upper() for c in claims)
