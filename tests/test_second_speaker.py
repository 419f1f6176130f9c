"""A second speaker, as data only: a made-up one (tests/data/second_speaker: names in Latin and
Cyrillic, two roles over time, themes, "she") with two events at different venues and dates.

The bot runs on it through the same pipeline as the CLI and the bots (`build_checker` with the
real models), with no code change: it matches a paraphrase, names a changed venue and a wrong
role, and replies on Bluesky and Telegram for her, with none of the shipped speaker's wording.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DATA, ROOT
from factories import shipped_speaker

from bot.config import Config, CorpusConfig
from bot.corpus import load_corpus
from bot.domain import CheckResult, Corpus, Post
from bot.extract import find_roles
from bot.gate import Gate
from bot.models.vectors import Embedder
from bot.normalise import normalise
from bot.pipeline import Checker, build_checker, probe_post
from bot.telegram.handlers import about_text, help_text

SECOND = DATA / "second_speaker"
# What the shipped speaker's data would bring into a reply: none of it may show.
LEAKS = ("LeCun", "Yann", "Meta", "AMI", "His ", " his ", "ai-PULSE", "杨立昆")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(SECOND)


@pytest.fixture(scope="module")
def second(config: Config, embedders: dict[str, Embedder]) -> Checker:
    """The one pipeline over the second corpus, with the real models."""
    return build_checker(dataclasses.replace(config, corpus=CorpusConfig(SECOND)), embedders)


def check(checker: Checker, text: str, when: str = "2025-06-10T09:00:00") -> CheckResult:
    created = datetime.fromisoformat(when).replace(tzinfo=UTC)
    return checker.check(Post("p", text, created_at=created))


def reply_text(result: CheckResult) -> str:
    return "\n".join(p.text for p in result.reply.bluesky) + "\n" + result.reply.telegram


def assert_no_leak(result: CheckResult) -> None:
    text = reply_text(result)
    assert [] == [w for w in LEAKS if w in text], text


def fields(result: CheckResult) -> dict[str, tuple[str | None, str | None]]:
    return {d.field: (d.claimed, d.verified) for d in result.discrepancies}


def test_second_speaker_corpus_loads_with_every_field(corpus: Corpus) -> None:
    """The speaker's names, roles, signals, themes and pronoun are read from speakers.toml."""
    (speaker,) = corpus.speakers
    assert "Oriane Valcourt" == speaker.name
    assert "Валькур" in speaker.aliases
    assert "she" == speaker.pronoun
    assert [("Norrbrook Systems", ("Chief AI Scientist",)), ("Quillon Labs", ("Founder",))] == [
        (r.org, r.signals) for r in speaker.roles
    ]
    assert ("managing director",) == speaker.roles[1].title_words
    assert ["small models", "energy", "norrbrook"] == [t.name for t in speaker.themes]
    assert {"lumen-forum-2024", "kanaal-podcast-2025"} == {e.id for e in corpus.events}


def test_second_speaker_matches_a_paraphrase_and_names_venue_and_role(second: Checker) -> None:
    """A paraphrase of her 2024 talk moved to the 2025 podcast, with the role she took after
    it: the bot finds the talk, and names the venue and the role the post got wrong."""
    result = check(
        second,
        "Quillon Labs founder Oriane Valcourt said on the Kanaal Podcast: small models "
        "trained on clean data are going to beat the giant ones at most real tasks within "
        "three years",
    )
    assert "match" == result.verdict, result.scores
    assert result.match is not None
    assert ("lumen-forum-2024", "OV1") == (result.match.event_id, result.match.quote_id)
    found = fields(result)
    assert ("Kanaal Podcast", "Lumen Forum 2024, Harbour Hall, Rotterdam") == found["venue"]
    assert ("Founder, Quillon Labs", "Chief AI Scientist, Norrbrook Systems") == found[
        "speaker_role"
    ]
    thread = "\n".join(p.text for p in result.reply.bluesky)
    role_line = (
        "On that date Oriane Valcourt was Chief AI Scientist, Norrbrook Systems, "
        "not Founder, Quillon Labs."
    )
    venue_line = "Not said at Kanaal Podcast: this was Lumen Forum 2024, Harbour Hall, Rotterdam."
    for line in (role_line, venue_line, "Her words, from the recording."):
        assert line in thread
        assert html.escape(line) in result.reply.telegram
    assert "— Oriane Valcourt, Chief AI Scientist, Norrbrook Systems" in thread
    assert_no_leak(result)


