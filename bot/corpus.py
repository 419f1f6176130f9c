"""Load and validate the verified corpus (the format: corpus/README.md).

`inspect_corpus` lists every problem as `file:line: message`, and the warnings (allowed but
weak: a sentence resting on a single secondary source); `load_corpus` returns a Corpus only when
there is no problem at all, so a bad edit never half-loads. The files are read by
bot/corpus_file.py (bytes, types, bounds) and bot/corpus_tables.py (tables into dataclasses);
here are the checks across files and the figures of `factbot corpus validate --stats`."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.corpus_file import CorpusError, CorpusFile, Problem
from bot.corpus_tables import (
    CIRCULATING,
    SPEAKERS,
    Seen,
    read_circulating,
    read_event,
    read_speakers,
)
from bot.domain import BASES, Circulating, Corpus, Event, Sentence, Speaker

__all__ = [
    "CorpusError",
    "Inspection",
    "Problem",
    "Stats",
    "corpus_stats",
    "inspect_corpus",
    "load_corpus",
    "single_secondary",
    "validate_corpus",
]


@dataclass(frozen=True)
class Inspection:
    problems: tuple[Problem, ...]  # refused: the corpus does not load
    warnings: tuple[Problem, ...]  # allowed, but a reader should know
    corpus: Corpus  # as far as it could be read


def _check(directory: Path) -> Inspection:
    """Every problem and warning of the corpus in `directory`, and the corpus as read."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not directory.is_dir():
        problems.append(Problem(str(directory), 1, "corpus folder not found"))
        return Inspection(tuple(problems), (), Corpus((), (), (), ""))
    paths = sorted((p for p in directory.glob("*.toml") if p.is_file()), key=lambda p: p.name)
    files = [CorpusFile(path, problems, warnings) for path in paths]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.path.name}\0{len(f.raw)}\0".encode() + f.raw)
    by_name = {f.path.name: f for f in files}
    seen = Seen({}, {}, {})
    speakers: list[Speaker] = []
    known: set[str] | None = None  # None: speakers.toml unreadable, so no speaker is checked
    if (sf := by_name.pop(SPEAKERS, None)) is None:
        problems.append(Problem(str(directory / SPEAKERS), 1, f"missing file {SPEAKERS}"))
    elif sf.data is not None:
        speakers = read_speakers(sf, sf.data)
        known = {s.name for s in speakers}
    circulating: list[Circulating] = []
    if (cf := by_name.pop(CIRCULATING, None)) is not None and cf.data is not None:
        circulating = read_circulating(cf, cf.data, seen, known)
    if not by_name:
        problems.append(Problem(str(directory), 1, "no event files (*.toml)"))
    read = [(f, read_event(f, f.data, seen, known)) for f in by_name.values() if f.data is not None]
    _translations(read)
    if cf is not None:
        _paraphrases(cf, circulating, {s.id for _, e in read for s in e.sentences})
    for f, event in read:
        for s in event.sentences:
            if single_secondary(event, s):
                publisher = event.source(s.provenance.sources[0])
                name = publisher.publisher if publisher else s.provenance.sources[0]
                f.warn(("sentences", s.position, "id"), f"{s.id} rests on a single secondary "
                       f"source ({name})")  # fmt: skip
    problems.sort(key=lambda p: (p.file, p.line))  # stable: same line keeps the found order
    warnings.sort(key=lambda p: (p.file, p.line))
    events = tuple(e for _, e in read)
    corpus = Corpus(events, tuple(circulating), tuple(speakers), digest.hexdigest())
    return Inspection(tuple(problems), tuple(warnings), corpus)


def _translations(read: list[tuple[CorpusFile, Event]]) -> None:
    """A `translation_of` names a sentence of the corpus, in the language the translation was
    made from, that is not itself a translation."""
    sentences = {s.id: s for _, e in read for s in e.sentences}
    for f, event in read:
        for s in event.sentences:
            original_id = s.provenance.translation_of
            if not original_id:
                continue
            key = ("sentences", s.position, "translation_of")
            original = sentences.get(original_id)
            if original is None:
                f.report(key, f"translation_of '{original_id}' is not a sentence of the corpus")
            elif original.provenance.basis == "translation":
                f.report(key, f"translation_of '{original_id}' is itself a translation")
            elif original.lang != s.provenance.translated_from:
                f.report(key, f"translation_of '{original_id}' is in '{original.lang}', not "
                         f"in translated_from '{s.provenance.translated_from}'")  # fmt: skip


def _paraphrases(f: CorpusFile, circulating: list[Circulating], sentences: set[str]) -> None:
    """A circulating entry's `paraphrase_of` names a verified sentence or another circulating
    entry (that is not itself a paraphrase record)."""
    indexed = {c.id for c in circulating if not c.paraphrase_of}
    for i, c in enumerate(circulating):
        if c.paraphrase_of and c.paraphrase_of not in sentences | indexed:
            f.report(("circulating", i, "paraphrase_of"), f"paraphrase_of '{c.paraphrase_of}' "
                     "is not a verified sentence nor a circulating id")  # fmt: skip


def single_secondary(event: Event, sentence: Sentence) -> bool:
    """True when the sentence's wording rests on one source, and that source is secondary."""
    urls = sentence.provenance.sources
    source = event.source(urls[0]) if len(urls) == 1 else None
    return source is not None and source.kind == "secondary"


def inspect_corpus(directory: Path) -> Inspection:
    return _check(directory)


def validate_corpus(directory: Path) -> list[Problem]:
    """Every problem in the corpus folder, in file order; empty when it loads."""
    return list(_check(directory).problems)


def load_corpus(directory: Path) -> Corpus:
    """The corpus in `directory`. Raises CorpusError listing every problem if there is any."""
    inspection = _check(directory)
    if inspection.problems:
        raise CorpusError(inspection.problems)
    return inspection.corpus


@dataclass(frozen=True)
class Stats:
    by_basis: dict[str, int]
    disputed: int
    single_secondary: int
    unverified: int
    events: int
    circulating: int

    def table(self) -> str:
        rows = [(f"basis {b}", n) for b, n in self.by_basis.items()]
        rows += [
            ("verified sentences", sum(self.by_basis.values())),
            ("disputed (never published on their own)", self.disputed),
            ("resting on a single secondary source", self.single_secondary),
            ("unverified records (not indexed)", self.unverified),
            ("events", self.events),
            ("circulating sentences", self.circulating),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {n:>4}" for name, n in rows)


def corpus_stats(corpus: Corpus) -> Stats:
    counts = Counter(s.provenance.basis for s in corpus.sentences())
    return Stats(
        by_basis={b: counts[b] for b in BASES},
        disputed=sum(s.provenance.disputed for s in corpus.sentences()),
        single_secondary=sum(single_secondary(e, s) for e in corpus.events for s in e.sentences),
        unverified=sum(len(e.unverified) for e in corpus.events),
        events=len(corpus.events),
        circulating=len(corpus.circulating),
    )
