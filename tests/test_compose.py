"""Compose: the reply texts for Bluesky (a thread within 300 graphemes and 3000 bytes a post, with
link facets) and Telegram (escaped HTML within 4096 characters). Pure: no model, no network."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date
from html.parser import HTMLParser

import pytest
import regex
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from threads import compose_thread as compose_reply

from bot.compose import ReplyTexts, graphemes, human_date, link_label, tidy
from bot.domain import FIELDS, Discrepancy, Field, MatchInfo, Reply, Source, Verdict

SEED_URL = (
    "https://officechai.com/ai/meta-is-rethinking-its-strategy-on-open-source-former-chief-"
    "scientist-yann-lecun"
)
INVENTED = (
    "Everybody in the research community is using Chinese models.",
    "We are slowing down progress in the West because of this.",
)
UNSUPPORTED = "No verified source contains this sentence: “{}”"
_NUMBER = re.compile(r" \(\d+/\d+\)$")


def make_match(**changes: object) -> MatchInfo:
    """The seed match (ai-PULSE 2025), with any field replaced."""
    seed = MatchInfo(
        quote=(
            "So the best open source models at the moment in the LLM world are all Chinese. "
            "And it's not good."
        ),
        quote_id="E3",
        speaker="Yann LeCun",
        speaker_role="Chief AI Scientist, Meta (departure announced; still at Meta)",
        event="ai-PULSE 2025",
        venue="Station F",
        city="Paris",
        date=date(2025, 12, 4),
        source_url=SEED_URL,
        source_kind="secondary",
        publisher="OfficeChai",
        basis="reported",
        sources=(Source(SEED_URL, "OfficeChai", "secondary"),),
        lang="en",
        pronoun="he",  # as speakers.toml says
    )
    return dataclasses.replace(seed, **changes)  # type: ignore[arg-type]


def first_hand(**changes: object) -> MatchInfo:
    """The seed match as if it rested on the recording itself (a primary source)."""
    primary = (Source(SEED_URL, "OfficeChai", "primary"),)
    fields: dict[str, object] = {"basis": "recording", "source_kind": "primary", "sources": primary}
    return make_match(**{**fields, **changes})


def make_discrepancy(
    field: Field, claimed: str | None = None, verified: str | None = None
) -> Discrepancy:
    return Discrepancy(field=field, claimed=claimed, verified=verified)


SEED_DISCREPANCIES = (
    make_discrepancy("venue", "Davos", "ai-PULSE 2025, Station F, Paris"),
    make_discrepancy("date", "just said (2026-05-12)", "2025-12-04"),
    make_discrepancy("omitted", verified="And it's not good."),
    make_discrepancy("unsupported", INVENTED[0]),
    make_discrepancy("unsupported", INVENTED[1]),
)


def thread_text(reply: Reply) -> str:
    """The thread read as one text: numbering removed, posts joined by a space."""
    return " ".join(_NUMBER.sub("", p.text) for p in reply.bluesky)


def post_lines(reply: Reply) -> list[str]:
    """Every line of the Bluesky thread, without the (i/n) numbering."""
    return [line for p in reply.bluesky for line in _NUMBER.sub("", p.text).splitlines()]


def change_lines(reply: Reply) -> list[str]:
    """The Bluesky lines that name a change (they start with the bullet)."""
    lines = "\n".join(_NUMBER.sub("", p.text) for p in reply.bluesky).splitlines()
    return [line.removeprefix("• ") for line in lines if line.startswith("• ")]


class TelegramHTML(HTMLParser):
    """Reads a Telegram HTML message the strict way: only b, i, a href and blockquote, every tag
    closed in order, no raw `<`, `>` or `&` in the text, only entities Telegram knows."""

    ALLOWED = frozenset({"b", "i", "a", "blockquote"})

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.parts: list[str] = []
        self.feed(raw)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed {self.stack}")

    @property
    def visible(self) -> str:
        return "".join(self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        if tag not in self.ALLOWED or names != (["href"] if tag == "a" else []):
            self.problems.append(f"tag {tag} {attrs}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"</{tag}> out of order")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing {tag}")

    def handle_data(self, data: str) -> None:
        if any(c in data for c in "<>&"):
            self.problems.append(f"unescaped text {data!r}")
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("amp", "lt", "gt", "quot"):
            self.problems.append(f"entity &{name};")
        self.parts.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.parts.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def assert_bluesky_ok(reply: Reply) -> None:
    assert reply.bluesky, "a reply always has at least one post"
    for post in reply.bluesky:
        data = post.text.encode()
        assert graphemes(post.text) <= 300, post.text
        assert len(data) <= 3000, post.text
        for link in post.links:
            assert 0 <= link.byte_start < link.byte_end <= len(data)
            assert data[link.byte_start : link.byte_end].decode()


def assert_telegram_ok(reply: Reply) -> TelegramHTML:
    parsed = TelegramHTML(reply.telegram)
    assert [] == parsed.problems
    assert len(reply.telegram) <= 4096
    assert len(parsed.visible.encode("utf-16-le")) // 2 <= 4096
    return parsed


# --- the seed case ------------------------------------------------------------------------------


def test_seed_thread_is_pinned() -> None:
    """The seed reply on Bluesky: the verified wording, who, where, when, the source, and every
    change, as a numbered thread of three."""
    expected = [
        "Fact check: the quote as reported\n"
        "“So the best open source models at the moment in the LLM world are all Chinese. "
        "And it's not good.”\n"
        "— Yann LeCun, Chief AI Scientist, Meta (departure announced; still at Meta)\n"
        "ai-PULSE 2025, Station F, Paris, 4 Dec 2025 (1/3)",
        "As reported by OfficeChai (one secondary source).\n"
        "Source: officechai.com/… (secondary source)\n"
        "What the post changed:\n"
        "• Not said at Davos: this was ai-PULSE 2025, Station F, Paris.\n"
        "• Not recent: said on 4 Dec 2025.\n"
        "• The post drops the next sentence: “And it's not good.” (2/3)",
        f"• {UNSUPPORTED.format(INVENTED[0])}\n• {UNSUPPORTED.format(INVENTED[1])} (3/3)",
    ]
    reply = compose_reply("match", make_match(), SEED_DISCREPANCIES)
    assert expected == [p.text for p in reply.bluesky]


def test_seed_thread_names_every_change() -> None:
    """Station F, Paris, the real date, the dropped qualifier and Davos are all named."""
    text = thread_text(compose_reply("match", make_match(), SEED_DISCREPANCIES))
    for needle in ("Station F, Paris", "4 Dec 2025", "“And it's not good.”", "Davos"):
        assert needle in text


def test_seed_invented_sentences_only_behind_the_phrase() -> None:
    """Each invented sentence appears exactly once, and only as the post's unsupported claim."""
    reply = compose_reply("match", make_match(), SEED_DISCREPANCIES)
    text = thread_text(reply)
    for sentence in INVENTED:
        assert 1 == text.count(sentence)
        assert 1 == text.count(UNSUPPORTED.format(sentence))
        assert 1 == reply.telegram.count(html.escape(UNSUPPORTED.format(sentence)))


