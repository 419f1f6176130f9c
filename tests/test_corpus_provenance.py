"""Provenance in the corpus: what each sentence and each event date rests on, the corrections
of the corpus audit (shared/research/corpus-audit.md), and the validator's rules and bounds
(reliability audit F13). Bad edits are reported as `file:line: message`, like every problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_corpus import CORPUS, TALK, problems, write

from bot.corpus import corpus_stats, inspect_corpus, load_corpus
from bot.corpus_file import MAX_FILE_BYTES, MAX_SENTENCE_CHARS, MAX_SENTENCES_PER_FILE

# --- the shipped corpus, as the audit corrected it ---------------------------------------------


def test_audit_dates_and_fields_are_corrected() -> None:
    """Tapestry 7 May 2026 (AI Alliance), superiority-complex post 31 Jan 2025, FT published
    2 Jan 2026 while he was still Meta's outgoing Chief AI Scientist, WAICF closing keynote
    13 Feb 2026; the venues and organisers the audit filled in."""
    corpus = load_corpus(CORPUS)
    tapestry = corpus.event("tapestry-2026")
    assert (date(2026, 5, 7), "AI Alliance (Project Tapestry)") == (
        tapestry.date,
        tapestry.organiser,
    )
    assert date(2025, 1, 31) == corpus.event("superiority-complex-post-2025").date
    ft = corpus.event("ft-interview-2026")
    assert date(2026, 1, 2) == ft.date
    assert ft.speaker_role.startswith("Chief AI Scientist, Meta (departure announced)")
    assert "December 2025" in ft.date_note
    waicf = corpus.event("waicf-2026")
    expected = (date(2026, 2, 13), "Palais des Festivals et des Congrès")
    assert expected == (waicf.date, waicf.venue)
    assert "Palexpo" == corpus.event("ai-for-good-2025").venue
    assert "Grand Palais" == corpus.event("ai-action-summit-2025").venue
    assert corpus.event("vivatech-2026").venue.startswith("Paris Expo Porte de Versailles")
    deepseek = corpus.event("deepseek-post-2025")
    assert "primary" == deepseek.primary_source.kind
    assert "linkedin.com/posts/yann-lecun" in deepseek.primary_source.url


def test_every_event_date_has_a_basis_among_its_sources() -> None:
    corpus = load_corpus(CORPUS)
    for event in corpus.events:
        assert event.date_basis is not None, event.id
        assert event.source(event.date_basis.source) is not None, event.id
        assert event.date_basis.how.strip(), event.id
    superiority = corpus.event("superiority-complex-post-2025").date_basis
    assert superiority is not None and "activity-ID" in superiority.how


def test_sentence_bases_follow_the_audit() -> None:
    """Translations are labelled as such, the "climbing up" sentences are disputed, and what is
    known only from summaries or unretrievable pages is no verified sentence."""
    corpus = load_corpus(CORPUS)
    by_id = {s.id: s for s in corpus.sentences()}
    for sid in ("E4-fr.1", "E4-fr.2"):
        p = by_id[sid].provenance
        assert ("translation", "en", "E4.1") == (p.basis, p.translated_from, p.translation_of)
    for sid in ("S16b.1", "S16b.2"):
        assert ("translation", "fr") == (
            by_id[sid].provenance.basis,
            by_id[sid].provenance.translated_from,
        )
    assert {"E1.2", "E1.5"} == {s for s, v in by_id.items() if v.provenance.disputed}
    gone = {"E5-fr.1", "S8d.1", "S16c.1", "S16d.1", "S12a.1", "S12b.1", "D26-2.1"}
    gone |= {f"D26-1{q}.1" for q in "abcde"} | {"D26-1c.2"}
    assert not gone & set(by_id)
    recorded = {u.id for e in corpus.events for u in e.unverified}
    assert gone == recorded
    assert "recording" == by_id["S7.1"].provenance.basis
    assert "own_text" == by_id["S2.1"].provenance.basis
    e32 = by_id["E3.2"].provenance
    assert ("reported", 1) == (e32.basis, len(e32.sources))


def test_stats_count_bases_disputed_and_single_sources() -> None:
    stats = corpus_stats(load_corpus(CORPUS))
    expected = {"recording": 3, "own_text": 11, "reported": 35, "translation": 4}
    assert expected == stats.by_basis
    assert (2, 41, 13) == (stats.disputed, stats.single_secondary, stats.unverified)


def test_single_secondary_source_is_a_warning_not_a_problem() -> None:
    """E3.2 rests on OfficeChai alone: a warning at its line, and the corpus still loads."""
    inspection = inspect_corpus(CORPUS)
    assert () == inspection.problems
    file = str(CORPUS / "ai-pulse-2025.toml")
    lines = (CORPUS / "ai-pulse-2025.toml").read_text(encoding="utf-8").splitlines()
    at = lines.index('id = "E3.2"') + 1
    expected = f"{file}:{at}: warning: E3.2 rests on a single secondary source (OfficeChai)"
    assert expected in [str(w) for w in inspection.warnings]
    s10 = [w for w in inspection.warnings if "S10." in w.message]
    assert [] == s10  # two secondary sources: no warning


# --- the provenance rules ------------------------------------------------------------------

PROVENANCE_EDITS = [
    # (old, new, line, message)
    ('basis = "reported"\nsources = ["https://example.org/a"]\n\n[[sentences]]',
     'basis = "hearsay"\nsources = ["https://example.org/a"]\n\n[[sentences]]', 20,
     "basis 'hearsay' must be one of recording, own_text, reported, translation"),
    ('sources = ["https://example.org/a"]\n\n[[sentences]]', 'sources = []\n\n[[sentences]]', 21,
     "a reported sentence must name the source that reports it (sources)"),
    ('sources = ["https://example.org/a"]\n\n[[sentences]]',
     'sources = ["https://example.org/b"]\n\n[[sentences]]', 21,
     "source 'https://example.org/b' is not the url of one of this event's [[sources]]"),
    ('[date_basis]\nsource = "https://example.org/a"', '[date_basis]\nsource = "https://x.org/"',
     31, "source 'https://x.org/' is not the url of one of this event's [[sources]]"),
    ('\n[date_basis]\nsource = "https://example.org/a"\nhow = "article published that day"\n',
     "", 1, "missing key 'date_basis'"),
    ('text = "First sentence."\nbasis = "reported"', 'text = "First sentence."\nbasis = "reported"'
     '\ndisputed = true', 21, "a disputed sentence needs a dispute_note saying why"),
    ('text = "First sentence."\nbasis = "reported"', 'text = "First sentence."\nbasis = "reported"'
     '\ntranslated_from = "fr"', 21, 'translated_from is only for basis = "translation"'),
    ('id = "T1.2"\nlang = "en"\ntext = "Second sentence."\nbasis = "reported"',
     'id = "T2.1"\nlang = "en"\ntext = "Second sentence."\nbasis = "translation"', 23,
     "a translation needs translated_from (the language he spoke)"),
    ('basis = "reported"\nsources = ["https://example.org/a"]\n\n[date_basis]',
     'basis = "own_text"\nsources = ["https://example.org/a"]\n\n[date_basis]', 27,
     "quote 'T1' mixes bases: 'reported' and 'own_text' (one quote is one passage)"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "line", "message"), PROVENANCE_EDITS)
def test_each_provenance_problem_at_its_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in TALK
    directory = write(tmp_path / "corpus", {"talk.toml": TALK.replace(old, new, 1)})
    assert [f"{directory / 'talk.toml'}:{line}: {message}"] == problems(directory)


TRANSLATION = """\
[[sentences]]
id = "T2.1"
lang = "fr"
text = "Première phrase."
basis = "translation"
sources = ["https://example.org/a"]
translated_from = "{source_lang}"
translation_of = "{original}"
"""


@pytest.mark.parametrize(
    ("source_lang", "original", "message"),
    [
        ("en", "T1.1", None),
        ("en", "T9.1", "translation_of 'T9.1' is not a sentence of the corpus"),
        ("de", "T1.1", "translation_of 'T1.1' is in 'en', not in translated_from 'de'"),
        ("en", "T2.1", "translation_of 'T2.1' is itself a translation"),
    ],
)
def test_translation_of_names_an_original_in_its_language(
    tmp_path: Path, source_lang: str, original: str, message: str | None
) -> None:
    """A translation's original is a corpus sentence, in the language it was translated from,
    and not itself a translation."""
    text = TALK.replace(
        "\n[date_basis]",
        "\n" + TRANSLATION.format(source_lang=source_lang, original=original) + "\n[date_basis]",
    )
    directory = write(tmp_path / "corpus", {"talk.toml": text})
    line = text.splitlines().index(f'translation_of = "{original}"') + 1
    expected = [f"{directory / 'talk.toml'}:{line}: {message}"] if message else []
    assert expected == problems(directory)
    if message is None:
        (event,) = load_corpus(directory).events
        assert "translation" == event.sentences[-1].provenance.basis


def test_circulating_paraphrase_of_must_exist(tmp_path: Path) -> None:
    circulating = """\
