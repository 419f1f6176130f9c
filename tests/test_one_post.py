"""The default Bluesky reply: ONE post (the verdict, the one or two most important changes, a
link facet to the check page), within Bluesky's limits for every labelled post; the thread
comes back with `[reply] bluesky_max_posts` >= 2; the Telegram card links the page too."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import regex
from conftest import PAGES_BASE
from factories import SEED_TEXT, make_post
from fuzz_invariants import bluesky_violations, corpus_sources
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.compose import ReplyTexts, compose_reply
from bot.config import Config, ReplyConfig
from bot.domain import FIELDS, BlueskyPost, Discrepancy, MatchInfo, Source
from bot.evaluate import load_labelled
from bot.models.vectors import Embedder
from bot.pages.record import page_url
from bot.pipeline import Checker, build_checker

DATA = Path(__file__).parent / "data"
SEED_PAGE = page_url(PAGES_BASE, "p1")


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def within_limits(post: BlueskyPost) -> None:
    raw = post.text.encode()
    assert graphemes(post.text) <= 300, post.text
    assert len(raw) <= 3000
    for link in post.links:
        assert 0 <= link.byte_start < link.byte_end <= len(raw)
        raw[link.byte_start : link.byte_end].decode()  # on character boundaries


def test_the_seed_gets_one_post_linking_its_page(one_post_checker: Checker) -> None:
    """The seed's reply: the verdict, the wrong place and the wrong date (the first two
    changes in the one-post order), and the page as a link facet on its label's bytes."""
    result = one_post_checker.check(make_post(SEED_TEXT))
    assert 1 == len(result.reply.bluesky)
    post = result.reply.bluesky[0]
    assert (
        "Fact check: Yann LeCun said something close at ai-PULSE 2025, Station F, Paris, "
        "4 Dec 2025. This post changed it:\n"
        "• Not said at Davos: this was ai-PULSE 2025, Station F, Paris.\n"
        "• Not recent: said on 4 Dec 2025.\n"
        "Verified wording, every change, sources: factbot.example.org/…"
    ) == post.text
    (link,) = post.links
    assert SEED_PAGE == link.uri
    assert "factbot.example.org/…" == post.text.encode()[link.byte_start : link.byte_end].decode()
    assert f'<a href="{SEED_PAGE}">' in result.reply.telegram


def test_an_invented_sentence_comes_before_other_changes(one_post_checker: Checker) -> None:
    """With no place or date claimed, the invented sentence is the first change shown."""
    text = (
        "Yann LeCun: 'The best open source AI models right now come from China. Everybody in "
        "the research community is using Chinese models.'"
    )
    post = one_post_checker.check(make_post(text)).reply.bluesky[0]
    lines = post.text.split("\n")
    assert lines[1].startswith("• No verified source contains this sentence: “Everybody in")


def test_bluesky_max_posts_brings_the_thread_back(
    one_post_config: Config, one_post_checker: Checker, embedders: dict[str, Embedder]
) -> None:
    """`bluesky_max_posts = 3`: the thread as before (numbered posts, the verified wording in
    full), ending with the page link; the default config gives one post."""
    config = dataclasses.replace(one_post_config, reply=ReplyConfig(bluesky_max_posts=3))
    threaded = build_checker(config, embedders)
    thread = threaded.check(make_post(SEED_TEXT)).reply.bluesky
    assert len(thread) > 1
    assert all(p.text.endswith(f"({i}/{len(thread)})") for i, p in enumerate(thread, 1))
    assert "So the best open source models" in thread[0].text
    assert SEED_PAGE == thread[-1].links[-1].uri
    assert 1 == len(one_post_checker.check(make_post(SEED_TEXT)).reply.bluesky)


def test_every_labelled_post_gets_one_post_within_the_limits(one_post_checker: Checker) -> None:
    """Over both labelled sets (265 posts): one post each, within 300 graphemes and 3000
    bytes, its facets on its own bytes; a match or a review links its page (a review's is public
    once an operator approves it, and only then is its reply sent), a no match none; and
    the fuzzer's invariants hold (every claimed sentence behind its framing phrase, quote marks
    balanced, links only to corpus sources and the check pages)."""
    items = load_labelled(DATA / "labelled.jsonl") + load_labelled(DATA / "heldout.jsonl")
    posts = [item.post for item in items]
    assert 265 == len(posts)
    results = one_post_checker.check_many(posts)
    pages = frozenset(page_url(PAGES_BASE, p.id) for p in posts)
    sources = corpus_sources(one_post_checker.corpus) | pages
    for result in results:
        assert [] == bluesky_violations(result, ReplyTexts(), sources), result.post.id
        assert 1 == len(result.reply.bluesky), result.post.id
        post = result.reply.bluesky[0]
        within_limits(post)
        page = page_url(PAGES_BASE, result.post.id)
        linked = any(link.uri == page for link in post.links)
        assert (result.verdict in ("match", "review")) == linked, result.post.id
    assert sum(r.verdict == "match" for r in results) > 20


def _match(value: str) -> MatchInfo:
    return MatchInfo(
        quote=value,
        quote_id="E3",
        speaker=value,
        speaker_role=value,
        event=value,
        venue=value,
        city=value,
        date=date(2025, 12, 4),
        source_url="https://example.org/" + value[:50],
        source_kind="secondary",
        sources=(Source("https://example.org/", value, "secondary"),),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.text(min_size=1, max_size=2000),
    fields=st.lists(st.sampled_from(FIELDS), min_size=0, max_size=7),
    cut=st.booleans(),
)
def test_any_values_fit_one_post(value: str, fields: list[str], cut: bool) -> None:
    """Whatever the values (emoji, zalgo, 2,000 characters), the one post stays within the
    limits and keeps its page link."""
    found = [Discrepancy(f, claimed=value, verified=value) for f in fields]  # type: ignore[arg-type]
    reply = compose_reply("match", _match(value), found, cut=cut, page=SEED_PAGE)
    assert 1 == len(reply.bluesky)
    within_limits(reply.bluesky[0])
    assert SEED_PAGE in [link.uri for link in reply.bluesky[0].links]
