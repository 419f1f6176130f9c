"""normalise(): cleaning, prose apart from links and tags, quoted spans, sentences, language."""

from __future__ import annotations

import subprocess
import sys

from factories import SEED_TEXT
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import NormalisedPost
from bot.normalise import normalise

# --- the viral post ------------------------------------------------------------------------------


def quoted(post: NormalisedPost) -> list[str]:
    return [s.text for s in post.segments if s.quoted]


def unquoted(post: NormalisedPost) -> list[str]:
    return [s.text for s in post.segments if not s.quoted]


def test_viral_post_quoted_segments() -> None:
    """The three sentences the post puts in single quotes are its quoted segments, exactly."""
    expected = [
        "The best open source AI models right now come from China.",
        "Everybody in the research community is using Chinese models.",
        "We are slowing down progress in the West because of this.",
    ]
    assert expected == quoted(normalise(SEED_TEXT))


def test_viral_post_framing_keeps_the_claims_and_blanks_the_quotes() -> None:
    """The framing still says where and when ("Davos", "just said"), not what was quoted, and
    it lines up with the prose character for character."""
    post = normalise(SEED_TEXT)
    assert ("Davos" in post.framing, "just said" in post.framing) == (True, True)
    assert "Chinese models" not in post.framing
    assert len(post.prose) == len(post.framing)


def test_viral_post_framing_sentences_and_list_lines() -> None:
    """The framing sentences, the "OpenAI — increasingly closed." list lines among them, are
    unquoted segments; "LeCun's" opens no quote."""
    expected = [
        "Yann LeCun just said something at Davos that nobody is talking about.",
        "Said this on stage, in front of the world's most powerful people:",
        "OpenAI — increasingly closed.",
        "Anthropic — never open.",
        "Google — more closed every year.",
        "Meta — changing direction.",
        "LeCun's warning was blunt:",
    ]
    assert expected == unquoted(normalise(SEED_TEXT))


def test_apostrophes_in_words_are_not_quote_marks() -> None:
    """it's, LeCun's and a dropped g ("goin'") do not open or close a quote."""
    post = normalise("LeCun's view: it's over. He said: 'We're goin' to win this.' Then left.")
    assert ["We're goin' to win this."] == quoted(post)
    assert ["LeCun's view: it's over.", "He said:", "Then left."] == unquoted(post)


# --- cleaning ----------------------------------------------------------------------------------


def test_zero_width_and_bidi_characters_are_removed() -> None:
    """Zero-width spaces/joiners, word joiner, BOM and bidi controls vanish from the text."""
    text = "Le\u200bCun\u200c \u200dsaid\u2060 \ufeff\u200e\u200f\u202a\u202e\u2066hi\u2069\u061c"
    assert "LeCun said hi" == normalise(text).text


def test_nfkc_and_whitespace() -> None:
    """Full-width letters become ASCII, runs of spaces collapse, no-break spaces are spaces."""
    assert "LeCun said so" == normalise("  ＬｅＣｕｎ\u00a0\t said   so ").text


def test_line_breaks_are_kept_once_and_list_lines_are_sentences() -> None:
    """Blank lines collapse to one line break; each line of a list is its own sentence even
    without a full stop."""
    post = normalise("OpenAI → closed  \n\n  Anthropic → never open\r\nGoogle — in between")
    assert "OpenAI → closed\nAnthropic → never open\nGoogle — in between" == post.text
    expected = ["OpenAI → closed", "Anthropic → never open", "Google — in between"]
    assert expected == unquoted(post)


def test_curly_quotes_and_apostrophes_are_unified() -> None:
    """“…” becomes "…" and ’ becomes '."""
    assert "it's \"ok\" and 'fine'" == normalise("it’s “ok” and ‘fine’").text


def test_french_guillemets_with_inner_spaces() -> None:
    """« … » with their (no-break) inner spaces become "…", and the span is a quote."""
    post = normalise("Yann Le Cun\u202f:\u00a0«\u00a0la Chine va gagner\u00a0» dit-il.")
    assert 'Yann Le Cun : "la Chine va gagner" dit-il.' == post.text
    assert ["la Chine va gagner"] == quoted(post)


def test_german_quotes() -> None:
    """„…“ and »…« are quotes; a quote of two sentences gives two quoted segments."""
    post = normalise("LeCun: „Die besten Modelle kommen aus China. Und das ist nicht gut.“")
    assert ["Die besten Modelle kommen aus China.", "Und das ist nicht gut."] == quoted(post)
    assert ["Zitat"] == quoted(normalise("Er sagte »Zitat« und ging."))
    assert 'Er sagte "Zitat" und ging.' == normalise("Er sagte »Zitat« und ging.").text


def test_chinese_quotes_and_sentences() -> None:
    """「…」 and “…” are quotes in Chinese; 。！？ end sentences without a following space."""
    post = normalise("杨立昆说「开源模型最好。这并不是好事。」然后离开了！真的吗？")
    assert ["开源模型最好。", "这并不是好事。"] == quoted(post)
    assert ["杨立昆说", "然后离开了!", "真的吗?"] == unquoted(post)
    assert ["开源模型"] == quoted(normalise("他说“开源模型”很好"))


# --- links, handles, hashtags, emoji -----------------------------------------------------------


