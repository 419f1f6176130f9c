"""`factbot run` as operators start it (a subprocess, the token in the environment) against the
Bot API emulator when Telegram refuses the token (401), when `[telegram] base_url` is wrong
(404) and when nothing answers: one clear line, exit 1, and the token in no output — stdout,
stderr (where the logs go, verbose), or any file the run wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from runtime_support import free_port
from telegram_emulator import REVIEW_CHAT, BotApiEmulator

from bot.config import Config
from bot.runtime.credentials import Credentials

pytestmark = pytest.mark.telegram

SECRET = "123456789:AAH-secretTOKENvalue_do_not_leak_9f3"  # noqa: S105 - made up, must not leak


@pytest.fixture(scope="module")
def api() -> Iterator[BotApiEmulator]:
    emu = BotApiEmulator()  # its own token: SECRET is refused
    emu.start()
    yield emu
    emu.stop()


def run(tmp_path: Path, base_url: str, cache: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.toml").write_text(
        f'[store]\npath = "factbot.db"\n[model]\ncache_dir = "{cache}"\n'
        f'[telegram]\nbase_url = "{base_url}"\nreview_chat = "{REVIEW_CHAT}"\n'
        "operators = [42]\nnetwork_retries = 1\nbackoff_seconds = 0.05\n"
        '[ops]\nport = 0\nlog_format = "json"\n',
        encoding="utf-8",
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BLUESKY_", "TELEGRAM_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "-v", "--config", "config.toml", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **environ,
            "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": SECRET,
        },
        timeout=300,
        check=False,
    )


def assert_no_secret(proc: subprocess.CompletedProcess[str], folder: Path) -> None:
    for part in (SECRET, SECRET.split(":")[1]):
        assert part not in proc.stdout
        assert part not in proc.stderr
        for path in folder.rglob("*"):
            if path.is_file():
                assert part.encode() not in path.read_bytes(), path
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("where", "status"), [("/bot", 401), ("/", 404)], ids=["bad-token", "bad-base-url"]
)
def test_a_refused_token_is_one_line_without_the_token(
    api: BotApiEmulator, config: Config, tmp_path: Path, where: str, status: int
) -> None:
    base_url = api.base_url.removesuffix("/bot") + where
    proc = run(tmp_path, base_url, config.model.cache_dir)
    assert 1 == proc.returncode, proc.stderr
    assert_no_secret(proc, tmp_path)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"factbot run: Telegram refused the token (HTTP {status}): check ")
    assert base_url in last
    assert (tmp_path / "factbot.db").is_file()  # the run got as far as its store


def test_telegram_unreachable_at_start_is_one_line(config: Config, tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens there
    proc = run(tmp_path, base_url, config.model.cache_dir)
    assert 1 == proc.returncode, proc.stderr
    assert_no_secret(proc, tmp_path)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"factbot run: Telegram unreachable at {base_url} (NetworkError: ")


def test_credentials_repr_hides_the_secrets() -> None:
    creds = Credentials(("bot.example.com", "abcd-efgh-ijkl-mnop"), SECRET)
    for text in (repr(creds), str(creds)):
        assert SECRET not in text
        assert "abcd-efgh-ijkl-mnop" not in text
