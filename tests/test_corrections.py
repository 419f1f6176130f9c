"""The pure core of corrections (`bot/corrections.py`): what a published output stated, from a
real check of the seed post, and what an edited copy of the shipped corpus changes in it."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import ROOT, SEED_TEXT
from factories import make_post

from bot.cli import main
from bot.compose import ReplyTexts
from bot.corpus import load_corpus
from bot.corrections import (
    Change,
    Output,
    Stated,
    after,
    bluesky_correction,
    changes,
    correction_lines,
    describe,
    pending,
    stated,
)
from bot.domain import Corpus, Event
from bot.pipeline import Checker
from bot.reply_bluesky import graphemes
from bot.telegram.edits import CorrectionTables
from bot.telegram.store import Pending, TelegramStore

DAY = date(2026, 12, 2)
T0 = datetime(2026, 5, 12, 9, tzinfo=UTC)


def corpus_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder)
    return folder


def edit(folder: Path, event: Event, old: str, new: str) -> Corpus:
    """Replace `old` by `new` once in `event`'s file; the corpus loaded again."""
    path = folder / Path(event.path).name
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    return load_corpus(folder)


def without(corpus: Corpus, sentence_id: str) -> Corpus:
    """`corpus` with one sentence taken out of the verified set."""
    events = tuple(
        dataclasses.replace(e, sentences=tuple(s for s in e.sentences if s.id != sentence_id))
        for e in corpus.events
    )
    return dataclasses.replace(corpus, events=events, version=corpus.version + "-")


def move_date(folder: Path, event: Event, new: date) -> Corpus:
    return edit(folder, event, f"date = {event.date.isoformat()}", f"date = {new.isoformat()}")


@pytest.fixture(scope="module")
def seed(checker: Checker) -> tuple[Stated, Event]:
    result = checker.check(make_post(SEED_TEXT))
    assert result.match is not None
    facts = stated(result, checker.corpus)
    assert facts is not None
    return facts, checker.corpus.event(facts.event_id)


def test_what_the_seed_reply_states(checker: Checker, seed: tuple[Stated, Event]) -> None:
    """The event, each stated field and the quoted sentences with their corpus texts; the
    corpus version of the check; the JSON form round-trips."""
    facts, event = seed
    assert checker.corpus.version == facts.corpus_version
    assert {
        "event": event.event,
        "venue": event.venue,
        "city": event.city,
        "date": event.date.isoformat(),
        "speaker_role": event.speaker_role,
        "source_url": "https://officechai.com/ai/meta-is-rethinking-its-strategy-on-open-source-former-chief-scientist-yann-lecun",
        "basis": "reported",
        "disputed": "no",
    } == dict(facts.fields)
    texts = {s.id: s.text for s in event.sentences}
    assert facts.sentences and all(texts[i] == t for i, t in facts.sentences)
    assert facts == Stated.from_json(facts.to_json())
    assert () == changes(facts, checker.corpus)


def test_a_source_other_than_the_events_primary_is_not_a_change(checker: Checker) -> None:
    """A quote carried only by a secondary source of an event that has a primary one (the UN
    week: the transcript is primary, the quotes come from Techstrong) states that source, and
    the unchanged corpus finds nothing to correct in it."""
    text = "LeCun at the UN: “In my mind, the only way to get to that point is open-source AI.”"
    result = checker.check(make_post(text))
    assert result.match is not None and "S17c.1" in result.match.sentence_ids
    facts = stated(result, checker.corpus)
    assert facts is not None
    event = checker.corpus.event(facts.event_id)
    assert "primary" == event.primary_source.kind
    assert facts.field("source_url") == result.match.source_url != event.primary_source.url
    assert () == changes(facts, checker.corpus)


def test_a_sentence_newly_disputed_is_a_change(tmp_path: Path, seed: tuple[Stated, Event]) -> None:
    """The reply stated its quote as undisputed: a sentence of it marked disputed since is a
    correction ("disputed wording: no -> yes")."""
    facts, event = seed
    first_id, _ = facts.sentences[0]
    folder = corpus_copy(tmp_path)
    old = f'id = "{first_id}"'
    changed = edit(
        folder, event, old, f'{old}\ndisputed = true\ndispute_note = "the recording says otherwise"'
    )
    assert (Change("disputed", "no", "yes"),) == changes(facts, changed)


def test_no_match_states_nothing(checker: Checker) -> None:
    result = checker.check(make_post("The café at Station F closes early on Fridays"))
    assert stated(result, checker.corpus) is None


def test_a_date_change(tmp_path: Path, seed: tuple[Stated, Event]) -> None:
    """The one field that changed, old and new; once corrected, nothing more to say."""
    facts, event = seed
    new = move_date(corpus_copy(tmp_path), event, date(2025, 12, 5))
    assert (Change("date", event.date.isoformat(), "2025-12-05"),) == changes(facts, new)
    fixed = after(facts, new)
    assert (new.version, "2025-12-05") == (fixed.corpus_version, fixed.field("date"))
    assert () == changes(fixed, new)
    assert fixed.digest() != facts.digest()


def test_a_sentence_edited_or_withdrawn(tmp_path: Path, seed: tuple[Stated, Event]) -> None:
    """A quoted sentence whose text changed counts, and so does one that left the verified
    set (its id gone); after the correction, the withdrawn one is no longer stated."""
    facts, event = seed
    folder = corpus_copy(tmp_path)
    first_id, first_text = facts.sentences[0]
    edited = edit(folder, event, first_text, first_text + " Really.")
    assert (Change("sentence", first_text, first_text + " Really.", first_id),) == changes(
        facts, edited
    )
    withdrawn = without(edited, first_id)
    found = changes(facts, withdrawn)
    assert Change("sentence", first_text, None, first_id) in found
    fixed = after(facts, withdrawn)
    assert first_id not in dict(fixed.sentences)
    assert () == changes(fixed, withdrawn)


