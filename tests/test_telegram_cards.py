"""Pure parts of the Telegram adapter: cards within the limit and well-formed, the per-user
limit. The emulator's HTML parser stands in for Telegram's as an independent check."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest
from factories import make_post
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram_emulator import parse_html

from bot.compose import compose_reply
from bot.config import TelegramConfig
from bot.domain import CheckResult, Discrepancy, MatchInfo, Source
from bot.telegram.app import MissingToken, build_application
from bot.telegram.cards import (
    alert_text,
    channel_card,
    decided_card,
    decision_footer,
    review_card,
)
from bot.telegram.digest import DigestFigures, digest_text

T0 = datetime(2026, 5, 12, 9, tzinfo=UTC)
PIECES = [*"<>&\"'/ab ;#x", "</a>", "<b>", "&amp;", "é", "中", "👍🏽", "\u202e", "word " * 20]
texts = st.lists(st.sampled_from(PIECES), max_size=400).map("".join)


def result(post_text: str, quote: str, claims: list[str], url: str) -> CheckResult:
    match = MatchInfo(
        quote=quote or "x",
        quote_id="E1",
        speaker="Yann LeCun",
        speaker_role="Chief AI Scientist",
        event="ai-PULSE 2025",
        venue="Station F",
        city="Paris",
        date=date(2025, 12, 4),
        source_url="https://example.com/talk",
        source_kind="primary",
        pronoun="he",  # as speakers.toml says
    )
    found = tuple(Discrepancy("unsupported", claimed=c) for c in claims)
    post = dataclasses.replace(make_post(post_text), url=url, author=post_text[:80])
    return CheckResult(post, "review", 0.55, match, found, compose_reply("review", match, found))


def u16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@settings(max_examples=60, deadline=None)
@given(texts, texts, st.lists(texts, max_size=12), st.sampled_from(["", "https://b.example/<&>"]))
def test_cards_are_well_formed_and_within_4096(
    post_text: str, quote: str, claims: list[str], url: str
) -> None:
    """Whatever the post and the match contain, the channel, review and decided cards parse as
    Telegram HTML and their text is at most 4096 UTF-16 units."""
    r = result(post_text, quote, claims, url)
    review = review_card(r, "channel")
    footer = decision_footer("approve", post_text[:100] or "Ann", 42, T0)
    for card in (channel_card(r), review, decided_card(review, footer)):
        text, _ = parse_html(card)
        assert u16(text) <= 4096


@settings(max_examples=60, deadline=None)
@given(texts, st.lists(st.tuples(texts, st.integers(0, 10**6)), max_size=30))
def test_alerts_and_digests_are_well_formed_and_within_4096(
    problem: str, events: list[tuple[str, int]]
) -> None:
    """Whatever an alert's text or the digest's event names and verdicts contain, both parse
    as Telegram HTML within 4096 UTF-16 units."""
    alert, _ = parse_html(alert_text(problem * 5))
    assert u16(alert) <= 4096
    assert alert.startswith("Alert\n")
    figures = DigestFigures(
        day=date(2026, 5, 12),
        checks={"match": 1, **{name: n for name, n in events}},
        top_events=tuple(events),
    )
    digest, _ = parse_html(digest_text(figures, {name: name * 3 for name, _ in events}))
    assert u16(digest) <= 4096
    assert digest.startswith("factbot, 12 May 2026\nChecks: ")


def test_digest_names_other_verdicts_and_at_most_five_events() -> None:
    """Verdicts beyond the three known ones are listed after them; only the top five events
    are shown."""
    figures = DigestFigures(
        day=date(2026, 1, 2),
        checks={"no_match": 4, "error": 1},
        top_events=tuple((f"e{n}", 10 - n) for n in range(7)),
    )
    text = digest_text(figures)
    assert "Checks: 5 (0 match, 0 review, 4 no match, 1 error)" in text
    assert text.endswith("• e3: 7\n• e4: 6")
    assert text.startswith("<b>factbot, 2 Jan 2026</b>")


def test_post_text_is_shown_escaped_and_cut() -> None:
    """The claim line shows the post's own characters, escaped, cut at 280 with an ellipsis."""
    r = result("<b>x</b> & " + "y" * 400, "q", [], "")
    text, _ = parse_html(channel_card(r))
    first = text.split("\n")[0]
    assert first.startswith("The post (<b>x</b> & ")
    assert first.endswith("…”")


def test_the_token_comes_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TELEGRAM_BOT_TOKEN, no application: the error says which variable to set."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(MissingToken, match="TELEGRAM_BOT_TOKEN"):
        build_application(TelegramConfig())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:from-env")
    assert "42:from-env" == build_application(TelegramConfig()).bot.token


def test_cards_say_how_sure_the_quote_is() -> None:
    """The channel and review cards carry the basis line and the disputed line the core
    composed: a translation is named as one, a disputed wording is flagged for operators."""
    base = result("LeCun said it", "La Silicon Valley est complètement hypnotisée.", [], "")
    assert base.match is not None
    translated = dataclasses.replace(
        base.match,
        basis="translation",
        lang="fr",
        translated_from="en",
        sources=(Source("https://thenews.re/x", "Le Monde", "secondary"),),
        disputed=True,
        dispute_note="the two French renderings differ",
    )
    r = dataclasses.replace(base, match=translated, reply=compose_reply("review", translated, ()))
    for card in (channel_card(r), review_card(r, "channel")):
        text, _ = parse_html(card)
        assert "Le Monde's French translation of his English remark." in text
        assert "Disputed wording: the two French renderings differ" in text
        assert "verified original" not in text


# What Telegram's clients would turn into links in a message's plain text (an approximation of
# their linkifier: schemes, bare domains with a TLD, @usernames).
CLICKABLE = [
    re.compile(r"(?i)\b(?:https?|ftp|tg|ton|tonsite)://"),
    re.compile(r"(?i)\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|social|io|example|ru|co)\b"),
    re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,}"),
]


def test_a_watched_posts_links_and_usernames_are_not_clickable() -> None:
    """The post's URLs, bare domains, @usernames and author handle appear in the channel and
    review cards as text no client links; the card's own links (the verified source, the
    original post) are the only links, with their addresses intact."""
    text = (
        "LeCun said send your wallet seed to https://evil.com/claim?x=1 or evil.com, "
        "ask @victim_support or x@victim.org. 'Open source wins', he said."
    )
    r = dataclasses.replace(
        result(text, "Open source wins", ["send your wallet seed to evil.com now please"], ""),
    )
    post = dataclasses.replace(
        r.post, author="viral.example.com", url="https://bsky.app/profile/viral.example.com/post/3k"
    )
    r = dataclasses.replace(r, post=post)
    for card in (channel_card(r), review_card(r, "channel")):
        visible, entities = parse_html(card)
        units = bytearray(visible.encode("utf-16-le", "surrogatepass"))
        for e in entities:  # the card's own links are meant to be links
            if e["type"] == "text_link":
                start, end = 2 * e["offset"], 2 * (e["offset"] + e["length"])
                units[start:end] = " ".encode("utf-16-le") * e["length"]
        plain = units.decode("utf-16-le", "surrogatepass")
        for pattern in CLICKABLE:
            assert [] == [m.group() for m in pattern.finditer(plain)], card
        links = sorted(e["url"] for e in entities if e["type"] == "text_link")
        assert [
            "https://bsky.app/profile/viral.example.com/post/3k",
            "https://example.com/talk",
        ] == links
        assert "hxxps://evil[.]com/claim?x=1" in visible
        assert "\uff20victim_support" in visible and "(viral[.]example[.]com)" in visible