def test_urls_handles_hashtags_and_emoji_stay_out_of_the_prose() -> None:
    """They are extracted, kept in `text`, and absent from `prose`; trailing punctuation is not
    part of a URL; an email address is not a handle."""
    post = normalise(
        "Read https://x.com/a?b=1. and nytimes.com/2026/01/26/tech, @ylecun "
        "@yann-lecun.bsky.social #OpenSource 🔥🇨🇳 me@mail.com"
    )
    assert ("https://x.com/a?b=1", "nytimes.com/2026/01/26/tech") == post.urls
    assert ("@ylecun", "@yann-lecun.bsky.social") == post.handles
    assert ("#OpenSource",) == post.hashtags
    assert "Read . and , me@mail.com" == post.prose
    assert "🔥🇨🇳" in post.text


def test_keycap_and_number_signs_are_not_hashtags() -> None:
    """ "#1" and "C#" are prose; the keycap emoji "#️⃣" is an emoji."""
    post = normalise("We are #1 in C# #️⃣")
    assert ((), "We are #1 in C#") == (post.hashtags, post.prose)


# --- sentences ---------------------------------------------------------------------------------


def test_no_split_on_abbreviations_decimals_or_inner_ellipsis() -> None:
    """ "U.S.", "e.g.", "Dr.", "3.5", an ellipsis before a lowercase word and "[...]" do not end
    a sentence; "..." before a capital does."""
    post = normalise(
        "Models from the U.S. and China, e.g. Qwen, scored 3.5 points. Dr. LeCun agreed... "
        "mostly. Then he left... Later he spoke [...] Again."
    )
    expected = [
        "Models from the U.S. and China, e.g. Qwen, scored 3.5 points.",
        "Dr. LeCun agreed... mostly.",
        "Then he left...",
        "Later he spoke [...] Again.",
    ]
    assert expected == unquoted(post)


def test_horizontal_ellipsis_is_nfkc_dots() -> None:
    """ "…" is three dots after NFKC and follows the ellipsis rule."""
    assert ["Il faut aller hors de la vallée... à Paris"] == unquoted(
        normalise("Il faut aller hors de la vallée… à Paris")
    )


def test_segments_without_letters_are_dropped() -> None:
    """Numbers, punctuation and emoji alone make no segment."""
    assert () == normalise("2025. 🔥🔥 ... !!! (1)").segments


def test_unclosed_double_quote_runs_to_the_end() -> None:
    """A truncated post that opens a quote and never closes it still presents it as a quote;
    an inch mark does not open one."""
    assert ["the best open models"] == quoted(normalise('He said "the best open models'))
    assert ["great"] == quoted(normalise('A 27" screen and "great" colours'))


def test_weak_closing_apostrophe_gives_way_to_a_new_quote() -> None:
    """'Open models win,' he said. 'Closed ones lose.' gives two quotes."""
    post = normalise("'Open models win,' he said. 'Closed ones lose.'")
    assert ["Open models win,", "Closed ones lose."] == quoted(post)


# --- language ----------------------------------------------------------------------------------


def test_a_declared_language_is_only_a_hint() -> None:
    """The text says what it is (audit F7): a declared language is used only when the prose is
    too short to tell, lowercase and without region, and only when it is a valid tag."""
    actual = (
        normalise("Le modèle est chinois", "EN-us").lang,
        normalise("two words", "EN-us").lang,
        normalise("two words", "zh_Hant").lang,
        normalise("two words", "q" * 100).lang,
        normalise("two words", "e\x00n").lang,
    )
    assert ("fr", "en", "zh", None, None) == actual


def test_language_detected_only_on_enough_prose() -> None:
    """Three words or more are classified; two words are not; any CJK is."""
    actual = (
        normalise("La Silicon Valley est complètement hypnotisée").lang,
        normalise("two words").lang,
        normalise("开源").lang,
    )
    assert ("fr", None, "zh") == actual


def test_language_model_is_not_loaded_at_import() -> None:
    """Importing the module does not import py3langid (nor numpy through it)."""
    code = "import sys, bot.normalise; print('py3langid' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False" == out.stdout.strip()


# --- properties --------------------------------------------------------------------------------

_PIECES = [
    *"“”„‟«»「」『』〝〞＂‘’‚‛'\"",
    *("\u200b", "\u200d", "\u2060", "\ufeff", "\u200e", "\u202e", "\u2066", "\u061c", "\u0301"),
    *("😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "#️⃣", "©", "\ufe0f"),
    *"开源模型。！？中国",
    *(" ", "\n", "\t", "\u00a0", "\r\n", ".", "...", "…", "!", "?", ":", "—", "(", "[...]"),
    *("@", "#", "https://x.com/", "www.", "@a.bsky.social", "#tag", "e.g.", "U.S.", "Dr."),
    *("LeCun's", "goin'", "'cause", "3.5", "The", "best", "open", "models", "said", "I", "a"),
]
_TEXTS = st.one_of(
    st.text(),
    st.lists(st.one_of(st.text(max_size=4), st.sampled_from(_PIECES)), max_size=40).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_normalise_is_idempotent(text: str) -> None:
    """Normalising the normalised text changes nothing: text, prose, framing, segments,
    entities and language are all the same."""
    once = normalise(text)
    assert once == normalise(once.text)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_segments_slice_the_prose_and_framing_lines_up(text: str) -> None:
    """Every segment is prose[start:end], stripped and non-empty, in order without overlap;
    the framing is the prose with some characters blanked."""
    post = normalise(text)
    slices = [post.prose[s.start : s.end] for s in post.segments]
    assert [s.text for s in post.segments] == slices
    assert all(s.text == s.text.strip() != "" for s in post.segments)
    ends = [0] + [s.end for s in post.segments]
    assert all(e <= s.start for e, s in zip(ends, post.segments, strict=False))
    assert len(post.prose) == len(post.framing)
    assert all(f in (p, " ") for p, f in zip(post.prose, post.framing, strict=True))
