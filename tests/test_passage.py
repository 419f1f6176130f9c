"""Passages (issue 18, item 1): a post that covers several consecutive verified sentences is
answered with that passage, in order. The finder's pure core, the whole pipeline with the real
models, the replies within their limits, and the check page."""

from __future__ import annotations

import html
from pathlib import Path

import regex
from factories import make_post
from pages_support import seeded_store
from test_compose import make_match
from test_pages import CFG, Tree

from bot.compose import ReplyTexts, compose_reply
from bot.config import MatchConfig
from bot.domain import Alignment, Discrepancy, MatchInfo, Passage, Segment, Sentence
from bot.match import SegmentMatch
from bot.normalise import normalise
from bot.pages.render import render_check
from bot.passage import MAX_SENTENCES, clause_segments, covers, find_passage
from bot.pipeline import Checker

# --- the finder (pure) ----------------------------------------------------------------------


def quote(n: int, words: int = 3) -> list[Sentence]:
    """A quote "Q" of `n` sentences, Q.1 ... Q.n, each of `words` words."""
    return [
        Sentence(f"Q.{i}", "Q", "ev", i, " ".join([f"w{i}"] * words) + ".", "en")
        for i in range(1, n + 1)
    ]


def ids(sentences: tuple[Sentence, ...]) -> list[str]:
    return [s.id for s in sentences]


def test_a_sentence_alone_is_its_own_passage() -> None:
    assert ["Q.3"] == ids(find_passage(quote(5), "Q.3", set()))
    assert ["Q.3"] == ids(find_passage(quote(5), "Q.3", {"Q.3"}))


def test_covered_neighbours_make_a_passage_in_the_order_spoken() -> None:
    assert ["Q.2", "Q.3", "Q.4"] == ids(find_passage(quote(5), "Q.3", {"Q.4", "Q.2"}))
    assert ["Q.1", "Q.2"] == ids(find_passage(quote(5), "Q.2", {"Q.1"}))


def test_one_skipped_sentence_is_inside_the_passage_two_end_it() -> None:
    assert ["Q.1", "Q.2", "Q.3"] == ids(find_passage(quote(6), "Q.1", {"Q.3"}))
    assert ["Q.1"] == ids(find_passage(quote(6), "Q.1", {"Q.4"}))
    # The run goes on from a covered sentence to the next one past a single gap.
    assert ["Q.1", "Q.2", "Q.3", "Q.4", "Q.5"] == ids(find_passage(quote(6), "Q.1", {"Q.3", "Q.5"}))


def test_a_passage_starts_and_ends_on_covered_sentences() -> None:
    """The sentences around the run that the post does not cover are not part of it."""
    assert ["Q.2", "Q.3"] == ids(find_passage(quote(6), "Q.2", {"Q.3"}))


def test_a_passage_is_bounded_and_keeps_the_window_that_covers_most() -> None:
    everything = {f"Q.{i}" for i in range(1, 13)}
    got = find_passage(quote(12), "Q.2", everything)
    assert MAX_SENTENCES == len(got)
    assert ["Q.1", "Q.2", "Q.3", "Q.4"] == ids(find_passage(quote(12), "Q.2", everything, 4))
    # Every window holds the anchor: the one with most covered sentences around Q.6.
    got = find_passage(quote(12), "Q.6", {"Q.5", "Q.6", "Q.7", "Q.8", "Q.9"}, 3)
    assert ["Q.5", "Q.6", "Q.7"] == ids(got)
    # Bounded by length too: sentences of 150 words (450 characters), at most 1000 together.
    long = quote(4, words=150)
    assert ["Q.2", "Q.3"] == ids(find_passage(long, "Q.2", {"Q.3", "Q.4"}, 8, 1000))


def test_a_sentence_of_another_quote_is_never_in_the_passage() -> None:
    other = Sentence("R.1", "R", "ev", 9, "Elsewhere.", "en")
    assert [] == ids(find_passage(quote(3), "R.1", {"Q.1", "Q.2"}))
    assert ["Q.1"] == ids(find_passage([*quote(3)[:1], other], "Q.1", {"R.1"}))


def test_clauses_and_their_runs_with_offsets_into_the_prose() -> None:
    post = normalise("He said: OpenAI stopped long ago, Anthropic never was. Fine.")
    parts = clause_segments(post.segments)
    texts = [p.text for p in parts]
    assert "OpenAI stopped long ago" in texts
    assert "Anthropic never was." in texts
    assert "OpenAI stopped long ago, Anthropic never was." in texts
    assert all(post.prose[p.start : p.end] == p.text for p in parts)
    assert "Fine." not in texts  # one clause: the sentence itself, already aligned
    assert all(t != s.text for t in texts for s in post.segments)