[[circulating]]
id = "C1"
lang = "en"
text = "The first sentence, reworded."
attributed_to = "Yann LeCun"
note = ""
paraphrase_of = "T1.9"
"""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK, "circulating.toml": circulating})
    assert [
        f"{directory / 'circulating.toml'}:7: paraphrase_of 'T1.9' is not a verified sentence "
        "nor a circulating id"
    ] == problems(directory)
    (directory / "circulating.toml").write_text(circulating.replace("T1.9", "T1.1"), "utf-8")
    assert [] == problems(directory)


# --- F13: https only, no hidden characters, bounded files --------------------------------------

_SECOND = 'kind = "secondary"\n'  # a second source is added after the first one's last line
_MORE = '\n[[sources]]\nurl = "{url}"\npublisher = "B"\nkind = "secondary"\n'
F13_EDITS = [
    (_SECOND, _SECOND + _MORE.format(url="http://example.org/b"), 17,
     "bad URL 'http://example.org/b': plain http:// is refused, use https://"),
    (_SECOND, _SECOND + _MORE.format(url="https://example.org/\u202eb"), 17,
     "control or bidi character U+202E in url: remove it"),
    ('text = "First sentence."', 'text = "First \u2067sentence."', 19,
     "control or bidi character U+2067 in text: remove it"),
    ('text = "First sentence."', 'text = "First\\u0007 sentence."', 19,
     "control or bidi character U+0007 in text: remove it"),
    ('text = "First sentence."', 'text = "First\\nsentence."', 19,
     "control or bidi character U+000A in text: remove it"),
    ('publisher = "Example"', 'publisher = "Exa\u202emple"', 13,
     "control or bidi character U+202E in publisher: remove it"),
    ('text = "First sentence."', f'text = "{"x" * (MAX_SENTENCE_CHARS + 1)}"', 19,
     f"text is {MAX_SENTENCE_CHARS + 1} characters: the limit is {MAX_SENTENCE_CHARS}"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "line", "message"), F13_EDITS)
def test_f13_each_dubious_value_is_refused_at_its_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    """Plain http:// links, bidi and control characters in what a reply shows or links, and an
    overlong sentence are refused (they were accepted: reliability audit F13)."""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK.replace(old, new, 1)})
    assert [f"{directory / 'talk.toml'}:{line}: {message}"] == problems(directory)


def test_f13_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    padding = "# " + "x" * 78 + "\n"
    text = TALK + padding * (MAX_FILE_BYTES // len(padding) + 1)
    directory = write(tmp_path / "corpus", {"talk.toml": text})
    size = len(text.encode())
    assert [
        f"{directory / 'talk.toml'}:1: file is {size} bytes: the limit is {MAX_FILE_BYTES}",
    ] == problems(directory)


def test_f13_too_many_sentences_in_one_file(tmp_path: Path) -> None:
    head = TALK.split("[[sentences]]")[0]
    n = MAX_SENTENCES_PER_FILE + 1
    body = "".join(
        f'[[sentences]]\nid = "T1.{i}"\nlang = "en"\ntext = "Sentence {i}."\n'
        'basis = "recording"\nsources = ["https://example.org/a"]\n\n'
        for i in range(1, n + 1)
    )
    text = head + body + TALK[TALK.index("[date_basis]") :]
    directory = write(tmp_path / "corpus", {"talk.toml": text})
    line = head.count("\n") + 1
    message = f"{n} entries in this file: the limit is {MAX_SENTENCES_PER_FILE}"
    assert [f"{directory / 'talk.toml'}:{line}: {message}"] == problems(directory)


def test_f13_non_utf8_is_reported_at_its_line(tmp_path: Path) -> None:
    directory = write(tmp_path / "corpus", {})
    raw = TALK.replace('text = "Second sentence."', 'text = "Second s\xe9ntence."')
    (directory / "talk.toml").write_bytes(raw.encode("latin-1"))
    assert [f"{directory / 'talk.toml'}:26: not UTF-8: byte 0xe9 at column 17"] == problems(
        directory
    )