def test_several_fields_and_an_event_removed(tmp_path: Path, seed: tuple[Stated, Event]) -> None:
    facts, event = seed
    folder = corpus_copy(tmp_path)
    edit(folder, event, f'city = "{event.city}"', 'city = "Lyon"')
    moved = move_date(folder, event, date(2025, 12, 3))
    assert {"city", "date"} == {c.field for c in changes(facts, moved)}
    (folder / Path(event.path).name).unlink()
    circulating = folder / "circulating.toml"  # its records that reword the event's sentences
    lines = circulating.read_text("utf-8").splitlines(keepends=True)
    circulating.write_text("".join(x for x in lines if not x.startswith("paraphrase_of")), "utf-8")
    gone = load_corpus(folder)
    assert (Change("event", event.event, None),) == changes(facts, gone)
    assert () == changes(after(facts, gone), gone)


def test_a_field_the_snapshot_did_not_record_is_not_compared(
    tmp_path: Path, seed: tuple[Stated, Event]
) -> None:
    """An output published before a field was added to STATED_FIELDS is not 'corrected' for
    a value it never stated."""
    facts, event = seed
    old = dataclasses.replace(facts, fields=tuple(f for f in facts.fields if f[0] != "date"))
    moved = move_date(corpus_copy(tmp_path), event, date(2025, 12, 5))
    assert () == changes(old, moved)


def test_pending_and_describe(tmp_path: Path, seed: tuple[Stated, Event]) -> None:
    facts, event = seed
    moved = move_date(corpus_copy(tmp_path), event, date(2025, 12, 5))
    outputs = [
        Output("bluesky", "reply", "at://m/1", facts),
        Output("telegram", "card", "p2", after(facts, moved)),  # corrected already
    ]
    (found,) = pending(outputs, moved)
    assert "at://m/1" == found.output.id
    old = event.date.isoformat()
    assert [f"bluesky reply at://m/1: date: '{old}' -> '2025-12-05'"] == describe([found])
    assert {"platform": "bluesky", "kind": "reply", "id": "at://m/1"}.items() <= (
        found.to_json().items()
    )


def test_correction_wording() -> None:
    """The [reply] templates, dates as replies show them; an operator's own wording."""
    day_change = Change("date", "2025-12-04", "2025-12-05")
    gone = Change("sentence", "And it's not good.", None, "E3.2")
    assert [
        "Corrected 2 Dec 2026: date was 4 Dec 2025, is 5 Dec 2025.",
        "Corrected 2 Dec 2026: quoted sentence was “And it's not good.”; it is no longer verified.",
    ] == correction_lines([day_change, gone], DAY, ReplyTexts())
    mine = ReplyTexts(corrected="Fix ({date}): {field} {old} → {new}")
    assert ["Fix (2 Dec 2026): date 4 Dec 2025 → 5 Dec 2025"] == correction_lines(
        [day_change], DAY, mine
    )
    broken = ReplyTexts(corrected="Fix {nope}")  # an unknown placeholder: the default
    assert correction_lines([day_change], DAY, ReplyTexts()) == correction_lines(
        [day_change], DAY, broken
    )


def test_a_bluesky_correction_fits_one_post() -> None:
    long = [Change("sentence", "word " * 200, "other " * 200, f"E{i}") for i in range(6)]
    text = bluesky_correction(correction_lines(long, DAY, ReplyTexts()))
    assert 0 < graphemes(text) <= 300
    assert text.startswith("Corrected 2 Dec 2026: quoted sentence was “word")
    one = bluesky_correction(["x" * 400])
    assert graphemes(one) == 300


def write_config(tmp_path: Path, corpus: Path) -> Path:
    config = tmp_path / "config.toml"
    db = tmp_path / "factbot.db"
    config.write_text(f'[store]\npath = "{db}"\n[corpus]\npath = "{corpus}"\n', "utf-8")
    return config


def test_the_command_without_a_store_or_credentials(
    tmp_path: Path,
    seed: tuple[Stated, Event],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No store: exit 2. A card due for correction, --apply without TELEGRAM_BOT_TOKEN: one
    clear line and exit 1, nothing changed (the card is still listed)."""
    facts, event = seed
    folder = corpus_copy(tmp_path)
    config = write_config(tmp_path, folder)
    assert 2 == main(["--config", str(config), "corrections"])
    assert "no store" in capsys.readouterr().err

    async def publish() -> None:
        store = TelegramStore(tmp_path / "factbot.db")
        tables = CorrectionTables(store)
        await tables.record_stated("card:p1", facts, T0)
        assert "card" == await store.claim_publication("p1", "@channel", "card", T0)
        pending = Pending("card", "card:p1", "p1", "@channel", "card")
        await store.mark_sent(pending, 17, T0)
        store.close()

    asyncio.run(publish())
    move_date(folder, event, date(2025, 12, 5))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert 1 == main(["--config", str(config), "corrections", "--apply"])
    assert "set TELEGRAM_BOT_TOKEN" in capsys.readouterr().err
    assert 0 == main(["--config", str(config), "corrections"])
    out = capsys.readouterr().out.splitlines()
    assert [f"telegram card p1: date: '{event.date}' -> '2025-12-05'"] == out[:-1]
