"""The whole pipeline on the shipped corpus with the real models."""

from __future__ import annotations

from conftest import SEED_TEXT
from factories import make_post

from bot.domain import CheckResult
from bot.pipeline import Checker


def fields(result: CheckResult) -> dict[str, list[tuple[str | None, str | None]]]:
    out: dict[str, list[tuple[str | None, str | None]]] = {}
    for d in result.discrepancies:
        out.setdefault(d.field, []).append((d.claimed, d.verified))
    return out


def test_seed_post_is_matched_to_ai_pulse(checker: Checker) -> None:
    """The viral May 2026 post matches the ai-PULSE talk of 4 Dec 2025, not Davos."""
    result = checker.check(make_post(SEED_TEXT))
    assert "match" == result.verdict
    assert result.match is not None
    assert "ai-pulse-2025" == result.match.event_id
    assert "2025-12-04" == result.match.date.isoformat()
    assert ("Station F", "Paris") == (result.match.venue, result.match.city)
    assert "So the best open source models at the moment in the LLM world are all Chinese." in (
        result.match.quote
    )


def test_seed_post_names_every_change(checker: Checker) -> None:
    """Venue Davos vs ai-PULSE/Station F/Paris, the date, both dropped qualifiers (SPEC: "And
    it's not good." and "There's still gonna be ... Meta") and both invented sentences."""
    found = fields(checker.check(make_post(SEED_TEXT)))
    assert [("Davos", "ai-PULSE 2025, Station F, Paris")] == found["venue"]
    ((claimed, verified),) = found["date"]
    assert "2025-12-04" == verified
    assert claimed is not None and "just said" in claimed
    omitted = [v for _, v in found["omitted"]]
    assert [
        "There's still gonna be quite a lot of open source coming out of Meta, but maybe not as "
        "systematic as it used to be.",
        "And it's not good.",
    ] == omitted
    unsupported = sorted(c for c, _ in found["unsupported"] if c)
    assert [
        "Everybody in the research community is using Chinese models.",
        "We are slowing down progress in the West because of this.",
    ] == unsupported


def test_seed_reply_never_restates_invented_sentences_as_fact(checker: Checker) -> None:
    """Each invented sentence appears in the reply only behind "No verified source"."""
    result = checker.check(make_post(SEED_TEXT))
    thread = "\n".join(p.text for p in result.reply.bluesky)
    assert "Station F" in thread
    for sentence in ("Everybody in the research community", "We are slowing down progress"):
        for line in thread.splitlines():
            if sentence in line:
                assert "No verified source" in line or "no verified source" in line.lower()


def test_faithful_quote_has_no_discrepancies(checker: Checker) -> None:
    """A correctly attributed, correctly quoted post has no discrepancies."""
    text = (
        'At ai-PULSE in Paris on 4 December 2025, Yann LeCun said: "So the best open source '
        "models at the moment in the LLM world are all Chinese. And it's not good.\""
    )
    result = checker.check(make_post(text, created_at="2025-12-05T10:00:00Z"))
    assert "match" == result.verdict
    assert () == result.discrepancies


def test_off_topic_post_is_turned_away_by_the_gate(checker: Checker) -> None:
    """A post that names neither the speaker nor the corpus's themes never reaches the model."""
    result = checker.check(make_post("Made a great pasta with my kids tonight 🍝"))
    assert ("no_match", False, None) == (result.verdict, result.admitted, result.match)


def test_invented_quote_alone_is_no_match_but_named(checker: Checker) -> None:
    """A post that only quotes a known invented sentence gets no_match, and the reply says no
    verified source contains it."""
    result = checker.check(
        make_post('Yann LeCun: "Everybody in the research community is using Chinese models."')
    )
    assert "no_match" == result.verdict
    assert None is result.match
    assert ["unsupported"] == [d.field for d in result.discrepancies]


def test_batch_gives_the_same_results_in_order(checker: Checker) -> None:
    """check_many answers in input order, exactly as one-by-one checks would."""
    posts = [
        make_post(SEED_TEXT, id="a"),
        make_post("Nice weather in Lyon today", id="b"),
        make_post("LeCun: 'Anthropic never was.'", id="c"),
    ]
    batch = checker.check_many(posts)
    single = [checker.check(p) for p in posts]
    assert [r.post.id for r in batch] == ["a", "b", "c"]
    assert [r.to_json() for r in single] == [r.to_json() for r in batch]


def test_contract_shape(checker: Checker) -> None:
    """The JSON object has exactly the contract's keys, and `match` is null for no_match."""
    matched = checker.check(make_post(SEED_TEXT)).to_json()
    assert {"id", "verdict", "score", "match", "discrepancies", "reply"} == set(matched)
    assert {
        "quote",
        "quote_id",
        "speaker",
        "speaker_role",
        "event",
        "venue",
        "city",
        "date",
        "source_url",
        "source_kind",
        "basis",
        "sources",
        "disputed",
    } == set(matched["match"])
    expected_sources = [
        {
            "publisher": "OfficeChai",
            "url": "https://officechai.com/ai/meta-is-rethinking-its-strategy-on-open-source-"
            "former-chief-scientist-yann-lecun",
            "kind": "secondary",
        }
    ]
    assert ("reported", expected_sources, False) == (
        matched["match"]["basis"],
        matched["match"]["sources"],
        matched["match"]["disputed"],
    )
    assert {"bluesky", "telegram"} == set(matched["reply"])
    missed = checker.check(make_post("Lovely day for a walk")).to_json()
    assert None is missed["match"]


CLIMBING = (
    'Yann LeCun at ai-PULSE in Paris: "what we are observing at the moment is most big American '
    'players in the domain are kind of climbing up open."'
)


def test_disputed_sentence_never_publishes_on_its_own(checker: Checker) -> None:
    """A post resting on E1.2 ("climbing up open", a probable mis-transcription) is held for
    review even at a verbatim score, and the reply says the wording is disputed; the same kind
    of post on an undisputed sentence of that passage is published."""
    result = checker.check(make_post(CLIMBING, created_at="2025-12-05T10:00:00Z"))
    assert result.match is not None
    assert ("review", "E1.2", True) == (
        result.verdict,
        result.scores.sentence_id,
        result.match.disputed,
    )
    assert result.score >= checker.config.match.match  # it would have published before
    thread = "\n".join(p.text for p in result.reply.bluesky)
    assert "Disputed wording:" in thread and "Disputed wording:" in result.reply.telegram
    assert "verified original" not in thread
    plain = checker.check(
        make_post(
            'Yann LeCun at ai-PULSE in Paris: "OpenAI, of course, stopped being open quite a '
            'long time ago."',
            created_at="2025-12-05T10:00:00Z",
        )
    )
    assert ("match", False) == (plain.verdict, plain.match.disputed if plain.match else None)


def test_translation_is_never_called_his_words(checker: Checker) -> None:
    """Le Monde's French rendering of E4.1 matches as a translation: the reply says whose
    translation it is, from which language, and never calls it the verified original."""
    text = (
        "Yann Le Cun à l'ai-PULSE : « La Silicon Valley est complètement hypnotisée par les "
        "modèles actuels d'IA générative. »"
    )
    result = checker.check(make_post(text, created_at="2025-12-05T10:00:00Z", lang="fr"))
    assert result.match is not None
    assert ("translation", "en") == (result.match.basis, result.match.translated_from)
    thread = "\n".join(p.text for p in result.reply.bluesky)
    assert "Le Monde's French translation of his English remark." in thread
    assert "verified original" not in thread + result.reply.telegram
    assert "His words" not in thread + result.reply.telegram