def test_second_speaker_cyrillic_alias_and_a_title_she_had_left(second: Checker) -> None:
    """Named in Cyrillic with the title she had left by the podcast: a wrong role; the same
    words with "former" are right and name nothing."""
    quote = "every watt we spend on inference should buy the user something they can measure"
    stale = check(second, f"Norrbrook chief AI scientist Валькур: {quote}")
    assert "match" == stale.verdict, stale.scores
    assert stale.match is not None and "kanaal-podcast-2025" == stale.match.event_id
    assert stale.scores.gate == "alias:Валькур"
    assert ("Chief AI Scientist, Norrbrook Systems", stale.match.speaker_role) == fields(stale)[
        "speaker_role"
    ]
    assert "As reported by The Ghent Gazette (one secondary source)." in reply_text(stale)
    assert_no_leak(stale)
    former = check(second, f"Former Norrbrook chief AI scientist Валькур: {quote}")
    assert "speaker_role" not in fields(former)
    assert_no_leak(former)


def test_second_speaker_role_words_from_the_corpus() -> None:
    """Roles are found from her data alone: a title family at her organisation, the role's own
    title words, a departure; someone else's founder title is not hers."""
    speaker = load_corpus(SECOND).speakers[0]

    def roles(text: str) -> list[tuple[str, str, bool]]:
        return [(r.org, r.title, r.former) for r in find_roles(text, speaker)]

    assert [("Quillon Labs", "Managing Director", False)] == roles(
        "Valcourt, managing director of Quillon Labs, said"
    )
    assert [("Norrbrook Systems", "Chief AI Scientist", True)] == roles(
        "Valcourt, who left Norrbrook, said"
    )
    assert [("Quillon Labs", "Founder", False)] == roles("Quillon Labs cofondatrice Valcourt")
    assert [] == roles("Norrbrook founder Piet Jansen said")
    assert [] == roles("Meta's chief AI scientist, who left Meta")  # not her organisation
    # and the shipped speaker's roles are not hers: the same words, his data
    assert [("Meta", "Chief AI Scientist", True)] == [
        (r.org, r.title, r.former) for r in find_roles("who left Meta", shipped_speaker())
    ]


def test_second_speaker_gate_uses_her_names_and_themes(corpus: Corpus) -> None:
    """The gate admits her names in both scripts and her themes; the shipped speaker's names
    and themes mean nothing here."""
    gate = Gate.from_corpus(corpus)

    def reason(text: str) -> str:
        return gate.admits(normalise(text)).reason

    assert "alias:Ориана Валькур" == reason("Ориана Валькур о моделях")
    assert "alias:Valcourt" == reason("valcourt again")
    assert "phrases:energy+small models" == reason("A small model saves energy")
    assert "phrases:energy (1 < 2)" == reason("so much energy")
    assert not gate.admits(normalise("Yann LeCun: open source models from China")).admitted


def test_second_speaker_no_match_help_and_health_name_her(second: Checker) -> None:
    """The no-match answer, the Telegram help and about texts and the health check's post are
    worded from the corpus: her name, nobody else's."""
    result = check(second, "Oriane Valcourt says pineapple belongs on pizza, always")
    assert "no_match" == result.verdict
    expected = "I could not find this in my verified sources for Oriane Valcourt."
    assert result.reply.bluesky[0].text.startswith(expected)
    assert_no_leak(result)
    corpus = second.corpus
    for text in (help_text(corpus), about_text(corpus, 10)):
        assert "Oriane Valcourt" in text
        assert [] == [w for w in ("LeCun", "Yann", " his ") if w in text]
    probe = probe_post(corpus)
    assert "Oriane Valcourt" in probe.text
    assert second.gate.admits(normalise(probe.text)).admitted


def test_second_speaker_through_the_cli(tmp_path: Path) -> None:
    """`factbot check --jsonl` with a config whose [corpus] path is her corpus: the same answer
    as the pipeline, her role named, no shipped-speaker wording in the JSON contract."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[corpus]\npath = "{SECOND}"\n[store]\npath = "factbot.db"\n'
        '[model]\ncache_dir = "cache"\n',
        encoding="utf-8",
    )
    post = {
        "id": "v1",
        "created_at": "2025-06-10T09:00:00Z",
        "text": "Quillon Labs founder Valcourt at the Kanaal Podcast: small models trained on "
        "clean data will beat the giant ones on most real tasks within three years",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "check", "--jsonl", "-"],
        input=json.dumps(post) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
        timeout=600,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    (out,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert "match" == out["verdict"]
    assert "Oriane Valcourt" == out["match"]["speaker"]
    assert {"venue", "speaker_role"} <= {d["field"] for d in out["discrepancies"]}
    replies = "\n".join([*out["reply"]["bluesky"], out["reply"]["telegram"]])
    assert "Her words, from the recording." in replies
    assert [] == [w for w in LEAKS if w in replies]