def test_seed_link_facet() -> None:
    """The source is one link facet whose bytes are the short label and whose URI is the full
    URL, on the post that shows it."""
    reply = compose_reply("match", make_match(), SEED_DISCREPANCIES)
    facets = [(p, link) for p in reply.bluesky for link in p.links]
    assert 1 == len(facets)
    post, link = facets[0]
    assert SEED_URL == link.uri
    assert "officechai.com/…" == post.text.encode()[link.byte_start : link.byte_end].decode()
    assert_bluesky_ok(reply)


def test_seed_telegram_is_pinned() -> None:
    """The seed card for Telegram: escaped HTML with the quote in a blockquote and the link."""
    expected = (
        "<b>Fact check: the quote as reported</b>\n"
        "<blockquote>“So the best open source models at the moment in the LLM world are all "
        "Chinese. And it&#x27;s not good.”</blockquote>\n"
        "— Yann LeCun, Chief AI Scientist, Meta (departure announced; still at Meta)\n"
        "ai-PULSE 2025, Station F, Paris, 4 Dec 2025\n"
        "As reported by OfficeChai (one secondary source).\n"
        f'Source: <a href="{SEED_URL}">officechai.com/…</a> (secondary source)\n'
        "<b>What the post changed:</b>\n"
        "• Not said at Davos: this was ai-PULSE 2025, Station F, Paris.\n"
        "• Not recent: said on 4 Dec 2025.\n"
        "• The post drops the next sentence: “And it&#x27;s not good.”\n"
        f"• {UNSUPPORTED.format(INVENTED[0])}\n"
        f"• {UNSUPPORTED.format(INVENTED[1])}"
    )
    reply = compose_reply("match", make_match(), SEED_DISCREPANCIES)
    assert expected == reply.telegram
    assert html.escape(make_match().quote, quote=True) in reply.telegram
    assert_telegram_ok(reply)


