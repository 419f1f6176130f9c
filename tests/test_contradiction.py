"""Issue 18, item 4: a post sentence that says the opposite of the verified sentence it matched
is named (`contradicted`), deterministically where the words show it; agreeing negations are
not."""

from __future__ import annotations

import pytest
from conftest import ROOT

from bot.compare import contradicted, repeats
from bot.config import MatchConfig
from bot.contradiction import contradiction, entities, near_miss, numbers, relevant
from bot.corpus import load_corpus
from bot.domain import Alignment, Post, Segment, Sentence
from bot.lexical import tokens
from bot.match import SegmentMatch
from bot.pipeline import Checker

E22 = (
    "There's still gonna be quite a lot of open source coming out of Meta, but maybe not as "
    "systematic as it used to be."
)
E15 = "Google is kind of somewhere in between, but mostly climbing up too."


@pytest.mark.parametrize(
    ("claimed", "verified", "kind"),
    [
        ("The open era at Meta is over.", E22, "antonym"),
        ("Meta will never release open source again.", E22, "negation"),
        ("Google is completely closed.", E15, "hardened"),
        ("And that is good.", "And it's not good.", "negation"),
        ("Anthropic was always open.", "Anthropic never was.", "negation"),
        (
            "OpenAI is still open.",
            "OpenAI, of course, stopped being open quite a long time ago.",
            "negation",
        ),
        ("You are reading this right.", "You are reading this wrong.", "antonym"),
        (
            "When you do research in secret, you get ahead.",
            "When you do research in secret, you fall behind,",
            "antonym",
        ),
        (
            "He trained it on 3000 GPUs for 12 weeks.",
            "He trained it on 2000 GPUs for 12 weeks.",
            "number",
        ),
    ],
)
def test_an_opposite_is_named(claimed: str, verified: str, kind: str) -> None:
    reason = contradiction(claimed, verified)
    assert reason is not None and reason.kind == kind


@pytest.mark.parametrize(
    ("claimed", "verified"),
    [
        ("Meta will still release a lot of open source, just less systematically.", E22),
        ("And that is bad.", "And it's not good."),
        ("And it's not good.", "And it's not good."),
        ("Anthropic was never open.", "Anthropic never was."),
        (
            "OpenAI is no longer open.",
            "OpenAI, of course, stopped being open quite a long time ago.",
        ),
        ("That is not the right reading.", "You are reading this wrong."),
        (
            "The top open LLMs are all Chinese, which he says is not a good thing.",
            "So the best open source models at the moment in the LLM world are all Chinese.",
        ),
        ("He trained it on 2000 GPUs for 12 weeks.", "He trained it on 2000 GPUs for 12 weeks."),
    ],
)
def test_an_agreeing_sentence_is_not_named(claimed: str, verified: str) -> None:
    assert contradiction(claimed, verified) is None


S3A = "When you do research in secret, you fall behind,"
S3B = "The rest of the world will go open source and will overtake you."
S14 = (
    "DeepSeek has profited from open research and open source (e.g., PyTorch and Llama from Meta)."
)
E32 = "So the best open source models at the moment in the LLM world are all Chinese."
S151 = (
    "If those assistants are produced by a handful of companies on the West Coast of the United "
    "States or in China, we will not have enough diversity of information sources."
)
S10 = (
    "It does not leave much room for other approaches that may be much more promising in the "
    "long term."
)