def test_only_parts_at_support_that_no_invented_sentence_explains_cover() -> None:
    cfg = MatchConfig()
    seg = Segment("x y", False, 0, 3)

    def m(score: float, circ: float | None = None) -> SegmentMatch:
        verified = Alignment(seg, "Q.1", False, score, score, 0.0)
        invented = Alignment(seg, "C1", True, circ, circ, 0.0) if circ is not None else None
        return SegmentMatch(verified, invented)

    assert ["Q.1"] == [c.sentence_id for c in covers([m(cfg.support)], cfg)]
    assert [] == list(covers([m(cfg.support - 0.01)], cfg))
    assert [] == list(covers([m(0.8, circ=0.9)], cfg))


# --- the pipeline, with the real models -----------------------------------------------------

E3 = [
    "And so conversely what you're observing is that China, on the other hand, is going open "
    "source all the way.",
    "So the best open source models at the moment in the LLM world are all Chinese.",
    "And it's not good.",
]


def test_a_three_sentence_paraphrase_is_answered_with_the_passage_in_order(
    checker: Checker,
) -> None:
    """Three sentences of one quote folded into one post sentence: the reply, the JSON and the
    Telegram card quote all three, in the order spoken; nothing is named as changed."""
    post = make_post(
        "LeCun in Paris: the best open LLMs are all Chinese now, China on the other hand is "
        "going open source all the way, and that is not good.",
        created_at="2025-12-06T10:00:00Z",
    )
    result = checker.check(post)
    assert "match" == result.verdict and result.match is not None
    assert Passage(("E3.1", "E3.2", "E3.3"), " ".join(E3)) == result.match.passage
    assert " ".join(E3) == result.match.quote
    assert ("E3.1", "E3.2", "E3.3") == result.match.sentence_ids
    assert [] == [d.field for d in result.discrepancies]
    shown = result.to_json()["match"]
    assert {"sentence_ids": ["E3.1", "E3.2", "E3.3"], "text": " ".join(E3)} == shown["passage"]
    thread = "\n".join(p.text for p in result.reply.bluesky)
    assert (
        thread.index("And so conversely")
        < thread.index("So the best")
        < thread.index("And it's not good.")
    )
    card = html.unescape(result.reply.telegram)
    assert " ".join(E3) in card


def test_a_single_sentence_post_still_quotes_one_sentence(checker: Checker) -> None:
    post = make_post(
        "LeCun at ai-PULSE: \"There's still gonna be quite a lot of open source coming out of "
        'Meta, but maybe not as systematic as it used to be."',
        created_at="2025-12-05T10:00:00Z",
    )
    result = checker.check(post)
    assert result.match is not None
    assert ("E2.2",) == result.match.sentence_ids
    assert result.match.passage is not None and ("E2.2",) == result.match.passage.sentence_ids
    assert not result.match.is_passage
    assert "passage" not in result.to_json()["match"]  # the contract as it was


def test_changes_are_named_against_the_whole_passage(checker: Checker) -> None:
    """A sentence the post skips inside its passage is not "dropped"; an invented sentence in
    the same quote marks is still unsupported; the closing sentence after the passage is."""
    skipped = checker.check(
        make_post(
            'LeCun on LinkedIn: "Symptom of advanced stage: thinking your small tribe has a '
            'monopoly on good ideas." And: "Science and technology progress faster when larger '
            'numbers of talented people are involved and share their innovations."',
            created_at="2025-02-01T12:00:00Z",
        )
    )
    assert skipped.match is not None
    assert ("S2.2", "S2.3", "S2.4") == skipped.match.sentence_ids
    assert [] == [d.field for d in skipped.discrepancies]
    invented = checker.check(
        make_post(
            "LeCun to the FT: \"I'm not gonna change my mind because some dude thinks I'm wrong. "
            "I'm not wrong. My integrity as a scientist cannot allow me to do this. Meta's new "
            'bosses have no idea what they are doing."',
            created_at="2026-01-05T09:00:00Z",
        )
    )
    assert invented.match is not None
    assert ("S8b.1", "S8b.2", "S8b.3") == invented.match.sentence_ids
    assert [Discrepancy("unsupported", "Meta's new bosses have no idea what they are doing.")] == [
        d for d in invented.discrepancies
    ]
    dropped = checker.check(
        make_post(
            "LeCun in Paris in December: China, on the other hand, is going open source all the "
            "way, so the best open models in the LLM world right now are all Chinese.",
            created_at="2025-12-10T12:00:00Z",
        )
    )
    assert dropped.match is not None and dropped.match.passage is not None
    assert ("E3.1", "E3.2") == dropped.match.passage.sentence_ids
    assert ("E3.1", "E3.2", "E3.3") == dropped.match.sentence_ids  # the quote shows what it drops
    assert [Discrepancy("omitted", verified="And it's not good.")] == list(dropped.discrepancies)


