"""The corpus loader and validator: the shipped corpus loads, and every kind of bad edit is
reported as `file:line: message` with the right line, and refused as a whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.corpus import CorpusError, Problem, load_corpus, validate_corpus

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

EVENT_IDS = {
    "ai-pulse-2025",
    "deepseek-post-2025",
    "superiority-complex-post-2025",
    "ai-action-summit-2025",
    "ai-for-good-2025",
    "ai-stories-documentary-2025",
    "information-bottleneck-2025",
    "ft-interview-2026",
    "nyt-interview-2026",
    "davos-2026-ai-house",
    "davos-2026-imagination-in-action",
    "waicf-2026",
    "tapestry-2026",
    "vivatech-2026",
    "un-open-source-week-2026",
}

SPEAKERS = '[[speakers]]\nname = "Yann LeCun"\naliases = ["LeCun"]\n'

# A good event file. The line numbers the tests assert are those of this text:
#  1 id, 2 speaker, 8 date, 11 [[sources]], 12 url, 14 kind, 16 [[sentences]], 17 id, 18 lang,
# 19 text, 20 basis, 21 sources, 23 [[sentences]], 24 id, 30 [date_basis], 31 source.
TALK = """\
id = "talk"
speaker = "Yann LeCun"
speaker_role = "Chief AI Scientist, Meta"
event = "A talk"
venue = "A hall"
city = "Paris"
country = "France"
date = 2025-12-04
organiser = ""

[[sources]]
url = "https://example.org/a"
publisher = "Example"
kind = "secondary"

[[sentences]]
id = "T1.1"
lang = "en"
text = "First sentence."
basis = "reported"
sources = ["https://example.org/a"]

[[sentences]]
id = "T1.2"
lang = "en"
text = "Second sentence."
basis = "reported"
sources = ["https://example.org/a"]

[date_basis]
source = "https://example.org/a"
how = "article published that day"
"""


def event_text(event_id: str = "talk", quote: str = "T1") -> str:
    return TALK.replace('"talk"', f'"{event_id}"').replace('"T1.', f'"{quote}.')


def write(directory: Path, files: dict[str, str], speakers: str | None = SPEAKERS) -> Path:
    directory.mkdir(exist_ok=True)
    if speakers is not None:
        (directory / "speakers.toml").write_text(speakers, encoding="utf-8")
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def problems(directory: Path) -> list[str]:
    return [str(p) for p in validate_corpus(directory)]


# --- the shipped corpus ---------------------------------------------------------------------


def test_shipped_corpus_has_no_problems() -> None:
    """corpus/ as committed validates with zero problems."""
    expected: list[str] = []
    assert expected == problems(CORPUS)


def test_shipped_corpus_loads_all_fifteen_events() -> None:
    """The loader returns the 15 verified events, by their agreed ids, each with sources and
    sentences, and a 64-hex version."""
    corpus = load_corpus(CORPUS)
    expected = 15
    assert expected == len(corpus.events)
    expected_ids = EVENT_IDS
    assert expected_ids == {e.id for e in corpus.events}
    assert all(e.sources and (e.sentences or e.unverified) for e in corpus.events)
    assert all(e.date_basis is not None for e in corpus.events)
    assert re.fullmatch(r"[0-9a-f]{64}", corpus.version)


def test_seed_sentences_are_adjacent_in_ai_pulse() -> None:
    """E3.2 ("the best open source models ... are all Chinese") is followed, in the same quote,
    by E3.3 ("And it's not good."): the sentence the viral post dropped."""
    event = load_corpus(CORPUS).event("ai-pulse-2025")
    ids = [s.id for s in event.sentences]
    e32, e33 = event.sentences[ids.index("E3.2")], event.sentences[ids.index("E3.3")]
    assert ids.index("E3.2") + 1 == ids.index("E3.3")
    assert e32.position + 1 == e33.position
    expected = [
        ("E3", "So the best open source models at the moment in the LLM world are all Chinese."),
        ("E3", "And it's not good."),
    ]
    assert expected == [(e32.quote_id, e32.text), (e33.quote_id, e33.text)]
    expected_where = ("ai-pulse-2025", str(CORPUS / "ai-pulse-2025.toml"))
    assert expected_where == (e32.event_id, event.path)


def test_fragments_of_one_source_are_separate_quotes() -> None:
    """S3's three "..."-separated fragments load as quotes S3a, S3b, S3c, numbered from 1."""
    event = load_corpus(CORPUS).event("ai-action-summit-2025")
    expected = [("S3a.1", "S3a"), ("S3b.1", "S3b"), ("S3b.2", "S3b"), ("S3c.1", "S3c")]
    assert expected == [(s.id, s.quote_id) for s in event.sentences]