# --- how sure the reply says it is ---------------------------------------------------------------

SAVANNA = Source("https://new-savanna.blogspot.com/x", "New Savanna", "secondary")
MONEY = Source("https://moneymadeeazy.com/y", "moneymadeeazy.com", "secondary")
LE_MONDE = Source("https://thenews.re/z", "Le Monde", "secondary")


@pytest.mark.parametrize(
    ("match", "header", "basis_line"),
    [
        (first_hand(), "Fact check: the verified original", "His words, from the recording."),
        (
            first_hand(basis="own_text"),
            "Fact check: the verified original",
            "His words, from his own post.",
        ),
        (
            make_match(),
            "Fact check: the quote as reported",
            "As reported by OfficeChai (one secondary source).",
        ),
        (
            make_match(sources=(SAVANNA, MONEY)),
            "Fact check: the quote as reported",
            "As reported by New Savanna and moneymadeeazy.com (2 sources).",
        ),
        (
            make_match(basis="translation", sources=(LE_MONDE,), lang="fr", translated_from="en"),
            "Fact check: the quote, in translation",
            "Le Monde's French translation of his English remark.",
        ),
    ],
)
def test_wording_follows_the_basis(match: MatchInfo, header: str, basis_line: str) -> None:
    """A recording or his own text is "the verified original", "his words"; a reporter's quote
    names who reported it and how many sources carry it; a translation says whose, from what.
    Never "verified original" or "his words" for less than a recording or his own text."""
    reply = compose_reply("match", match, [])
    lines = post_lines(reply)
    assert header == lines[0]
    assert basis_line in lines
    assert f"<b>{header}</b>" in reply.telegram
    assert html.escape(basis_line) in reply.telegram
    if match.basis in ("reported", "translation"):
        for said in ("verified original", "His words", "his words"):
            assert said not in thread_text(reply) + reply.telegram


def test_disputed_quote_says_so_on_both_platforms() -> None:
    note = '"climbing up" is probably a mis-transcription.'
    reply = compose_reply("review", make_match(disputed=True, dispute_note=note), [])
    line = f"Disputed wording: {note}"
    assert line in post_lines(reply)
    assert f"<i>{html.escape(line)}</i>" in reply.telegram
    undisputed = compose_reply("review", make_match(), [])
    assert "Disputed" not in thread_text(undisputed) + undisputed.telegram


def test_basis_wording_is_an_operator_template() -> None:
    texts = ReplyTexts(
        basis_reported="Quoted by {publisher}, {kind}.",
        header_translation="Translated: {language} from {original}",
    )
    reported = compose_reply("match", make_match(), [], texts)
    assert "Quoted by OfficeChai, secondary." in post_lines(reported)
    translated = make_match(
        basis="translation", sources=(LE_MONDE,), lang="fr", translated_from="en"
    )
    lines = post_lines(compose_reply("match", translated, [], texts))
    assert "Translated: French from English" == lines[0]


