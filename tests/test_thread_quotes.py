"""No quotation is cut across two Bluesky posts: the verified wording and every change line stay
whole in one post, their values shortened with "…" inside the quote marks when they must be, so
no post of a thread carries a claim without the phrase that frames it (audit F2)."""

from __future__ import annotations

import regex
from factories import make_post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from threads import compose_thread as compose_reply

from bot.domain import Discrepancy, Reply, Verdict
from bot.pipeline import Checker
from tests.test_compose import assert_bluesky_ok, make_match

UNSUPPORTED = "No verified source contains this sentence: “"
REWORDED = "The post rewords it: “"
OMITTED = "The post drops the next sentence: “"
# The audit's crafted post (294 graphemes, postable on Bluesky): its invented sentence ends in
# ". yann lecun admits …", where the old packer broke the line, so that post 3/3 was only the
# attacker's words.
CRAFTED = (
    "the open source community will never recover from this and the open source community "
    "will never recover from this and the open sou. yann lecun admits that the benchmark "
    "results of his own lab were invented and that open models are unsafe for everyone"
)
CRAFTED_MATCH = make_match(
    quote="Results were fudged a little bit",
    speaker_role="Founder, AMI Labs (Advanced Machine Intelligence); formerly Meta's Chief AI "
    "Scientist",
    event="Financial Times lunch interview",
    venue="Pavyllon",
)


def posts(reply: Reply) -> list[str]:
    return [p.text for p in reply.bluesky]


def test_crafted_invented_sentence_is_never_a_post_of_its_own() -> None:
    """The audit's example: the invented sentence stays behind its phrase in one post, cut with
    "…" inside the quote marks; no post is only the attacker's words."""
    reply = compose_reply("match", CRAFTED_MATCH, [Discrepancy("unsupported", claimed=CRAFTED)])
    assert_bluesky_ok(reply)
    carrying = [p for p in posts(reply) if "yann lecun admits" in p or "open source comm" in p]
    assert 1 == len(carrying)
    line = carrying[0].split("\n")[-1]
    assert line.startswith("• " + UNSUPPORTED + CRAFTED[:200])
    assert regex.search(r"…” \(\d/\d\)$", line)
    assert [] == [p for p in posts(reply) if p.startswith("yann lecun")]


def test_a_long_verified_quote_is_shortened_inside_its_marks() -> None:
    """A verified wording longer than a post is shortened in one post, "…" before its closing
    mark, instead of running over two posts."""
    quote = " ".join(f"word{i}" for i in range(120))
    reply = compose_reply("match", make_match(quote=quote), [])
    assert_bluesky_ok(reply)
    with_quote = [p for p in posts(reply) if "word0" in p]
    assert 1 == len(with_quote)
    shown = regex.search(r"“([^”]*)”", with_quote[0])
    assert shown is not None and shown[1].endswith("…")
    assert quote.startswith(shown[1].removesuffix("…"))
    assert [] == [p for p in posts(reply) if "word119" in p]


def test_a_short_line_is_not_shortened() -> None:
    """A change line that fits one post is shown in full."""
    reply = compose_reply("match", make_match(), [Discrepancy("unsupported", claimed="short one")])
    assert any("• " + UNSUPPORTED + "short one”" in p for p in posts(reply))


# --- the property ------------------------------------------------------------------------------

# Claim words are nowhere in the templates or the match, so any of them in a post is claim text.
CLAIM_WORDS = (
    "zork", "quux", "blorp", "yann", "lecun", "No", "verified.", "sou.", "this:", "it.", "x" * 40,
    "👨\u200d👩\u200d👧\u200d👦", "e\u0301", "中文句子。", "🇫🇷", "Davos.",
)  # fmt: skip
claim_word = st.sampled_from(CLAIM_WORDS)
claims = st.lists(claim_word, min_size=1, max_size=90).map(" ".join)
FRAMINGS = {"unsupported": UNSUPPORTED, "reworded": REWORDED, "omitted": OMITTED}


def _claim_items() -> st.SearchStrategy[list[Discrepancy]]:
    one = st.one_of(
        st.builds(Discrepancy, field=st.just("unsupported"), claimed=claims),
        st.builds(Discrepancy, field=st.just("reworded"), claimed=claims, verified=claims),
        st.builds(Discrepancy, field=st.just("omitted"), verified=claims),
    )
    return st.lists(one, min_size=1, max_size=6)


def _claim_words(items: list[Discrepancy]) -> set[str]:
    words = {w for d in items for w in f"{d.claimed or ''} {d.verified or ''}".split()}
    return {w for w in words if w not in ("No", "Davos.", "verified.", "this:", "it.")}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(st.sampled_from(["match", "review", "no_match"]), _claim_items(), st.booleans())
def test_every_post_with_claim_text_carries_its_framing(
    verdict: Verdict, items: list[Discrepancy], long_quote: bool
) -> None:
    """Over generated change lines (sentence breaks, ". lowercase", CJK, ZWJ emoji, words
    longer than a post): every post containing claim text also contains a framing phrase, and
    each quotation in it opens after its phrase and closes in the same post; quote marks are
    balanced per post; every post is within 300 graphemes and 3000 bytes with its facets on its
    own bytes."""
    match = make_match(quote="So the best " * 60) if long_quote else make_match()
    reply = compose_reply(verdict, match, items)
    assert_bluesky_ok(reply)
    words = _claim_words(items)
    for text in posts(reply):
        assert text.count("“") == text.count("”"), text
        for line in text.split("\n"):
            if not any(w in line for w in words):
                continue
            body = line.removeprefix("• ")
            assert any(body.startswith(f) for f in FRAMINGS.values()), line
            assert regex.fullmatch(r"[^“”]*(“[^“”]*”[^“”]*)+", body), line


def test_the_audits_crafted_post_through_the_real_pipeline(checker: Checker) -> None:
    """The audit's reproduction, end to end with the real models: the reply thread never has a
    post that carries the invented sentence without its phrase."""
    text = f"LeCun: “You don't tell a researcher what to do.” “{CRAFTED}”"
    result = checker.check(make_post(text))
    assert "match" == result.verdict
    assert_bluesky_ok(result.reply)
    carrying = [p for p in posts(result.reply) if "yann lecun" in p or "never recover" in p]
    assert carrying and all(UNSUPPORTED in p for p in carrying)
    for p in carrying:
        assert p.count("“") == p.count("”")
