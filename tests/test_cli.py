"""The `factbot` command as a user runs it: a real process, real models, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
from conftest import ROOT, SEED_TEXT

from bot.config import Config
from bot.store import Store

FACTBOT = [sys.executable, "-m", "bot.cli"]


def run(args: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run factbot in tmp_path with a config that keeps its database and cache there."""
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text(
            f'[corpus]\npath = "{ROOT / "corpus"}"\n'
            '[store]\npath = "factbot.db"\n[model]\ncache_dir = "cache"\n',
            encoding="utf-8",
        )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*FACTBOT, "--config", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def jsonl_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, object]]]:
    tmp = tmp_path_factory.mktemp("cli")
    lines = [
        json.dumps({"id": "seed", "text": SEED_TEXT, "created_at": "2026-05-12T09:00:00Z"}),
        "{not json",
        json.dumps({"id": "no-text"}),
        "",
        json.dumps({"id": "pasta", "text": "Pasta tonight!", "created_at": "2026-05-12"}),
        json.dumps({"id": "bad-date", "text": "LeCun", "created_at": "yesterday-ish"}),
    ]
    proc = run(["check", "--jsonl", "-"], tmp, stdin="\n".join(lines) + "\n")
    assert 0 == proc.returncode, proc.stderr
    return tmp, [json.loads(line) for line in proc.stdout.splitlines()]


def test_jsonl_answers_every_line_in_order(jsonl_run: tuple[Path, list[dict[str, object]]]) -> None:
    """One result per non-blank input line, in input order; bad lines get an error object."""
    _, out = jsonl_run
    assert ["seed", None, "no-text", "pasta", "bad-date"] == [o["id"] for o in out]
    assert ["match", None, None, "no_match", None] == [o.get("verdict") for o in out]
    assert "line 2: not valid JSON" in str(out[1]["error"])
    assert 'line 3: "text" must be a non-empty string' == out[2]["error"]
    assert "is not an ISO 8601 date-time" in str(out[4]["error"])


def test_jsonl_seed_follows_the_contract(jsonl_run: tuple[Path, list[dict[str, object]]]) -> None:
    """The seed post's result carries the venue and omitted discrepancies of the contract."""
    _, out = jsonl_run
    seed = out[0]
    match = seed["match"]
    assert isinstance(match, dict)
    assert ("2025-12-04", "Station F", "Paris") == (match["date"], match["venue"], match["city"])
    discrepancies = seed["discrepancies"]
    assert isinstance(discrepancies, list)
    assert {
        "field": "venue",
        "claimed": "Davos",
        "verified": "ai-PULSE 2025, Station F, Paris",
    } in (discrepancies)
    assert {"field": "omitted", "verified": "And it's not good."} in discrepancies
    assert ("reported", False) == (match["basis"], match["disputed"])
    assert [("OfficeChai", "secondary")] == [
        (s["publisher"], s["kind"])
        for s in match["sources"]  # type: ignore[index]
    ]


def test_every_check_is_in_the_audit_trail(jsonl_run: tuple[Path, list[dict[str, object]]]) -> None:
    """Checked posts (not the bad lines) are recorded in SQLite with corpus version and model."""
    tmp, _ = jsonl_run
    rows = list(sqlite_utils.Database(tmp / "factbot.db")["checks"].rows)
    assert ["seed", "pasta"] == [r["post_id"] for r in rows]
    assert all(len(r["corpus_version"]) == 64 and r["model"] for r in rows)


def test_check_text_prints_a_readable_verdict(tmp_path: Path) -> None:
    """`factbot check "TEXT"` prints the verdict, the verified wording and what changed (here
    with the Bluesky reply as a thread: `[reply] bluesky_max_posts = 3`)."""
    (tmp_path / "config.toml").write_text(
        f'[corpus]\npath = "{ROOT / "corpus"}"\n[store]\npath = "factbot.db"\n'
        '[model]\ncache_dir = "cache"\n[reply]\nbluesky_max_posts = 3\n',
        encoding="utf-8",
    )
    proc = run(["check", SEED_TEXT, "--created-at", "2026-05-12T09:00:00Z"], tmp_path)
    assert 0 == proc.returncode, proc.stderr
    assert proc.stdout.startswith("verdict: match")
    assert "- venue: post says “Davos” on record “ai-PULSE 2025, Station F, Paris”" in proc.stdout
    # The quote rests on a reporter's transcription: never labelled "verified" words.
    assert "on record (reported): “So the best open source models" in proc.stdout
    described = proc.stdout.split("reply on Bluesky")[0]  # the reply has its own wording
    assert "verified" not in described
    assert "  basis: reported; resting on OfficeChai (secondary)" in proc.stdout
    assert "As reported by OfficeChai (one secondary source)." in proc.stdout