# --- the wording of each change -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("discrepancy", "expected"),
    [
        (
            make_discrepancy("venue", "Davos", "ai-PULSE 2025, Station F, Paris"),
            "Not said at Davos: this was ai-PULSE 2025, Station F, Paris.",
        ),
        (
            make_discrepancy("venue", "Davos"),
            "Not said at Davos: this was ai-PULSE 2025, Station F, Paris.",
        ),
        (
            make_discrepancy("date", "just said (2026-05-12)", "2025-12-04"),
            "Not recent: said on 4 Dec 2025.",
        ),
        (
            make_discrepancy("date", "last year (2024-01-01..2024-12-31)", "2025-12-04"),
            "Date given as last year (1 Jan 2024 – 31 Dec 2024); it was 4 Dec 2025.",
        ),
        (
            make_discrepancy("date", "January 2026", "2025-12-04"),
            "Date given as January 2026; it was 4 Dec 2025.",
        ),
        (
            make_discrepancy("speaker", "Sam Altman", "Yann LeCun"),
            "These are Yann LeCun's words, not Sam Altman's.",
        ),
        (
            make_discrepancy("speaker_role", "former Chief AI Scientist, Meta"),
            "On that date Yann LeCun was Chief AI Scientist, Meta (departure announced; still "
            "at Meta), not former Chief AI Scientist, Meta.",
        ),
        (
            make_discrepancy("omitted", verified="And it's not good."),
            "The post drops the next sentence: “And it's not good.”",
        ),
        (
            make_discrepancy("reworded", "models come from China", "models are all Chinese"),
            "The post rewords it: “models come from China” vs the wording on record "
            "“models are all Chinese”",
        ),
        (
            make_discrepancy(
                "contradicted",
                "The open era at Meta is over.",
                "There's still gonna be quite a lot of open source coming out of Meta.",
            ),
            "The post says the opposite of what Yann LeCun said: "
            "“The open era at Meta is over.” vs "
            "“There's still gonna be quite a lot of open source coming out of Meta.”",
        ),
    ],
)
def test_change_line(discrepancy: Discrepancy, expected: str) -> None:
    """Each kind of change reads as one short plain line; a missing verified value is taken
    from the match."""
    assert [expected] == change_lines(compose_reply("match", make_match(), [discrepancy]))


def test_changes_that_lack_their_values_are_left_out() -> None:
    """A change with nothing to name (no claim, or an omission without its sentence) adds no
    line, and a match without changes says so."""
    found = [
        make_discrepancy("venue"),
        make_discrepancy("unsupported"),
        make_discrepancy("omitted", claimed="x"),
    ]
    reply = compose_reply("match", make_match(), found)
    assert [] == change_lines(reply)
    assert "I found no change to the wording, the place or the date." in thread_text(reply)


def test_changes_follow_the_field_order_and_repeat_once() -> None:
    """Lines come in the order of FIELDS, and the same line is never given twice."""
    found = [
        make_discrepancy("unsupported", INVENTED[0]),
        make_discrepancy("venue", "Davos"),
        make_discrepancy("unsupported", INVENTED[0]),
    ]
    expected = [
        "Not said at Davos: this was ai-PULSE 2025, Station F, Paris.",
        UNSUPPORTED.format(INVENTED[0]),
    ]
    assert expected == change_lines(compose_reply("match", make_match(), found))


def test_primary_source_has_no_secondary_note() -> None:
    """ "(secondary source)" is said only when the source is secondary."""
    primary = compose_reply("match", first_hand(), [])
    secondary = compose_reply("match", make_match(source_kind="secondary"), [])
    assert "Source: officechai.com/… (secondary source)" in thread_text(secondary)
    assert "Source: officechai.com/…" in thread_text(primary)
    assert "secondary" not in thread_text(primary) + primary.telegram