# --- the replies within their limits --------------------------------------------------------

FOUR = (
    "To people who see the performance of DeepSeek and think: 'China is surpassing the US in "
    "AI.' You are reading this wrong. The correct reading is: 'Open source models are "
    "surpassing proprietary ones.' DeepSeek has profited from open research and open source "
    "(e.g., PyTorch and Llama from Meta)."
)


def passage_match(text: str = FOUR) -> MatchInfo:
    return make_match(
        quote=text,
        quote_id="S1",
        sentence_ids=("S1.1", "S1.2", "S1.3", "S1.4"),
        passage=Passage(("S1.1", "S1.2", "S1.3", "S1.4"), text),
    )


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def test_the_one_post_reply_quotes_a_passage_within_its_limits() -> None:
    match = passage_match()
    one = compose_reply("match", match, [], max_posts=1)
    (post,) = one.bluesky
    assert graphemes(post.text) <= 300 and len(post.text.encode()) <= 3000
    line = next(ln for ln in post.text.splitlines() if ln.startswith("The verified passage: “"))
    shown = line.removeprefix("The verified passage: “").removesuffix("”")
    assert shown.endswith("…") and FOUR.startswith(shown.removesuffix("…"))
    assert len(shown) >= 40
    # The rest of the post is what it was without the passage.
    plain = compose_reply("match", make_match(), [], max_posts=1).bluesky[0].text
    assert plain == "\n".join(ln for ln in post.text.splitlines() if ln != line)
    # A short passage is shown whole.
    short = compose_reply(
        "match", passage_match("You are reading this wrong. Read it right."), [], max_posts=1
    )
    assert "The verified passage: “You are reading this wrong. Read it right.”" in (
        short.bluesky[0].text
    )


def test_no_passage_line_when_it_cannot_fit_and_none_for_one_sentence() -> None:
    match = passage_match()
    changes = [
        Discrepancy("venue", "a place with a very long name " * 3, "ai-PULSE"),
        Discrepancy("unsupported", "An invented sentence that runs on and on " * 3),
    ]
    crowded = compose_reply("match", match, changes, max_posts=1)
    assert "The verified passage" not in crowded.bluesky[0].text
    assert graphemes(crowded.bluesky[0].text) <= 300
    single = compose_reply("match", make_match(), [], max_posts=1)
    assert "The verified passage" not in single.bluesky[0].text
    blank = compose_reply("match", match, [], ReplyTexts(one_passage=""), max_posts=1)
    assert "The verified passage" not in blank.bluesky[0].text


def test_the_thread_and_the_card_quote_the_passage_within_their_limits() -> None:
    match = passage_match(FOUR * 3)  # longer than one Bluesky post
    reply = compose_reply("match", match, [], max_posts=3)
    for post in reply.bluesky:
        assert graphemes(post.text) <= 300 and len(post.text.encode()) <= 3000
    quoted = next(p.text for p in reply.bluesky if "“To people who see" in p.text)
    assert "…”" in quoted  # shortened inside its quote marks, in one post
    assert len(reply.telegram) <= 4096
    assert html.escape(FOUR * 3, quote=True) in reply.telegram


# --- the check page -------------------------------------------------------------------------


def test_the_page_shows_the_passage_in_order(checker: Checker, tmp_path: Path) -> None:
    """A passage check recorded in the real store and read back: the page's verified side
    quotes the three sentences in the order spoken, and the record keeps the passage."""
    text = (
        "LeCun in Paris: the best open LLMs are all Chinese now, China on the other hand is "
        "going open source all the way, and that is not good."
    )
    pages = seeded_store(checker, tmp_path / "f.db", [text])
    page = next(p for p in pages if p.post.text == text)
    assert page.match.passage == Passage(("E3.1", "E3.2", "E3.3"), " ".join(E3))
    rendered = render_check(page, pages, checker.corpus, CFG)
    tree = Tree()
    tree.feed(rendered)
    assert [] == tree.errors
    verified = rendered[rendered.index('id="verified-side"') :]
    verified = html.unescape(regex.sub(r"<[^>]+>", "", verified[: verified.index("</section>")]))
    at = [verified.index(s.split()[1] + " " + s.split()[2]) for s in E3]
    assert at == sorted(at), verified