def test_shipped_speakers_and_circulating() -> None:
    """speakers.toml gives the Meta role (held 2025-12-04, over by 2026-01-05), AMI Labs'
    Executive Chairman (co-founder), the AI Alliance and NYU roles; circulating.toml holds
    C1-C17, the viral post's own headline quote among them, recorded as a paraphrase of E3.2."""
    corpus = load_corpus(CORPUS)
    speaker = corpus.speaker("Yann LeCun")
    assert speaker is not None
    assert {"LeCun", "@ylecun", "杨立昆"} <= set(speaker.aliases)
    meta, ami, alliance, nyu = speaker.roles
    expected_meta = ("Chief AI Scientist", "Meta", None, "2025-12-04", "2026-01-05")
    actual_meta = (meta.title, meta.org, meta.start, str(meta.held_on), str(meta.ended_by))
    assert expected_meta == actual_meta
    expected_ami = ("Executive Chairman (co-founder)", "AMI Labs", None, "2026-01-22", None)
    assert expected_ami == (ami.title, ami.org, ami.start, str(ami.held_on), ami.ended_by)
    assert ami.titled("founder") and not meta.titled("founder")
    assert ("Chief Science Advisor", "AI Alliance (Project Tapestry)") == (
        alliance.title,
        alliance.org,
    )
    assert ("Jacob T. Schwartz Professor", "NYU") == (nyu.title, nyu.org)
    expected_ids = [f"C{i}" for i in range(1, 18)]
    assert expected_ids == [c.id for c in corpus.circulating]
    expected_c1 = "Everybody in the research community is using Chinese models."
    assert expected_c1 == corpus.circulating[0].text
    by_id = {c.id: c for c in corpus.circulating}
    expected_c7 = ("The best open source AI models right now come from China.", "E3.2")
    assert expected_c7 == (by_id["C7"].text, by_id["C7"].paraphrase_of)
    fragments = {"slowing down progress", "increasingly closed", "never open",
                 "more closed every year", "changing direction"}  # fmt: skip
    assert fragments <= {c.text for c in corpus.circulating}
    assert "left at the end of December 2025" in by_id["C4"].note


# --- one problem of each kind, with its line ------------------------------------------------


BAD_EDITS = [
    # (old, new, line, message)
    ('event = "A talk"', "event = A talk", 4, "TOML syntax error: Invalid value (column 9)"),
    ('venue = "A hall"\n', "", 1, "missing key 'venue'"),
    ('publisher = "Example"\n', "", 11, "missing key 'publisher' in [[sources]]"),
    ('text = "Second sentence."\n', "", 23, "missing key 'text' in [[sentences]]"),
    ('country = "France"', 'country = "France"\norganizer = "Scaleway"', 8,
     "unknown key 'organizer' (did you mean 'organiser'?)"),
    ('kind = "secondary"', 'kind = "secondary"\nnotes = "x"', 15,
     "unknown key 'notes' in [[sources]] (did you mean 'note'?)"),
    ('text = "First sentence."', 'text = "First sentence."\nquote = "T1"', 20,
     "unknown key 'quote' in [[sentences]] (did you mean 'note'?)"),
    ('city = "Paris"', "city = 75", 6, "wrong type: 'city' must be a string, not an integer"),
    ('organiser = ""', 'organiser = ""\nvenue_aliases = "Hall"', 10,
     "wrong type: 'venue_aliases' must be an array of strings"),
    ("date = 2025-12-04", 'date = "2025-12-04"', 8,
     "bad date: 'date' must be an unquoted TOML date (YYYY-MM-DD), not a string"),
    ("date = 2025-12-04", "date = 2025-12-04T10:00:00", 8,
     "bad date: 'date' must be a date (YYYY-MM-DD), not a date-time"),
    ("date = 2025-12-04", "date = 2025-13-04", 8, "bad date 2025-13-04: month must be in 1..12"),
    ("date = 2025-12-04", "date = 2025-12-4", 8, "bad date 2025-12-4: write YYYY-MM-DD"),
    ('text = "First sentence."', 'text = "  "', 19, "empty text"),
    ('id = "talk"', 'id = "other"', 1, "id 'other' does not match the file name talk.toml"),
    ('id = "T1.2"', 'id = "T1-2"', 24, "sentence id 'T1-2' is not of the form <quote>.<n>"),
    ('id = "T1.2"', 'id = "T1.3"', 24, "sentence id 'T1.3' is out of order: expected 'T1.2'"),
    ('kind = "secondary"', 'kind = "tertiary"', 14,
     "source kind 'tertiary' must be 'primary' or 'secondary'"),
    ('speaker = "Yann LeCun"', 'speaker = "Yan LeCun"', 2,
     "speaker 'Yan LeCun' is not in speakers.toml"),
    ('source = "https://example.org/a"', 'source = "example.org/a"', 31,
     "bad URL 'example.org/a': it must start with https://"),
    ('lang = "en"\ntext = "First', 'lang = "English"\ntext = "First', 18,
     "bad lang 'English': use a language code like 'en' or 'fr'"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "line", "message"), BAD_EDITS)