def test_short_reply_is_one_unnumbered_post() -> None:
    """A reply that fits in one post is not numbered."""
    reply = compose_reply("match", first_hand(quote="Short."), [])
    assert 1 == len(reply.bluesky)
    assert not _NUMBER.search(reply.bluesky[0].text)


def test_review_notice_only_on_telegram() -> None:
    """A review reply has the match's content; the notice leads the Telegram card for the
    operators, and the Bluesky thread stays ready to publish as it is."""
    review = compose_reply("review", make_match(), SEED_DISCREPANCIES)
    match = compose_reply("match", make_match(), SEED_DISCREPANCIES)
    notice = "<i>Borderline match: an operator checks this before it is published.</i>\n"
    assert match.bluesky == review.bluesky
    assert notice + match.telegram == review.telegram


# --- no match -----------------------------------------------------------------------------------


# {speakers} as the pipeline fills it in from the shipped corpus (`Checker.reply_texts`).
LECUN = ReplyTexts(speakers="Yann LeCun")
NO_MATCH = (
    "I could not find this in my verified sources for Yann LeCun. That does not mean it is "
    "false: it means I can't vouch for it."
)


def test_no_match_says_it_cannot_vouch() -> None:
    """With no match the reply is the polite no_match answer, and nothing else: claims about
    venue or date are not judged without a source."""
    reply = compose_reply("no_match", None, [make_discrepancy("venue", "Davos")], LECUN)
    assert [NO_MATCH] == [p.text for p in reply.bluesky]
    assert html.escape(NO_MATCH) == reply.telegram


def test_no_match_names_known_invented_sentences() -> None:
    """A known invented quote is named, behind the unsupported phrase."""
    reply = compose_reply("no_match", None, [make_discrepancy("unsupported", INVENTED[1])], LECUN)
    expected = f"{NO_MATCH}\n• {UNSUPPORTED.format(INVENTED[1])}"
    assert [expected] == [p.text for p in reply.bluesky]


# --- operator wording ---------------------------------------------------------------------------


def test_operator_texts_are_used() -> None:
    """Every line comes from ReplyTexts, so config.toml can reword the bot."""
    texts = ReplyTexts(
        speakers="Yann LeCun or Meta AI",
        no_match="Not in my sources for {speakers}.",
        unsupported="Unsourced: “{claimed}”",
        bullet="- ",
    )
    reply = compose_reply("no_match", None, [make_discrepancy("unsupported", "X y z.")], texts)
    assert ["Not in my sources for Yann LeCun or Meta AI.\n- Unsourced: “X y z.”"] == [
        p.text for p in reply.bluesky
    ]


def test_broken_template_falls_back_to_default() -> None:
    """A template with a typo'd placeholder or a stray brace is replaced by its default."""
    texts = ReplyTexts(venue_changed="Not at {place_typo}", header_reported="Fact check {")
    reply = compose_reply("match", make_match(), [make_discrepancy("venue", "Davos")], texts)
    assert reply.bluesky[0].text.startswith("Fact check: the quote as reported\n")
    assert ["Not said at Davos: this was ai-PULSE 2025, Station F, Paris."] == change_lines(reply)


def test_blank_templates_drop_their_line() -> None:
    """An empty template removes its line; if every line is blank the defaults are used."""
    reply = compose_reply("match", make_match(quote="Short."), [], ReplyTexts(header_reported=""))
    assert reply.bluesky[0].text.startswith("“Short.”")
    everything_blank = ReplyTexts(**{f.name: "" for f in dataclasses.fields(ReplyTexts)})
    assert compose_reply("no_match", None, []) == compose_reply(
        "no_match", None, [], everything_blank
    )


# --- escaping, trimming and splitting ------------------------------------------------------------


