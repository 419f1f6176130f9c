"""The labeler's pure side (`bot/labels.py`) on real checks by the real pipeline: which label a
check earns, when it waits for an operator, the published definitions, `stop`; and `[labeler]`
config errors."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from conftest import SEED_TEXT
from factories import make_post

from bot.config import ConfigError, LabelerConfig
from bot.config_load import load_config
from bot.domain import Discrepancy
from bot.labels import (
    ALTERED,
    UNSOURCED,
    definitions,
    label_for,
    needs_approval,
    same_policies,
    service_record,
    wants_stop,
)
from bot.pipeline import Checker


def test_a_misquote_earns_altered_quote_and_nothing_else_earns_a_label(checker: Checker) -> None:
    """The seed post (Davos, not Station F) is `altered-quote`; the same check whose only change
    is words no source contains is `unsourced-quote`; a faithful quote and an unrelated post
    earn nothing."""
    seed = checker.check(make_post(SEED_TEXT))
    assert ("match", ALTERED) == (seed.verdict, label_for(seed))
    unsourced = dataclasses.replace(seed, discrepancies=(Discrepancy("unsupported", "x"),))
    assert UNSOURCED == label_for(unsourced)
    faithful = dataclasses.replace(seed, discrepancies=())
    assert faithful.alignments and not any(a.circulating for a in faithful.alignments)
    assert label_for(faithful) is None
    unrelated = checker.check(make_post("The tram strike in Lyon is over."))
    assert ("no_match", None) == (unrelated.verdict, label_for(unrelated))


def test_a_review_always_waits_and_auto_verdicts_decides_for_a_match(checker: Checker) -> None:
    seed = checker.check(make_post(SEED_TEXT))
    borderline = checker.check(make_post("LeCun: 'Anthropic never was.'"))
    assert ("review", ALTERED) == (borderline.verdict, label_for(borderline))
    assert needs_approval(borderline, ("match",)) is True
    assert needs_approval(borderline, ()) is True
    assert needs_approval(seed, ("match",)) is False
    assert needs_approval(seed, ()) is None  # not labelled at all


def test_definitions_are_valid_label_values_in_english_and_french() -> None:
    """Identifiers as com.atproto.label.defs requires (lowercase letters and dashes, ≤ 100),
    inform, no blur; each locale points to the reply, and to the pages when given."""
    record = service_record(definitions("https://factbot.example/c"), "2026-12-02T00:00:00Z")
    policies = record["policies"]
    assert [ALTERED, UNSOURCED] == policies["labelValues"]
    for d in policies["labelValueDefinitions"]:
        assert re.fullmatch(r"[a-z-]{1,100}", d["identifier"])
        assert ("inform", "none", False) == (d["severity"], d["blurs"], d["adultOnly"])
        assert ["en", "fr"] == [x["lang"] for x in d["locales"]]
        for x in d["locales"]:
            assert "https://factbot.example/c" in x["description"]
            assert len(x["name"]) <= 64 and len(x["description"]) <= 10000
    bare = definitions()[0].locales[0].description
    assert "reply" in bare and "http" not in bare


def test_setup_sees_its_own_record_as_unchanged_whatever_types_a_client_added() -> None:
    wanted = service_record(definitions(), "2026-12-02T00:00:00Z")
    stored = {
        "$type": "app.bsky.labeler.service",
        "createdAt": "2025-01-01T00:00:00Z",  # an older record: only the policies count
        "policies": {
            "$type": "app.bsky.labeler.defs#labelerPolicies",
            "labelValues": list(wanted["policies"]["labelValues"]),
            "labelValueDefinitions": [
                {**d, "$type": "com.atproto.label.defs#labelValueDefinition"}
                for d in wanted["policies"]["labelValueDefinitions"]
            ],
        },
    }
    assert same_policies(stored, wanted)
    assert not same_policies(None, wanted)
    other = service_record(definitions("https://elsewhere.example"), "x")
    assert not same_policies(stored, other)


@pytest.mark.parametrize(
    ("text", "stop"),
    [
        ("@factbot.bsky.social stop", True),
        ("STOP!", True),
        ("@factbot please stop", True),
        ("stop please @factbot", True),
        ("@factbot stop the spread of this quote", False),
        ("nonstop misquotes @factbot", False),
        ("@factbot is this real?", False),
        ("", False),
    ],
)
def test_stop_is_the_word_alone(text: str, stop: bool) -> None:
    assert stop == wants_stop(text)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('auto_verdicts = ["review"]', 'expected ["match"] or []'),
        ('service_url = "ftp://x"', "expected an http(s) URL"),
        ('pages_url = "factbot.example"', 'expected an http(s) URL or ""'),
        ("expiry_days = 4000", "at most 3650"),
        ("expiry_days = -1", "expected a number >= 0"),
        ("reports_seconds = 0", "expected above 0"),
    ],
)
def test_labeler_config_errors_name_the_key(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[labeler]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert f"[labeler] {line.split(' =')[0]}" in str(raised.value)
    assert message in str(raised.value)


def test_labeler_is_off_by_default() -> None:
    assert (False, ("match",), 0) == (
        LabelerConfig().enabled,
        LabelerConfig().auto_verdicts,
        LabelerConfig().expiry_days,
    )