def test_each_bad_edit_is_one_problem_at_its_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    """One bad edit to a good event file gives exactly one `file:line: message`, at the line of
    the bad key (or of its table, or line 1 when the key is missing at the top)."""
    assert old in TALK
    directory = write(tmp_path / "corpus", {"talk.toml": TALK.replace(old, new, 1)})
    assert [f"{directory / 'talk.toml'}:{line}: {message}"] == problems(directory)


def test_an_empty_first_sentence_id_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """An empty id on an event's first sentence is reported at its line (the validator once
    raised UnboundLocalError there: found by tests/test_fuzz.py)."""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK.replace('id = "T1.1"', 'id = ""')})
    assert f"{directory / 'talk.toml'}:17: empty id" in problems(directory)


def test_event_without_sources_or_sentences(tmp_path: Path) -> None:
    """An event with no [[sources]], or with neither [[sentences]] nor an [[unverified]] record,
    is a problem, reported at line 1 (and what named the missing source is reported too)."""
    no_sources = re.sub(r"\[\[sources\]\]\n(.+\n)+\n", "", TALK)
    no_sentences = TALK.split("[[sentences]]")[0] + TALK[TALK.index("[date_basis]") :]
    directory = write(
        tmp_path / "corpus",
        {"talk.toml": no_sources, "other.toml": event_text("other", "O1")},
    )
    (directory / "other.toml").write_text(no_sentences.replace('"talk"', '"other"'), "utf-8")
    talk = directory / "talk.toml"
    unknown = "source 'https://example.org/a' is not the url of one of this event's [[sources]]"
    assert [
        f"{directory / 'other.toml'}:1: event has no [[sentences]] (nor an [[unverified]] record)",
        f"{talk}:1: event has no [[sources]]",
        f"{talk}:16: {unknown}",
        f"{talk}:23: {unknown}",
        f"{talk}:26: {unknown}",
    ] == problems(directory)


def test_event_with_only_unverified_material_loads(tmp_path: Path) -> None:
    """An event whose wording is all unverified (an AI summary, say) loads with no sentence:
    the records are kept with their reason but never indexed."""
    text = TALK.replace("[[sentences]]", "[[unverified]]").replace(
        'basis = "reported"', 'reason = "an AI-written summary only"'
    )
    corpus = load_corpus(write(tmp_path / "corpus", {"talk.toml": text}))
    (event,) = corpus.events
    assert () == event.sentences
    expected = [("T1.1", "an AI-written summary only"), ("T1.2", "an AI-written summary only")]
    assert expected == [(u.id, u.reason) for u in event.unverified]
    assert () == corpus.sentences()


def test_syntax_error_at_end_of_document(tmp_path: Path) -> None:
    """An unclosed array is reported on the file's last line, with tomllib's message."""
    text = TALK + "venue_aliases = [\n"
    directory = write(tmp_path / "corpus", {"talk.toml": text})
    assert [
        f"{directory / 'talk.toml'}:33: TOML syntax error: Invalid value (at end of document)"
    ] == problems(directory)