def test_telegram_escapes_markup_in_every_value() -> None:
    """Tags and ampersands in the post or the corpus are shown, never interpreted."""
    found = [make_discrepancy("unsupported", "<b>bold</b> & </a> <script>x</script>")]
    reply = compose_reply("match", make_match(speaker="A & B <i>"), found)
    parsed = assert_telegram_ok(reply)
    assert "A & B <i>" in parsed.visible
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;/a&gt; &lt;script&gt;" in reply.telegram


def test_telegram_trims_whole_items_from_the_end() -> None:
    """Too many changes for 4096 characters: the first items are kept whole, the rest become
    "…", and the HTML stays well-formed."""
    found = [
        make_discrepancy("unsupported", f"Invented sentence number {i} " * 8) for i in range(60)
    ]
    reply = compose_reply("match", make_match(), found)
    parsed = assert_telegram_ok(reply)
    lines = parsed.visible.splitlines()
    assert "…" == lines[-1]
    assert lines[-2].startswith("• No verified source contains this sentence: “Invented")
    assert lines[-2].endswith("”")
    assert 60 == len(change_lines(reply))  # Bluesky keeps them all, in a longer thread
    assert_bluesky_ok(reply)


def test_telegram_shortens_a_huge_quote_but_keeps_the_source() -> None:
    """A core line too long for the card is cut (tags closed, "…"), and the lines after it, such
    as the source link, still fit."""
    reply = compose_reply("match", make_match(quote="&<'" * 400), [])
    assert_telegram_ok(reply)
    assert "&amp;&lt;…</blockquote>" in reply.telegram or "…</blockquote>" in reply.telegram
    assert f'<a href="{SEED_URL}">officechai.com/…</a>' in reply.telegram


@pytest.mark.parametrize(
    ("unit", "marker"),
    [
        ("👨\u200d👩\u200d👧\u200d👦", "\u200d"),  # a ZWJ family
        ("🇫🇷", "🇫"),  # a flag: two regional indicators
        ("e\u0301", "\u0301"),  # a letter and a combining accent
    ],
)
def test_long_words_split_between_grapheme_clusters(unit: str, marker: str) -> None:
    """A word longer than a post is cut between clusters, never inside one: split over posts
    (a venue) or shortened within one (the quote)."""
    reply = compose_reply("match", make_match(quote=unit * 700, venue=unit * 700), [])
    assert len(reply.bluesky) > 2
    for post in reply.bluesky:
        clusters = regex.findall(r"\X", post.text)
        assert [] == [c for c in clusters if marker in c and c != unit]
    assert_bluesky_ok(reply)


@pytest.mark.parametrize("before", [3, 10])
def test_shortening_keeps_urls_and_words_whole(before: int) -> None:
    """A change line too long for a post is shortened at a space, so a URL or a word of the
    post is shown whole or not at all, and what is shown is the start of the claim."""
    url = "https://example.com/" + "path/" * 20
    claimed = " ".join(["lorem ipsum dolor"] * before + [url] + ["sit amet"] * 10)
    reply = compose_reply("match", make_match(), [make_discrepancy("unsupported", claimed)])
    assert_bluesky_ok(reply)
    [shown] = [line for line in change_lines(reply) if line.startswith(UNSUPPORTED[:20])]
    cut = shown.removeprefix(UNSUPPORTED.format("")[:-1]).removesuffix("…”")
    assert claimed.startswith(cut) and claimed[len(cut)] == " "
    assert (url in shown) == (before == 3)
    assert all(url in p.text for p in reply.bluesky if "https://example" in p.text)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SEED_URL, "officechai.com/…"),
        ("https://www.youtube.com/watch?v=abc", "youtube.com/…"),
        ("https://example.org/", "example.org"),
        ("https://" + "x" * 80 + ".com/a", "x" * 39 + "…"),
    ],
)
def test_link_label(url: str, expected: str) -> None:
    """The shown label of a link: its host, "/…" when the URL goes further, at most 40."""
    assert expected == link_label(url)


