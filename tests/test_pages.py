"""The check pages as HTML and Atom: what they show for the seed post, the word diff, and
escaping that holds for any text a post contains (a property test)."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pages_support import COPY_ID, SEED_ID, SEED_URL, seeded_store

from bot.config import PagesConfig
from bot.domain import FIELDS, Discrepancy, MatchInfo, Post, Source
from bot.pages.diff import post_wording, word_diff
from bot.pages.record import PageCheck, page_id
from bot.pages.render import render_atom, render_check, render_index
from bot.pipeline import Checker

CFG = PagesConfig(base_url="https://factbot.example.org", organisation="Example Checks")
VOID = {"meta", "link", "br", "hr", "img", "input", "wbr", "source", "area", "base", "col"}


class Tree(HTMLParser):
    """Fails on a tag closed out of order or left open; collects the text of #post, the
    <mark> words by class and the JSON-LD scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.post = ""
        self.marks: dict[str, list[str]] = {}
        self.jsonld: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]
        if tag in VOID:
            return
        self.stack.append(
            (tag, a.get("id") or (a.get("class") or "") + "|" + (a.get("type") or ""))
        )

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        ids = [i for _, i in self.stack]
        if "post" in ids:
            self.post += data
        sides = ("post-side", "verified-side")
        if self.stack and self.stack[-1][0] == "mark" and any(i in sides for i in ids):
            self.marks.setdefault(self.stack[-1][1].split("|")[0], []).append(data)
        if self.stack and self.stack[-1] == ("script", "|application/ld+json"):
            self.jsonld.append(data)


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert [] == tree.errors
    assert [] == tree.stack
    return tree


def test_seed_page_shows_the_diff_the_facts_and_the_changes(
    checker: Checker, tmp_path: Path
) -> None:
    """The seed post's page: the invented sentences and changed words are marked on the post's
    side, the dropped "And it's not good." on the verified side; the event, venue, date, role,
    every source with its kind, the basis, the plain-words changes, the check's date and
    corpus version are shown; the JSON-LD is the ClaimReview."""
    checks = seeded_store(checker, tmp_path / "factbot.db")
    seed = next(c for c in checks if c.post.id == SEED_ID)
    html = render_check(seed, checks, checker.corpus, CFG)
    tree = parse(html)
    invented = " ".join(tree.marks["invented"])
    assert "Everybody in the research community is using Chinese models." in invented
    assert "We are slowing down progress in the West because of this." in invented
    assert "So And it's not good." == " ".join(tree.marks["dropped"])  # "So" begins the quote
    assert tree.marks["changed"]
    for shown in (
        "ai-PULSE 2025",
        "Station F",
        "Paris",
        "4 Dec 2025",
        "Chief AI Scientist",
        "OfficeChai",
        "secondary",
        "a reporter&#39;s verbatim quote",
        "The post places it at “Davos”",
        "The post dates it “just said (10 May 2026 – 12 May 2026)”",
        seed.corpus_version[:12],
        "2026-05-13 12:00 UTC",
        "no correction",
    ):
        assert shown in html, shown
    assert SEED_URL in html
    review = json.loads(tree.jsonld[0])
    assert "ClaimReview" == review["@type"]
    assert f"{CFG.base_url}/checks/{page_id(SEED_ID)}.html" == review["url"]
    urls = [a.get("url", a.get("identifier")) for a in review["itemReviewed"]["appearance"]]
    assert [SEED_URL, "https://bsky.app/profile/did:plc:copier/post/3copy"] == urls
    assert SEED_URL == review["itemReviewed"]["firstAppearance"]["url"]


def test_a_later_correction_is_shown(checker: Checker, tmp_path: Path) -> None:
    """A corpus that now dates the event otherwise: the page says what changed since."""
    checks = seeded_store(checker, tmp_path / "factbot.db")
    seed = next(c for c in checks if c.post.id == SEED_ID)
    corpus = checker.corpus
    events = tuple(
        dataclasses.replace(e, date=date(2025, 12, 5)) if e.id == seed.match.event_id else e
        for e in corpus.events
    )
    html = render_check(seed, checks, dataclasses.replace(corpus, events=events), CFG)
    assert "date: was “2025-12-04”, is now “2025-12-05”" in html.replace("&#34;", '"')


def test_word_diff_marks_changed_invented_and_dropped() -> None:
    """Case and punctuation do not count; a replaced run is `changed` on both sides; a
    sentence the check found invented (or dropped) is marked whole."""
    diff = word_diff(
        ["The BEST models come from China!", "Everybody agrees."],
        ["the best models are all Chinese.", "And it's not good."],
        invented=["Everybody agrees."],
        dropped=["And it's not good."],
    )
    post = [(w.text, w.mark) for w in diff.post if w.mark != "same"]
    assert [("come", "changed"), ("from", "changed"), ("China!", "changed"),
            ("Everybody", "invented"), ("agrees.", "invented")] == post  # fmt: skip
    verified = [(w.text, w.mark) for w in diff.verified if w.mark != "same"]
    assert [("are", "changed"), ("all", "changed"), ("Chinese.", "changed"), ("And", "dropped"),
            ("it's", "dropped"), ("not", "dropped"), ("good.", "dropped")] == verified  # fmt: skip