def test_duplicate_sentence_id_across_files_names_the_first(tmp_path: Path) -> None:
    """A sentence id used in two files is reported at the second, naming the first file:line."""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK, "zoo.toml": event_text("zoo")})
    first, second = directory / "talk.toml", directory / "zoo.toml"
    assert [
        f"{second}:17: duplicate sentence id 'T1.1' (first in {first}:17)",
        f"{second}:24: duplicate sentence id 'T1.2' (first in {first}:24)",
    ] == problems(directory)


def test_duplicate_event_id(tmp_path: Path) -> None:
    """Two files with the same event id: the one whose name differs is named, and the second
    occurrence is a duplicate that names the first."""
    directory = write(
        tmp_path / "corpus", {"a-talk.toml": event_text("talk", "A1"), "talk.toml": TALK}
    )
    first = directory / "a-talk.toml"
    assert [
        f"{first}:1: id 'talk' does not match the file name a-talk.toml",
        f"{directory / 'talk.toml'}:1: duplicate event id 'talk' (first in {first}:1)",
    ] == problems(directory)


def test_missing_speakers_file(tmp_path: Path) -> None:
    """Without speakers.toml the corpus is refused; speakers are then not checked one by one."""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK}, speakers=None)
    assert [f"{directory / 'speakers.toml'}:1: missing file speakers.toml"] == problems(directory)


def test_speakers_file_problems(tmp_path: Path) -> None:
    """speakers.toml: unknown keys at the speaker and role level, a wrong type, and an ended_by
    that is not after held_on, each at its own line."""
    speakers = """\
[[speakers]]
name = "Yann LeCun"
alias = ["LeCun"]

[[speakers.roles]]
title = "Chief AI Scientist"
org = "Meta"
held_on = 2025-12-04
endedby = 2026-01-21

[[speakers.roles]]
title = "Founder"
org = 7
held_on = 2026-01-22
ended_by = 2026-01-01
"""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK}, speakers=speakers)
    file = directory / "speakers.toml"
    assert [
        f"{file}:3: unknown key 'alias' in [[speakers]] (did you mean 'aliases'?)",
        f"{file}:9: unknown key 'endedby' in [[speakers.roles]] (did you mean 'ended_by'?)",
        f"{file}:13: wrong type: 'org' must be a string, not an integer",
        f"{file}:15: 'ended_by' (2026-01-01) must be after 'held_on' (2026-01-22)",
    ] == problems(directory)


def test_speaker_data_problems(tmp_path: Path) -> None:
    """The fields that make a speaker data (pronoun, role signals and words, themes) are
    checked, each problem at its line and saying what to write instead."""
    speakers = """\
[[speakers]]
name = "Yann LeCun"
pronoun = "him"

[[speakers.themes]]
name = "open source"
words = ["open source"]

[[speakers.themes]]
name = "Open Source"
words = ["opensource"]

[[speakers.themes]]
name = "china"

[[speakers.themes]]
name = "meta"
as_written = "Meta"

[[speakers.roles]]
title = "Chief AI Scientist"
org = "Meta"
org_words = ["Meta", ""]
signals = ["Chief Scientist"]
title_word = ["chief"]
"""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK}, speakers=speakers)
    file = directory / "speakers.toml"
    assert [
        f"{file}:3: pronoun 'him' must be one of he, she, they",
        f"{file}:10: duplicate theme 'open source' (first in {file}:6)",
        f"{file}:13: theme 'china' has no words: give words or as_written",
        f"{file}:18: wrong type: 'as_written' must be an array of strings",
        f"{file}:23: empty org_words",
        f"{file}:24: signal 'Chief Scientist' is not a title family: use one of "
        "'Chief AI Scientist', 'Founder', or give the role's own words in title_words",
        f"{file}:25: unknown key 'title_word' in [[speakers.roles]] (did you mean 'title_words'?)",
    ] == problems(directory)


def test_circulating_file_problems(tmp_path: Path) -> None:
    """circulating.toml: a missing key, an unknown key, a bad seen_at URL, an unknown speaker
    and a duplicate id, each at its line."""
    circulating = """\
[[circulating]]
id = "C1"
lang = "en"
text = "Everybody in the research community is using Chinese models."
attributed_to = "Yann LeCun"
seen = "x"
seen_at = ["https://example.org/p", "www.example.org/q"]

[[circulating]]
id = "C1"
lang = "en"
text = "We are slowing down progress in the West because of this."
attributed_to = "Yan LeCun"
note = ""
"""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK, "circulating.toml": circulating})
    file = directory / "circulating.toml"
    assert [
        f"{file}:1: missing key 'note' in [[circulating]]",
        f"{file}:6: unknown key 'seen' in [[circulating]] (did you mean 'seen_at'?)",
        f"{file}:7: bad URL 'www.example.org/q': it must start with https://",
        f"{file}:10: duplicate circulating id 'C1' (first in {file}:2)",
        f"{file}:13: speaker 'Yan LeCun' is not in speakers.toml",
    ] == problems(directory)