def test_human_date_is_locale_free() -> None:
    """Dates read "4 Dec 2025"."""
    assert "4 Dec 2025" == human_date(date(2025, 12, 4))


def test_tidy_removes_controls_and_bidi_overrides() -> None:
    """Control and bidi-override characters never reach a reply; emoji sequences stay whole."""
    family = "👨\u200d👩\u200d👧"
    assert f"a b {family} c" == tidy(f"a\x00\n\t b \u202e{family}\u202c c")


# --- properties ---------------------------------------------------------------------------------

TOKENS = (
    "a", "Word", " ", "  ", "\n", "\t", ".", ". ", "!", "?", "…", ",", ":", "<b>", "</a>", "&",
    "&amp;", '"', "'", "“", "”", "中文句子", "。", "这是", "👍", "👨\u200d👩\u200d👧\u200d👦",
    "🏳\ufe0f\u200d🌈", "🇫🇷", "🇫", "e\u0301", "\u0301", "\u200d", "\u0600", "\u202e", "\x00",
    "\ue000", "\ue001", "{speaker}", "{}", "{", "%s", "just said (2026-05-12)",
    "(2025-01-01..2025-12-31)", "2025-13-45", "https://example.com/a?b=c&d=<e>", "x" * 120,
)  # fmt: skip
tokens = st.sampled_from(TOKENS)
wild = st.one_of(
    st.text(max_size=60),
    st.lists(tokens, max_size=40).map("".join),
    st.lists(tokens, min_size=200, max_size=900).map("".join),
    st.text(min_size=500, max_size=3000),
)
urls = st.one_of(st.just(SEED_URL), st.just(""), wild, wild.map(lambda s: "https://" + s))


def matches(text: st.SearchStrategy[str]) -> st.SearchStrategy[MatchInfo]:
    return st.builds(
        MatchInfo,
        quote=text,
        quote_id=st.just("E3"),
        speaker=text,
        speaker_role=text,
        event=text,
        venue=text,
        city=text,
        date=st.dates(),
        source_url=urls if text is wild else st.just(SEED_URL),
        source_kind=st.sampled_from(["primary", "secondary"]),
    )


def discrepancies(text: st.SearchStrategy[str], size: int) -> st.SearchStrategy[list[Discrepancy]]:
    one = st.builds(
        Discrepancy,
        field=st.sampled_from(FIELDS),
        claimed=st.none() | text,
        verified=st.none() | text,
    )
    return st.lists(one, max_size=size)


verdicts = st.sampled_from(["match", "review", "no_match"])
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150)


@relaxed
@given(verdicts, st.none() | matches(wild), discrepancies(wild, 12))
def test_every_post_within_bluesky_limits(
    verdict: Verdict, match: MatchInfo | None, found: list[Discrepancy]
) -> None:
    """Whatever the text (emoji, ZWJ, CJK, markup, very long), every post is at most 300
    graphemes and 3000 bytes, and its facets slice its own bytes to the label of the source."""
    reply = compose_reply(verdict, match, found)
    assert_bluesky_ok(reply)
    links = [link for post in reply.bluesky for link in post.links]
    shows_source = verdict != "no_match" and match is not None and tidy(match.source_url).strip()
    assert (1 if shows_source else 0) == len(links)
    for post in reply.bluesky:
        for link in post.links:
            label = post.text.encode()[link.byte_start : link.byte_end].decode()
            assert link_label(link.uri) == label


@relaxed
@given(verdicts, st.none() | matches(wild), discrepancies(wild, 40))
def test_telegram_always_well_formed(
    verdict: Verdict, match: MatchInfo | None, found: list[Discrepancy]
) -> None:
    """The Telegram HTML always parses with only allowed, balanced tags, its text is escaped,
    and the raw and the visible text are both within 4096 characters."""
    assert_telegram_ok(compose_reply(verdict, match, found))