def test_corpus_validate_warns_and_prints_the_provenance_table(tmp_path: Path) -> None:
    """`corpus validate --stats`: warnings (a single secondary source) do not refuse the corpus
    (exit 0); the table counts sentences by basis, the disputed and the single-source ones."""
    proc = run(["corpus", "validate", "--stats", "--corpus", str(ROOT / "corpus")], tmp_path)
    assert 0 == proc.returncode, proc.stderr
    pulse = ROOT / "corpus" / "ai-pulse-2025.toml"
    assert f"{pulse}:" in proc.stdout
    assert "warning: E3.2 rests on a single secondary source (OfficeChai)" in proc.stdout
    assert "41 warning(s), none refused" in proc.stderr
    rows = dict(line.rsplit(maxsplit=1) for line in proc.stdout.splitlines()[-11:-1])
    expected = {
        "basis recording": "3",
        "basis own_text": "11",
        "basis reported": "35",
        "basis translation": "4",
        "verified sentences": "53",
        "disputed (never published on their own)": "2",
        "resting on a single secondary source": "41",
        "unverified records (not indexed)": "13",
    }
    assert expected.items() <= {k.strip(): v for k, v in rows.items()}.items()
    assert proc.stdout.rstrip().endswith(f"corpus OK: {ROOT / 'corpus'}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", ""], "TEXT is empty"),
        (["check", " \t\n "], "TEXT is empty"),
        (["check", "Yann LeCun \udcff\udcfe said it"], "TEXT is not valid UTF-8"),
        (["check", "LeCun said it", "--created-at", "garbage"], "'garbage' is not an ISO 8601"),
        (["check", "LeCun said it", "--created-at", "0001-01-02"], "not between 1990 and 2100"),
    ],
)
def test_bad_check_text_is_refused_with_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    """Empty or blank TEXT, bytes that are not UTF-8 (argv decodes them as surrogates) and a bad
    --created-at are refused like a bad JSONL line: one line, exit 2, no traceback, nothing
    recorded (the store is not even opened)."""
    proc = run(args, tmp_path)
    assert 2 == proc.returncode, proc.stderr
    assert "factbot check: " in proc.stderr and message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "factbot.db").exists()