@pytest.mark.parametrize(
    ("claimed", "verified", "kind", "detail"),
    [
        # reversals without a negation word (the antonym table)
        (
            "The rest of the world will go open source and will fall behind you.",
            S3B,
            "antonym",
            "overtake / behind",
        ),
        (
            "It has suffered from open research and open source.",
            S14,
            "antonym",
            "profited / suffered",
        ),
        (
            "Silicon Valley is hypnotised, so you have to do this work inside Silicon Valley.",
            "Silicon Valley is completely hypnotised by generative models, and so you have to do "
            "this kind of work outside of Silicon Valley, in Paris.",
            "antonym",
            "outside / inside",
        ),
        (
            "When you keep your research secret, you stay in front.",
            S3A,
            "antonym",
            "behind / front",
        ),
        (
            "They all want sovereignty in AI, and I believe they are mistaken.",
            "They all want to ensure their sovereignty in AI, and I believe they are right,",
            "antonym",
            "right / mistaken",
        ),
        # a changed nationality, company or place
        (
            "The best open source models in the LLM world are all American.",
            E32,
            "entity",
            "china / us",
        ),
        (
            "There's still gonna be quite a lot of open source coming out of OpenAI.",
            "There's still gonna be quite a lot of open source coming out of Meta, but maybe not "
            "as systematic as it used to be.",
            "entity",
            "meta / openai",
        ),
        (
            "DeepSeek profited from open research, like PyTorch and Llama from Google.",
            S14,
            "entity",
            "meta / google",
        ),
        (
            "To people who think the US is surpassing China in AI: you are reading this wrong.",
            "To people who see the performance of DeepSeek and think: 'China is surpassing the US "
            "in AI.'",
            "entity",
            "china surpassing us / reversed",
        ),
        # changed numbers and quantities
        (
            "Hire hundreds of people to school your system.",
            "Hire thousands of people to school your system.",
            "number",
            "100s",
        ),
        (S151.replace("a handful of", "thousands of"), S151, "quantity", "2 / 5"),
        (
            "I have spoken with only one government around the world.",
            "I have spoken with several governments around the world.",
            "quantity",
            "3 / 1",
        ),
        # hardening: an absolute against a hedge ("may")
        (S10.replace("may", "will certainly"), S10, "hardened", "certainly"),
    ],
)
def test_a_reversal_swap_quantity_or_hardening_is_named(
    claimed: str, verified: str, kind: str, detail: str
) -> None:
    reason = contradiction(claimed, verified)
    assert reason is not None and (reason.kind, reason.detail) == (kind, detail)


@pytest.mark.parametrize(
    ("claimed", "verified"),
    [
        # negated opposites agree ("not slower" is "faster"; "little room" is "not much room")
        (
            "Science advances faster, not slower, when large numbers of people share.",
            "Science and technology progress faster when larger numbers of talented people are "
            "involved and *share* their innovations.",
        ),
        (
            "You don't slow progress down, you accelerate it by involving more people.",
            "The magic of open research is that you accelerate progress by involving more people,",
        ),
        ("That leaves little room for other approaches that could be more promising.", S10),
        # "won't be as" softens, like "not as"
        (
            "Meta won't be as systematic about open source, but there will still be quite a lot.",
            "There's still gonna be quite a lot of open source coming out of Meta, but maybe not "
            "as systematic as it used to be.",
        ),
        # the verified entity kept, another named beside it; the framing's entity is no claim
        ("The best open source LLMs are all Chinese, not American.", E32),
        ("Ex-Meta scientist LeCun: DeepSeek profited from open research and open source.", S14),
        (
            "LeCun on Google: DeepSeek profited from open research, PyTorch and Llama from Meta.",
            S14,
        ),
        # two entities in the other order with no word of the claim between them
        (
            "If a handful of companies in China or the United States produce those assistants, we "
            "won't have enough diversity of information sources.",
            S151,
        ),
        # the same quantity, or one a step away; "every year" hardens nothing
        (S151.replace("a handful of", "a few"), S151),
        (
            "I have spoken with many governments around the world.",
            "I have spoken with several governments around the world.",
        ),
        (
            "Google: more closed every year.",
            "Google is kind of somewhere in between, but mostly climbing up too.",
        ),
        # a clause about another entity is read against its own sentence, not this one
        (
            "OpenAI stopped being open long ago, Anthropic never was open, and Google sits "
            "somewhere in between.",
            "OpenAI, of course, stopped being open quite a long time ago.",
        ),
    ],
)
def test_an_agreeing_sentence_with_opposites_or_entities_is_not_named(
    claimed: str, verified: str
) -> None:
    assert contradiction(claimed, verified) is None