short_tokens = st.sampled_from([t for t in TOKENS if len(t) < 30])
plain = st.lists(
    st.sampled_from(
        [t for t in TOKENS if len(t) < 30 and not t.isspace() and t not in ("\x00", "\u202e")]
    ),
    min_size=1,
    max_size=12,
).map("".join)


@relaxed
@given(
    st.lists(st.lists(plain, min_size=1, max_size=8), min_size=1, max_size=6),
    discrepancies(wild, 6),
)
def test_no_match_names_invented_sentences_only_behind_the_phrase(
    words: list[list[str]], others: list[Discrepancy]
) -> None:
    """On no_match, a sentence from an unsupported item is never shown except behind the
    unsupported phrase, on either platform; other items are not shown at all."""
    invented = [tidy(" ".join(w) + f" ⟦{i}⟧").strip() for i, w in enumerate(words)]
    found = [make_discrepancy("unsupported", s) for s in invented]
    found += [d for d in others if d.field != "unsupported"]
    reply = compose_reply("no_match", None, found)
    visible = assert_telegram_ok(reply).visible
    rest = []
    for text in (thread_text(reply), visible):
        for sentence in sorted(invented, key=len, reverse=True):
            text = text.replace(UNSUPPORTED.format(sentence), "")
        assert [] == [s for s in invented if s in text]
        rest.append(text)
    assert "⟦" not in rest[1]  # on Telegram nothing of them is left either


# Values short enough that every quotation line fits one post (a longer one is shortened on
# Bluesky only: tests/test_thread_quotes.py).
fitting = plain.filter(lambda s: len(s) <= 100)


@relaxed
@given(
    verdicts, matches(st.lists(short_tokens, max_size=8).map("".join)), discrepancies(fitting, 4)
)
def test_thread_loses_and_adds_nothing(
    verdict: Verdict, match: MatchInfo, found: list[Discrepancy]
) -> None:
    """Splitting into a thread keeps every character: without whitespace and numbering the
    thread reads exactly like the Telegram card (less its review notice), when every quotation
    line fits one post."""
    reply = compose_reply(verdict, match, found)
    visible = assert_telegram_ok(reply).visible
    assume(not visible.endswith("\n…"))
    if verdict == "review":
        visible = visible.split("\n", 1)[1]

    def squash(text: str) -> str:
        return "".join(text.split())

    assert squash(visible) == squash(thread_text(reply))


def test_reply_texts_is_flat_strings() -> None:
    """Config fills ReplyTexts from TOML, so every field is a plain string."""
    assert all(f.type == "str" for f in dataclasses.fields(ReplyTexts))


def test_a_contradiction_is_named_on_both_platforms() -> None:
    """Issue 18: the verdict stays `match` and both replies name the contradiction in words."""
    found = [make_discrepancy("contradicted", "The open era at Meta is over.", "Meta stays open.")]
    reply = compose_reply("match", make_match(), found)
    bluesky = "\n".join(p.text for p in reply.bluesky)
    assert (
        "The post says the opposite of what Yann LeCun said: “The open era at Meta is over.”"
        in bluesky
    )
    assert "The post says the opposite of what Yann LeCun said" in reply.telegram
    assert html.escape("“The open era at Meta is over.”", quote=False) in reply.telegram


def test_the_one_post_reply_orders_every_field_and_names_a_contradiction_first() -> None:
    """Every discrepancy field has a place in the one-post order (a field missing there made
    the reply raise once `contradicted` was added), and saying the opposite comes first."""
    from bot.compose import ONE_POST_ORDER
    from bot.compose import compose_reply as compose_one
    from bot.domain import FIELDS

    assert sorted(ONE_POST_ORDER) == sorted(FIELDS)
    found = [
        make_discrepancy("venue", "Davos", "ai-PULSE 2025"),
        make_discrepancy("contradicted", "The open era at Meta is over.", "Meta stays open."),
    ]
    (post,) = compose_one("match", make_match(), found).bluesky
    first_change = post.text.splitlines()[1]
    assert "says the opposite" in first_change, post.text
