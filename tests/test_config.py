"""Configuration: defaults, the example file, and errors that name file, key and value."""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from pathlib import Path

import pytest
from conftest import ROOT

from bot.config import Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_documents_every_key() -> None:
    """config.example.toml sets every key of every section, and loads to the defaults."""
    raw = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    for f in dataclasses.fields(Config):
        if f.name == "source":
            continue
        section = typing.get_type_hints(Config)[f.name]
        expected = {k.name for k in dataclasses.fields(section)}
        assert expected == set(raw.get(f.name, {})), f"[{f.name}] in config.example.toml"
    loaded = load_config(ROOT / "config.example.toml")
    defaults = Config()
    assert defaults.match == loaded.match
    assert defaults.compare == loaded.compare
    assert defaults.reply == loaded.reply


def test_no_file_gives_defaults() -> None:
    """No config file at all is the embedded default."""
    assert Config() == load_config(None)


def test_relative_paths_follow_the_file(tmp_path: Path) -> None:
    """A relative path in the file is taken relative to the file's folder, not the cwd."""
    config = load_config(write(tmp_path, '[store]\npath = "data/bot.db"\n'))
    assert tmp_path / "data" / "bot.db" == config.store.path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[match]\nmatch = "high"\n', "[match] match = 'high': expected a number"),
        ("[match]\nmatchh = 0.5\n", "[match] unknown key 'matchh'"),
        ("[matching]\nmatch = 0.5\n", "unknown section [matching]"),
        ("[match]\nmatch = 0.4\nreview = 0.6\n", "[match] review = 0.6: expected review <= match"),
        ("[match]\nmatch = 1.5\n", "[match] match = 1.5: expected a number from 0 to 1"),
        ("[gate]\nenabled = 1\n", "[gate] enabled = 1: expected true or false"),
        (
            '[model]\nembedders = ["bert"]\n',
            "expected names from ['minilm', 'use', 'minilm-torch']",
        ),
        ("[model]\nweights = [1.0]\n", "[model] weights = [1.0]: expected one weight per"),
        ("[match\n", "not valid TOML"),
        ("[store]\nkeep_days = -1\n", "[store] keep_days = -1: expected a number >= 0"),
        ("[store]\nkeep_days = 1.5\n", "[store] keep_days = 1.5: expected a whole number"),
        ("[limits]\nanswers_per_day = -5\n", "[limits] answers_per_day = -5: expected a number"),
        (
            "[schedule]\nprune_seconds = 0\n",
            "[schedule] prune_seconds = 0.0: expected a number > 0",
        ),
    ],
)
def test_bad_config_names_file_key_and_value(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake gives a message with the file's path and what was expected."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_from_a_checkout_the_defaults_are_the_repositorys_folders() -> None:
    """Run from a checkout, the default corpus is corpus/ (what operators edit) and the default
    feed samples/feed.jsonl, not the copies a wheel carries (tests/test_dockerfile.py checks
    those, from an installed wheel)."""
    from bot.cli import DEFAULT_FEED

    assert ROOT / "corpus" == Config().corpus.path
    assert ROOT / "samples" / "feed.jsonl" == DEFAULT_FEED