def test_stdin_with_a_bom_and_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    """On stdin a UTF-8 BOM is skipped and a line that is not UTF-8 gets its error object; the
    lines after it are checked, printed and recorded."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[corpus]\npath = "{ROOT / "corpus"}"\n[store]\npath = "factbot.db"\n'
        '[model]\ncache_dir = "cache"\n',
        encoding="utf-8",
    )
    good = json.dumps({"id": "seed", "text": SEED_TEXT}).encode()
    lines = [
        b"\xef\xbb\xbf" + good,
        b'{"id": "bytes", "text": "LeCun \xff said"}',
        b'{"id": "\\ud800", "text": "Yann LeCun \\udfff said the best models are Chinese"}',
        good.replace(b'"seed"', b'"last"'),
    ]
    proc = subprocess.run(
        [*FACTBOT, "--config", str(config), "check", "--jsonl", "-"],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
        timeout=600,
        check=False,
    )
    assert 0 == proc.returncode, proc.stderr.decode(errors="replace")
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert ["seed", None, "\ufffd", "last"] == [o["id"] for o in out]
    assert "line 2: not valid UTF-8" == out[1]["error"]
    rows = list(sqlite_utils.Database(tmp_path / "factbot.db")["checks"].rows)
    assert ["seed", "\ufffd", "last"] == [r["post_id"] for r in rows]


def test_bad_corpus_is_refused_with_exit_code_2(tmp_path: Path) -> None:
    """`corpus validate` lists problems as file:line: message and exits 2; check refuses too."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in (ROOT / "corpus").glob("*.toml"):
        (corpus / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    bad = corpus / "ai-pulse-2025.toml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("2025-12-04", "2025-13-04"), "utf-8")
    (tmp_path / "config.toml").write_text(f'[corpus]\npath = "{corpus}"\n', encoding="utf-8")
    proc = run(["corpus", "validate"], tmp_path)
    assert 2 == proc.returncode
    assert f"{bad}:" in proc.stdout
    proc = run(["check", "LeCun said open source is great"], tmp_path)
    assert 2 == proc.returncode
    assert "nothing loaded" in proc.stderr


def test_bad_config_exits_2(tmp_path: Path) -> None:
    """A config error names the file and exits 2 before any model loads."""
    (tmp_path / "config.toml").write_text("[match]\nmatch = 'x'\n", encoding="utf-8")
    proc = run(["check", "hello"], tmp_path)
    assert 2 == proc.returncode
    assert "config error" in proc.stderr and "[match] match = 'x'" in proc.stderr


def test_run_without_credentials_replays_the_sample_feed(tmp_path: Path) -> None:
    """What `make run` runs on a fresh machine: no credentials, no config, the bundled feed.
    It prints every post's replies, names the verified venue of the seed post, writes the audit
    trail and exits 0 when the feed is done."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "run: $(STAMP)\n\t$(BIN)/factbot run\n" in makefile
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLUESKY_", "TELEGRAM_"))}
    proc = subprocess.run(
        [*FACTBOT, "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
        timeout=600,
        check=False,
    )
    assert 0 == proc.returncode, proc.stderr
    feed = (ROOT / "samples" / "feed.jsonl").read_text(encoding="utf-8").splitlines()
    heads = [line for line in proc.stdout.splitlines() if line.startswith("[feed-")]
    assert len([line for line in feed if line.strip()]) == len(heads)
    assert heads[0].startswith("[feed-01] match")
    seed_reply = proc.stdout.split("[feed-02]")[0]
    assert "ai-PULSE 2025, Station F, Paris, 4 Dec 2025" in seed_reply
    assert "Not said at Davos" in seed_reply
    assert proc.stdout.rstrip().endswith(".factbot/factbot.db")
    rows = list(sqlite_utils.Database(tmp_path / ".factbot" / "factbot.db")["checks"].rows)
    assert len(heads) == len(rows)


LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


@pytest.mark.parametrize("how", ["jsonl", "text"])
def test_a_store_that_refuses_writes_stops_check_before_printing(
    tmp_path: Path, config: Config, how: str
) -> None:
    """Another process holds the store's write lock: `check` prints no result it could not
    record, and says so in one line naming the store and --no-store, exit 1, no traceback."""
    db = tmp_path / "factbot.db"
    Store(db).close()  # the file and its tables exist; the lock is what refuses
    (tmp_path / "config.toml").write_text(
        f'[corpus]\npath = "{ROOT / "corpus"}"\n[store]\npath = "factbot.db"\n'
        f'[model]\ncache_dir = "{config.model.cache_dir}"\n',
        encoding="utf-8",
    )
    posts = "".join(
        json.dumps({"id": f"p{i}", "text": f"{SEED_TEXT} ({i})"}) + "\n" for i in range(40)
    )
    args = ["check", "--jsonl", "-"] if how == "jsonl" else ["check", SEED_TEXT]
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout is not None and "locked" == locker.stdout.readline().strip()
        proc = run(args, tmp_path, stdin=posts)
    finally:
        assert locker.stdin is not None
        locker.stdin.write("\n")
        locker.stdin.close()
        locker.wait(timeout=30)
    assert 1 == proc.returncode, proc.stderr
    assert "" == proc.stdout  # nothing printed that was not recorded
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"factbot check: the audit trail {db} refused the write")
    assert "database is locked" in last and last.endswith("--no-store")
    store = Store(db)
    assert [] == list(store.checks())
    store.close()