def test_post_wording_is_what_the_post_quotes() -> None:
    assert "The best is here." == post_wording("He said at Davos: 'The best is here.' Wow.")
    assert "No quotes at all here." == post_wording("No quotes at all here.")


def _check(text: str) -> PageCheck:
    match = MatchInfo(
        quote="So the best open source models at the moment are all Chinese.",
        quote_id="E3",
        speaker="Yann LeCun",
        speaker_role="Chief AI Scientist",
        event="ai-PULSE",
        venue="Station F",
        city="Paris",
        date=date(2025, 12, 4),
        source_url="https://example.org/s",
        source_kind="primary",
        event_id="ai-pulse-2025",
        sources=(Source("https://example.org/s", "Example", "primary"),),
        sentence_ids=("E3.1",),
    )
    return PageCheck(
        row_id=1,
        post=Post(
            id=text[:50] or "x",
            text=text,
            created_at=datetime(2026, 5, 12, tzinfo=UTC),
            url=f"https://example.org/{text[:20]}",
            author=text[:30],
        ),
        verdict="match",
        score=0.9,
        match=match,
        discrepancies=(
            Discrepancy("unsupported", claimed=text),
            Discrepancy("venue", claimed=text),
        ),
        checked_at=datetime(2026, 5, 13, tzinfo=UTC),
        corpus_version="abc",
    )


HOSTILE = st.one_of(
    st.text(),
    st.text(
        alphabet=st.sampled_from(
            list("<>&\"'`/=;:-!?[]{}() \n\tscriptSCRIPTjavascript\u2028\u0000\ufeff")
        )
    ),
    st.sampled_from(
        [
            "</script><script>alert(1)</script>",
            "<!--<script>",
            "' onmouseover='alert(1)",
            "javascript:alert(1)",
            "]]></summary><x>",
            "{{ 7*7 }} {% raw %}",
            "\x00\x08\ud800 bad",
        ]
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=HOSTILE)
def test_any_post_text_renders_escaped_and_well_formed(checker: Checker, text: str) -> None:
    """Whatever the post holds, the page's tags nest and close, the post's text reads back as
    text (no element or attribute of its own), the JSON-LD parses and carries it, the index
    lists it and the Atom feed is well-formed XML carrying it."""
    check = _check(text)
    kept = "".join(
        c
        for c in text
        if c in "\t\n\r"
        or (ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF and c not in "\ufffe\uffff")
    )
    html = render_check(check, [check], checker.corpus, CFG)
    tree = parse(html)
    assert kept == tree.post
    assert 1 == len(tree.jsonld)
    review = json.loads(tree.jsonld[0])
    assert (text[:30] or "Social media posts") == review["itemReviewed"]["author"]["name"]
    assert 1 == html.count("<script")
    for href in tree.hrefs:  # web addresses and the site's own pages only
        assert href.startswith(("https://", "http://")) or "/" not in href.split(".html")[0], href
    parse(render_index([check], 1, CFG))
    feed = ET.fromstring(render_atom([check], CFG).encode())  # noqa: S314 - our own output
    summary = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")
    assert summary is not None and summary.text is not None


def test_index_is_newest_first_and_paginated(checker: Checker, tmp_path: Path) -> None:
    """Two pages (seed and copy) at one per index page: page 1 has the newest (the copy) and
    links to page 2, which has the seed and links back."""
    checks = seeded_store(checker, tmp_path / "factbot.db")
    cfg = dataclasses.replace(CFG, per_page=1)
    first, second = render_index(checks, 1, cfg), render_index(checks, 2, cfg)
    assert f"{page_id(COPY_ID)}.html" in first and f"{page_id(SEED_ID)}.html" not in first
    assert f"{page_id(SEED_ID)}.html" in second
    assert 'href="page-2.html" rel="next"' in first
    assert 'href="index.html" rel="prev"' in second
    feed = ET.fromstring(render_atom(checks, CFG).encode())  # noqa: S314 - our own output
    ids = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}id")]
    assert [
        f"{CFG.base_url}/checks/feed.atom",
        f"{CFG.base_url}/checks/{page_id(COPY_ID)}.html",
        f"{CFG.base_url}/checks/{page_id(SEED_ID)}.html",
    ] == ids


def test_every_field_has_its_plain_words_on_the_page(checker: Checker) -> None:
    """Each kind of change a check can name is worded on its page (a field without words once
    made the page export raise, so a `contradicted` match stopped `factbot run`), with the
    speaker's own pronoun."""
    check = _check("The open era at Meta is over.")
    match = dataclasses.replace(check.match, speaker="Ada Lovelace", pronoun="she")
    changes = tuple(Discrepancy(f, f"claimed {f}", f"verified {f}") for f in FIELDS)
    check = dataclasses.replace(check, match=match, discrepancies=changes)
    html = render_check(check, [check], checker.corpus, CFG)
    assert not parse(html).errors
    text = " ".join(unescape(regex.sub(r"<[^>]*>", " ", html)).split())
    for field in FIELDS:
        assert f"claimed {field}" in text or f"verified {field}" in text, field
    assert "says the opposite of what Ada Lovelace said" in text
    assert "on that date she was verified speaker_role" in text