def test_numbers_read_digits_and_words() -> None:
    assert numbers("3000 GPUs for twelve weeks and thousands of people") == {"3000", "12", "1000s"}


def test_the_clauses_about_another_entity_are_set_aside() -> None:
    claimed = "OpenAI stopped being open long ago, Anthropic never was open, and it is sad"
    kept = relevant(claimed, "OpenAI, of course, stopped being open quite a long time ago.")
    assert kept == "OpenAI stopped being open long ago, and it is sad"


def test_entities_leave_out_the_framing_when_asked() -> None:
    text = "LeCun on Meta: the ex-Google lab Anthropic never was open"
    assert [n for _, _, n in entities(text)] == ["meta", "google", "anthropic"]
    assert [n for _, _, n in entities(text, claims_only=True)] == ["anthropic"]
    assert [n for _, _, n in entities("us and US")] == ["us"]  # the pronoun is no country


def _aligned(text: str, sentence_id: str, score: float, circulating: bool = False) -> SegmentMatch:
    segment = Segment(text, quoted=False, start=0, end=len(text))
    alignment = Alignment(segment, sentence_id, circulating, score, score, 0.0)
    return SegmentMatch(verified=alignment, circulating=None)


@pytest.fixture(scope="module")
def sentences() -> dict[str, Sentence]:
    return {s.id: s for s in load_corpus(ROOT / "corpus").sentences()}


def test_a_contradiction_just_under_review_is_found(sentences: dict[str, Sentence]) -> None:
    """Item 4: between `support` and `review`, an alignment whose words say the opposite is
    the one `near_miss` returns (the best of them); an agreeing one, one under `support` and one
    at `review` or above (already a verdict of its own) are not."""
    cfg = MatchConfig()
    wrong = _aligned("LeCun: I'm wrong.", "S8b.2", 0.47)
    ahead = _aligned("LeCun: do research in secret and you get ahead.", "S3a.1", 0.46)
    agree = _aligned("LeCun: I'm not wrong.", "S8b.2", 0.48)
    assert near_miss([ahead, agree, wrong], sentences, cfg) == wrong.verified
    assert near_miss([agree], sentences, cfg) is None
    assert near_miss([_aligned("LeCun: I'm wrong.", "S8b.2", 0.44)], sentences, cfg) is None
    assert near_miss([_aligned("LeCun: I'm wrong.", "S8b.2", cfg.review)], sentences, cfg) is None


def test_a_post_sentence_is_read_against_the_sentences_it_repeats(
    sentences: dict[str, Sentence],
) -> None:
    """A post sentence that matched DeepSeek's sentence about profiting (S1.4) still reverses
    S1.7, whose words it repeats; the sentences it does not repeat are not read."""
    corpus = load_corpus(ROOT / "corpus")
    event = corpus.event("deepseek-post-2025")
    text = "LeCun on DeepSeek: that is the weakness of open research and open source."
    found = contradicted([_aligned(text, "S1.4", 0.72)], sentences, event, MatchConfig())
    assert [(d.claimed, d.verified) for d in found] == [(text, sentences["S1.7"].text)]
    assert repeats(tokens(text), sentences["S1.7"])
    assert not repeats(tokens(text), sentences["S1.2"])


def test_a_low_scoring_contradiction_is_never_a_silent_no_match(checker: Checker) -> None:
    """Item 4, with the real models: L215 scores under `review` (0.473 when measured), so it
    was a silent no_match; it now goes to review, named `contradicted`. Its agreeing twin is
    not named."""
    post = (
        "LeCun on restricting open models: rivals will not get access to them, even with a delay."
    )
    result = checker.check(Post("c1", post))
    assert result.score < checker.config.match.review
    assert result.verdict == "review"
    assert "contradicted" in {d.field for d in result.discrepancies}
    twin = checker.check(Post("c2", post.replace("will not get", "will still get")))
    assert "contradicted" not in {d.field for d in twin.discrepancies}
