"""The gate: aliases in several scripts, key-phrase concepts, and reasons that explain."""

from __future__ import annotations

from datetime import date

import pytest
from factories import shipped_speaker

from bot.domain import Circulating, Corpus, Event, Sentence, Source, Speaker
from bot.gate import STOPWORDS, Gate, GateDecision, distinctive_words
from bot.normalise import normalise


def _corpus() -> Corpus:
    sentences = tuple(
        Sentence(f"E{i}.1", f"E{i}", "ai-pulse-2025", i, text, "en")
        for i, text in enumerate(
            (
                "I've been a big proponent for open source for a long time.",
                "So the best open source models at the moment in the LLM world are all Chinese.",
                "Silicon Valley is completely hypnotised by generative models.",
            ),
            start=1,
        )
    )
    event = Event(
        id="ai-pulse-2025",
        speaker="Yann LeCun",
        speaker_role="Chief AI Scientist, Meta",
        event="ai-PULSE 2025",
        venue="Station F",
        city="Paris",
        country="France",
        date=date(2025, 12, 4),
        organiser="Scaleway",
        sources=(Source("https://example.org/a", "OfficeChai", "secondary"),),
        sentences=sentences,
        venue_aliases=("ai-PULSE", "Station F"),
    )
    circulating = Circulating(
        "C1", "Everybody in the research community is using Chinese models.", "en", "Yann LeCun", ""
    )
    themes = shipped_speaker().themes  # the gate's themes come from corpus/speakers.toml
    speaker = Speaker(name="Yann LeCun", aliases=("LeCun", "杨立昆"), roles=(), themes=themes)
    return Corpus(events=(event,), circulating=(circulating,), speakers=(speaker,), version="t")


@pytest.fixture(scope="module")
def gate() -> Gate:
    return Gate.from_corpus(_corpus())


def decide(gate: Gate, text: str) -> GateDecision:
    return gate.admits(normalise(text))


def test_latin_alias_admits(gate: Gate) -> None:
    """A speaker alias admits the post, whatever its case, and the reason names the alias."""
    assert GateDecision(True, "alias:LeCun") == decide(gate, "lecun's take on research")


def test_full_name_admits(gate: Gate) -> None:
    """The name itself is an alias; the longest matching one is named."""
    assert GateDecision(True, "alias:Yann LeCun") == decide(gate, "What Yann LeCun said")


def test_cjk_alias_admits_as_a_substring(gate: Gate) -> None:
    """A CJK alias counts inside running text, with no spaces around it."""
    assert GateDecision(True, "alias:杨立昆") == decide(gate, "杨立昆在巴黎说开源很好")


def test_alias_inside_a_longer_word_does_not_count(gate: Gate) -> None:
    """ "lecunning" is not the alias LeCun."""
    assert GateDecision(False, "none") == decide(gate, "Stop lecunning around")


def test_handle_that_holds_an_alias_admits(gate: Gate) -> None:
    """A mention of @ylecun names the speaker."""
    assert GateDecision(True, "alias:LeCun") == decide(gate, "via @ylecun today")


def test_open_source_chinese_models_without_the_name_admit_via_phrases(gate: Gate) -> None:
    """Two distinct concepts (open source, China) admit a post that names nobody."""
    expected = GateDecision(True, "phrases:china+open source")
    assert expected == decide(gate, "The best open-source AI now comes from China")


def test_viral_post_without_the_name_admits_via_phrases(gate: Gate) -> None:
    """The viral post with its speaker removed still reaches the model."""
    text = (
        "Said this on stage: 'The best open source AI models right now come from China. "
        "Everybody in the research community is using Chinese models.'"
    )
    decision = decide(gate, text)
    assert (True, "phrases:") == (decision.admitted, decision.reason[:8])
    assert {"china", "open source", "models"} <= set(decision.reason[8:].split("+"))


def test_unrelated_post_is_turned_away(gate: Gate) -> None:
    """A post with no alias and no key phrase is not admitted, and says so."""
    assert GateDecision(False, "none") == decide(gate, "Great pasta recipe tonight")


def test_one_concept_is_not_enough(gate: Gate) -> None:
    """Variants of one concept count once: "open source" and "開源" are one theme."""
    expected = GateDecision(False, "phrases:open source (1 < 2)")
    assert expected == decide(gate, "Open source rocks, open-source forever, 開源")


def test_min_phrases_is_configurable() -> None:
    """With min_phrases=1 one concept is enough; below 1 is refused."""
    gate = Gate.from_corpus(_corpus(), min_phrases=1)
    assert GateDecision(True, "phrases:open source") == decide(gate, "Open source rocks")
    with pytest.raises(ValueError, match="min_phrases"):
        Gate.from_corpus(_corpus(), min_phrases=0)


def test_distinctive_corpus_words_count_as_phrases(gate: Gate) -> None:
    """Long words of the corpus sentences that are not stopwords ("hypnotised", "generative")
    are key phrases."""
    expected = GateDecision(True, "phrases:generative+hypnotised")
    assert expected == decide(gate, "Hypnotised by generative hype")


def test_distinctive_words_skip_short_and_common_words() -> None:
    """Words under six letters and stopwords are left out; the rest are folded and sorted."""
    words = distinctive_words(["Silicon Valley is completely hypnotised by generative people."])
    assert ["generative", "hypnotised", "silicon", "valley"] == words
    assert {"completely", "people"} <= STOPWORDS


def test_a_phrase_is_not_counted_again_for_its_words(gate: Gate) -> None:
    """ "Silicon Valley" is one concept even though "silicon" and "valley" are corpus words."""
    expected = GateDecision(False, "phrases:silicon valley (1 < 2)")
    assert expected == decide(gate, "Silicon Valley")


def test_venue_aliases_are_one_concept_per_event(gate: Gate) -> None:
    """ "ai-PULSE" and "Station F" are one event concept; with open source they admit."""
    expected = GateDecision(True, "phrases:event:ai-pulse-2025+open source")
    assert expected == decide(gate, "At AI Pulse, Station F: open source talk")


def test_extra_phrases_are_concepts() -> None:
    """Phrases passed to from_corpus count like the built-in ones."""
    gate = Gate.from_corpus(_corpus(), extra_phrases=("Davos",))
    assert GateDecision(True, "phrases:davos+open source") == decide(gate, "Davos, open source")


def test_plurals_and_version_numbers(gate: Gate) -> None:
    """ "LLMs" is LLM and "Qwen3" is Qwen."""
    assert GateDecision(True, "phrases:llm+qwen") == decide(gate, "Qwen3 beats other LLMs")


def test_names_that_are_common_words_need_their_case(gate: Gate) -> None:
    """ "meta" in lower case is a word, "Meta" the company."""
    assert GateDecision(False, "phrases:open source (1 < 2)") == decide(
        gate, "so meta: open source"
    )
    assert GateDecision(True, "phrases:meta+open source") == decide(gate, "Meta: open source")


def test_same_post_same_decision(gate: Gate) -> None:
    """The gate is deterministic: concepts are reported in a fixed order."""
    text = "China and open source and DeepSeek"
    assert decide(gate, text) == decide(Gate.from_corpus(_corpus()), text)
    assert "phrases:china+deepseek+open source" == decide(gate, text).reason