def test_line_index_skips_multiline_values(tmp_path: Path) -> None:
    """Lines inside a multi-line array or string that look like keys or headers do not move the
    reported line: the problem after them is still found at its own line."""
    text = TALK.replace(
        'organiser = ""',
        'organiser = ""\nvenue_aliases = [\n  "[x]",\n  "kind = 1",\n]\n'
        'date_note = """\n[[sources]]\nurl = "ftp://no"\n"""',
    ).replace('kind = "secondary"', 'kind = "other"')
    directory = write(tmp_path / "corpus", {"talk.toml": text})
    assert [
        f"{directory / 'talk.toml'}:22: source kind 'other' must be 'primary' or 'secondary'"
    ] == problems(directory)


def test_missing_folder(tmp_path: Path) -> None:
    """A corpus folder that does not exist is one problem, not a crash."""
    assert [f"{tmp_path / 'nope'}:1: corpus folder not found"] == problems(tmp_path / "nope")


# --- loading ----------------------------------------------------------------------------------


def test_one_bad_file_among_good_ones_loads_nothing(tmp_path: Path) -> None:
    """load_corpus raises CorpusError carrying every problem (the same list validate gives) when
    a single file of an otherwise good corpus is bad; nothing is returned."""
    bad = TALK.replace('kind = "secondary"', 'kind = "blog"').replace('"T1.2"', '"T1.5"')
    directory = write(
        tmp_path / "corpus",
        {"a.toml": event_text("a", "A1"), "talk.toml": bad, "z.toml": event_text("z", "Z1")},
    )
    loaded = None
    with pytest.raises(CorpusError) as caught:
        loaded = load_corpus(directory)
    assert loaded is None
    file = directory / "talk.toml"
    expected = [
        Problem(str(file), 14, "source kind 'blog' must be 'primary' or 'secondary'"),
        Problem(str(file), 24, "sentence id 'T1.5' is out of order: expected 'T1.2'"),
    ]
    assert expected == list(caught.value.problems)
    assert "\n".join(str(p) for p in expected) == str(caught.value)
    assert [str(p) for p in expected] == problems(directory)


def test_good_corpus_loads_fields(tmp_path: Path) -> None:
    """A good file loads into an Event with its sources and ordered sentences; quote_id is the
    part before the last dot and position is the order in the file."""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK.replace('"T1.', '"T1-fr.')})
    corpus = load_corpus(directory)
    (event,) = corpus.events
    expected = ("talk", "A talk", "2025-12-04", str(directory / "talk.toml"))
    assert expected == (event.id, event.event, event.date.isoformat(), event.path)
    source = event.primary_source
    expected_source = ("https://example.org/a", "Example", "secondary", "")
    assert expected_source == (source.url, source.publisher, source.kind, source.note)
    expected_sentences = [("T1-fr.1", "T1-fr", "talk", 0), ("T1-fr.2", "T1-fr", "talk", 1)]
    assert expected_sentences == [
        (s.id, s.quote_id, s.event_id, s.position) for s in event.sentences
    ]
    assert not corpus.circulating


def test_version_changes_when_a_file_changes(tmp_path: Path) -> None:
    """The version is the same for the same bytes and changes when any file's bytes change."""
    directory = write(tmp_path / "corpus", {"talk.toml": TALK})
    before = load_corpus(directory).version
    assert before == load_corpus(directory).version
    (directory / "talk.toml").write_text(TALK.replace("First", "Another"), encoding="utf-8")
    after = load_corpus(directory).version
    assert before != after
    assert re.fullmatch(r"[0-9a-f]{64}", after)


def test_problem_prints_as_file_line_message() -> None:
    """A Problem prints as `file:line: message`, the format editors jump to."""
    expected = "corpus/x.toml:3: empty text"
    assert expected == str(Problem("corpus/x.toml", 3, "empty text"))
