"""Configuration: defaults, the example file, and errors that name file, key and value."""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from pathlib import Path

import pytest
from conftest import ROOT

from bot.config import Config, ConfigError
from bot.config_load import load_config


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
        ("[match]\nmax_chars = 0\n", "[match] max_chars = 0: expected a whole number >= 1"),
        ("[match]\nmax_segments = -3\n", "[match] max_segments = -3: expected a whole number >= 1"),
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
        (
            "[images]\nwatch_ocr_per_minute = -1\n",
            "[images] watch_ocr_per_minute = -1: expected >= 0",
        ),
        ('[images]\nwatch_authors = ["alice.bsky.social"]\n', "'alice.bsky.social' is not a DID"),
        ('[images]\ncdn_url = "ftp://x"\n', "[images] cdn_url = 'ftp://x': expected an http(s)"),
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


NOT_UTF8 = "[store]\npath = 'caf\xe9.db'\n".encode("latin-1")

# Each a config the audit (F9) found refused with a traceback or accepted, or one refused well
# that must stay refused: (what is wrong, the config's text, a part of the message).
BAD_CONFIGS = [
    ("batch-size-0", "[model]\nbatch_size = 0\n", "[model] batch_size = 0: expected at least 1"),
    ("batch-size-neg", "[model]\nbatch_size = -1\n", "[model] batch_size = -1"),
    ("weights-zero", "[model]\nweights = [0.0, 0.0]\n", "expected numbers above 0"),
    ("weights-negative", "[model]\nweights = [-1.0, 2.0]\n", "expected numbers above 0"),
    ("weights-inf", "[model]\nweights = [inf, 1.0]\n", "[model] weights = inf"),
    ("weights-nan", "[model]\nweights = [nan, 1.0]\n", "[model] weights = nan"),
    ("min-phrases-0", "[gate]\nmin_phrases = 0\n", "[gate] min_phrases = 0: expected at least 1"),
    ("tolerance-huge", "[compare]\ndate_tolerance_days = 9999999999\n", "date_tolerance_days"),
    ("tolerance-years", "[compare]\ndate_tolerance_days = 4000\n", "expected at most 3650"),
    ("reworded-above-1", "[compare]\nreworded_below = 1.5\n", "[compare] reworded_below = 1.5"),
    ("store-under-a-file", '[store]\npath = "/etc/passwd/x.db"\n', "[store] path = "),
    ("store-in-proc", '[store]\npath = "/proc/factbot.db"\n', "[store] path = "),
    ("store-is-a-folder", '[store]\npath = "folder"\n', "a folder, expected a database"),
    ("store-not-sqlite", '[store]\npath = "text.db"\n', "not a usable SQLite database"),
    ("cache-under-a-file", '[model]\ncache_dir = "/etc/passwd/cache"\n', "[model] cache_dir"),
    ("cache-in-proc", '[model]\ncache_dir = "/proc/cache"\n', "[model] cache_dir"),
    ("outbox-inf", "[schedule]\noutbox_seconds = inf\n", "[schedule] outbox_seconds = inf"),
    ("corpus-1e300", "[schedule]\ncorpus_seconds = 1e300\n", "[schedule] corpus_seconds"),
    ("misfire-nan", "[schedule]\nmisfire_grace_time = nan\n", "misfire_grace_time = nan"),
    ("misfire-week", "[schedule]\nmisfire_grace_time = 604800\n", "expected at most 86400"),
    ("stop-huge", "[schedule]\nstop_seconds = 1e12\n", "[schedule] stop_seconds"),
    ("mentions-2-days", "[schedule]\nmentions_seconds = 172800.0\n", "expected at most 86400"),
    ("short-text-negative", "[match]\nshort_text_words = -5\n", "short_text_words = -5"),
    ("bsky-backoff-nan", "[bluesky]\nbackoff_seconds = nan\n", "[bluesky] backoff_seconds = nan"),
    ("bsky-timeout-nan", "[bluesky]\ntimeout_seconds = nan\n", "[bluesky] timeout_seconds = nan"),
    ("bsky-cursor-nan", "[bluesky]\ncursor_save_seconds = nan\n", "cursor_save_seconds = nan"),
    ("bsky-checks-huge", "[bluesky]\nchecks_per_hour = 99999999999999999999\n", "checks_per_hour"),
    ("bsky-likes-huge", "[bluesky]\nviral_likes = 10000000000\n", "viral_likes"),
    ("bsky-backlog-huge", "[bluesky]\nbacklog_hours = 1e8\n", "[bluesky] backlog_hours"),
    ("bsky-track-huge", "[bluesky]\ntrack_hours = 1000000\n", "expected at most 8760"),
    ("bsky-retries-huge", "[bluesky]\nmax_retries = 1000\n", "[bluesky] max_retries = 1000"),
    ("tg-backoff-inf", "[telegram]\nbackoff_seconds = inf\n", "[telegram] backoff_seconds = inf"),
    ("tg-retries-huge", "[telegram]\nnetwork_retries = 500\n", "network_retries = 500"),
    ("health-timeout-inf", "[ops]\nhealth_timeout_seconds = inf\n", "health_timeout_seconds"),
    ("match-nan", "[match]\nmatch = nan\n", "[match] match = nan"),
    ("target-nan", "[tune]\ntarget_precision = nan\n", "[tune] target_precision = nan"),
    ("wrong-type", '[model]\nbatch_size = "32"\n', "expected a whole number"),
    ("float-for-int", "[model]\nbatch_size = 32.0\n", "expected a whole number"),
    ("not-a-table", "model = 3\n", "expected a table [model]"),
    ("duplicate-key", "[model]\nthreads = 1\nthreads = 2\n", "not valid TOML"),
    ("empty-path", '[store]\npath = ""\n', "expected a path"),
    ("negative", "[telegram]\nchecks_per_hour = -1\n", "expected a number >= 0"),
    ("no-corpus", '[corpus]\npath = "missing"\n', None),
    ("not-utf8", NOT_UTF8, "not UTF-8 text"),
    ("a-folder", None, "a folder, not a config file"),
]


@pytest.mark.parametrize(
    ("text", "message"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
)
def test_every_bad_config_exits_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes | None, message: str
) -> None:
    """The audit's bad configs, through `main()`: each is a config error (exit 2) with a
    message naming the key, never an exception. `corpus validate` passes on a good config."""
    from bot.cli import main

    (tmp_path / "folder").mkdir()
    (tmp_path / "text.db").write_text("not a database, just text\n" * 100, encoding="utf-8")
    path = tmp_path / "config.toml"
    if text is None:
        path.mkdir()
    elif isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    assert 2 == main(["--config", str(path), "corpus", "validate"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith(f"factbot: config error: {path}: ") or (
        message is None and "problem(s) in" in err
    ), err
    if message is not None:
        assert message in err


def test_a_good_config_is_probed_and_passes(tmp_path: Path) -> None:
    """Folders that do not exist yet are probed through their parent, and left for the first
    use to create (a refused config writes nothing); an existing store is read."""
    path = write(tmp_path, '[store]\npath = "data/bot.db"\n[model]\ncache_dir = "cache"\n')
    load_config(path)
    assert {"config.toml"} == {p.name for p in tmp_path.iterdir()}  # probed, nothing made
    (tmp_path / "data").mkdir()
    from bot.store import Store

    Store(tmp_path / "data" / "bot.db").close()
    assert tmp_path / "data" / "bot.db" == load_config(path).store.path


def test_language_thresholds_fall_back_to_match(tmp_path: Path) -> None:
    """`[match.lang.xx]` sets `match`/`review` for one language; a key it leaves out is
    `[match]`'s, and a language without a table gets `[match]` whole."""
    config = load_config(
        write(
            tmp_path,
            "[match]\nmatch = 0.64\nreview = 0.42\n"
            "[match.lang.fr]\nmatch = 0.55\n"
            "[match.lang.zh]\nmatch = 0.58\nreview = 0.5\n",
        )
    )
    assert (0.55, 0.42) == (
        config.match.for_language("fr").match,
        config.match.for_language("fr").review,
    )
    assert (0.58, 0.5) == (
        config.match.for_language("zh").match,
        config.match.for_language("zh").review,
    )
    for other in ("de", "en", None):
        assert config.match == config.match.for_language(other)
    fr = config.match.for_language("fr")
    assert (config.match.support, config.match.unattributed) == (fr.support, fr.unattributed)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[match.lang.fra]\nmatch = 0.5\n", "[match.lang.fra]: unknown language 'fra'"),
        ("[match.lang.FR]\nmatch = 0.5\n", "[match.lang.FR]: unknown language 'FR'"),
        ("[match.lang.fr]\nthreshold = 0.5\n", "[match.lang.fr] unknown key 'threshold'"),
        ("[match.lang.fr]\nmatch = 1.2\n", "[match.lang.fr] match = 1.2: expected a number from 0"),
        ('[match.lang.fr]\nreview = "low"\n', "[match.lang.fr] review = 'low': expected a number"),
        ("[match.lang.fr]\nmatch = true\n", "[match.lang.fr] match = True: expected a number"),
        ("[match.lang.fr]\nmatch = nan\n", "[match.lang.fr] match = nan: expected a number"),
        (
            "[match.lang.de]\nmatch = 0.55\nreview = 0.6\n",
            "[match.lang.de] review = 0.6: expected review <= match (0.55",
        ),
        (  # review left out: [match]'s 0.5 is above this match
            "[match.lang.de]\nmatch = 0.45\n",
            "[match.lang.de] review = 0.5: expected review <= match (0.45",
        ),
        ("[match]\nlang = 3\n", "[match] lang = 3: expected tables [match.lang.xx]"),
        ("[match.lang]\nfr = 0.5\n", "[match] lang = {'fr': 0.5}: expected tables"),
        ("[tune]\nmin_language_matches = 0\n", "[tune] min_language_matches = 0: expected a"),
        ("[tune]\nmin_language_negatives = -2\n", "[tune] min_language_negatives = -2"),
    ],
)
def test_bad_language_thresholds_name_the_table(tmp_path: Path, text: str, message: str) -> None:
    """A bad `[match.lang.xx]` (a code the language detector never gives, an unknown key, a
    number out of range, review above match once `[match]` fills the gaps) is refused with
    the file, the table and the value."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
