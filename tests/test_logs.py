"""Logging as `main()` sets it up: the text and JSON formats, written for real to a stream, and
secrets that never reach the output in either."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import logs
from bot.cli import main

TOKEN = "7012345678:AAH-fake_Telegram-token-0123456789abcdef"  # noqa: S105 - made up, to be redacted
PASSWORD = "abcd-efgh-ijkl-mnop"  # noqa: S105 - made up, to be redacted


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# Shaped like a Bluesky session's accessJwt: header, payload, signature.
JWT = ".".join(
    [
        b64(b'{"typ":"at+jwt","alg":"ES256K"}'),
        b64(b'{"scope":"com.atproto.access","sub":"did:plc:abc","exp":1790000000}'),
        b64(b"\x01\x02signature-bytes\xff" * 3),
    ]
)


def emit(fmt: str, verbose: bool = True) -> str:
    """Configure logging into a buffer, log one line per case, return what was written."""
    out = io.StringIO()
    logs.configure(fmt, verbose, stream=out)
    log = logging.getLogger("factbot.test")
    log.info("token in the text: https://api.telegram.org/bot" + TOKEN + "/getMe")
    log.warning("token as an argument: %s, password %r", TOKEN, PASSWORD)
    log.warning("session %s", {"accessJwt": JWT, "refreshJwt": JWT, "handle": "bot.test"})
    try:
        raise RuntimeError(f"login failed for {PASSWORD} with {JWT}")
    except RuntimeError:
        log.exception("the call failed")
    return out.getvalue()


@pytest.fixture
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", PASSWORD)


def test_fake_jwt_has_the_shape_of_a_real_one() -> None:
    """The test's JWT is what the pattern is meant to catch (so the redaction tests mean it)."""
    assert JWT.startswith("eyJ")
    assert 3 == len(JWT.split("."))
    assert [JWT] == logs.JWT.findall(f"x {JWT} y")


def test_text_format_is_todays(secrets_in_env: None) -> None:
    """ "text" keeps the format the CLI always had: time, level, logger: message."""
    lines = emit("text").splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO factbot\.test: token in the text: "
        r"https://api\.telegram\.org/bot\[redacted\]/getMe",
        lines[0],
    ), lines[0]
    assert lines[1].endswith(
        "WARNING factbot.test: token as an argument: [redacted], password '[redacted]'"
    )


def test_json_lines_have_the_fields(secrets_in_env: None) -> None:
    """ "json": every line parses on its own and carries time (ISO 8601, UTC), level, logger and
    message; the exception's traceback is in exc_info."""
    records = [json.loads(line) for line in emit("json").splitlines()]
    assert 4 == len(records)
    assert ["INFO", "WARNING", "WARNING", "ERROR"] == [r["level"] for r in records]
    assert {"factbot.test"} == {r["logger"] for r in records}
    assert "token as an argument: [redacted], password '[redacted]'" == records[1]["message"]
    for r in records:
        assert {"time", "level", "logger", "message"} <= set(r)
        when = datetime.fromisoformat(r["time"])
        assert UTC.utcoffset(None) == when.utcoffset()
        assert abs((datetime.now(UTC) - when).total_seconds()) < 600
    assert "exc_info" not in records[0]
    failed = records[3]
    assert "the call failed" == failed["message"]
    assert failed["exc_info"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: login failed for [redacted] with [redacted]" in failed["exc_info"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_never_reach_the_output(secrets_in_env: None, fmt: str) -> None:
    """The token and the app password from the environment, and the JWTs, are gone from the
    message, the arguments and the traceback, in both formats."""
    out = emit(fmt)
    for secret in (TOKEN, PASSWORD, JWT, TOKEN.split(":")[1], JWT.split(".")[1]):
        assert secret not in out
    assert 7 == out.count("[redacted]")
    assert "bot.test" in out  # the rest of the record is left alone


def test_short_or_unset_variables_redact_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty or one-letter value is no secret worth blanking: the lines stay readable."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "a")
    out = io.StringIO()
    logs.configure("text", False, stream=out)
    logging.getLogger("factbot.test").warning("a plain line")
    assert out.getvalue().endswith("WARNING factbot.test: a plain line\n")


def test_verbose_sets_the_level(secrets_in_env: None) -> None:
    """Without -v only warnings and above are written."""
    lines = emit("text", verbose=False).splitlines()
    assert ["WARNING", "WARNING", "ERROR"] == [
        line.split()[2] for line in lines if line[:1].isdigit()
    ]


def test_main_logs_in_the_configured_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secrets_in_env: None
) -> None:
    """`main()` reads [ops] log_format from the config: after it ran, the process logs JSON on
    stderr, redacted; configuring twice leaves one handler."""
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "factbot.db"\n[ops]\nlog_format = "json"\n', "utf-8")
    for _ in range(2):  # no store yet: exit 2, which is beside the point here
        assert 2 == main(["--config", str(config), "status"])
    capsys.readouterr()
    logging.getLogger("factbot.cli").warning("started with %s", TOKEN)
    err = capsys.readouterr().err
    record = json.loads(err)
    assert ("WARNING", "factbot.cli", "started with [redacted]") == (
        record["level"],
        record["logger"],
        record["message"],
    )


def test_config_errors_before_logging_still_reach_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad log_format is a config error: exit 2, said in plain text on stderr."""
    config = tmp_path / "config.toml"
    config.write_text('[ops]\nlog_format = "xml"\n', "utf-8")
    assert 2 == main(["--config", str(config), "status"])
    err = capsys.readouterr().err
    assert f"factbot: config error: {config}: [ops] log_format = 'xml'" in err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_extra_fields_and_dict_messages_are_redacted(secrets_in_env: None, fmt: str) -> None:
    """A library logging with `extra=` fields, a dict message, or secrets nested in lists and
    dicts: every string the formatter may write is redacted, in both formats."""
    out = io.StringIO()
    logs.configure(fmt, True, stream=out)
    log = logging.getLogger("httpx.test")
    url = f"https://api.telegram.org/bot{TOKEN}/getMe"
    log.warning("request failed", extra={"url": url, "nested": {"a": [PASSWORD, (JWT,)]}})
    log.warning({"url": url, "session": {"accessJwt": JWT}, "list": [PASSWORD]})
    text = out.getvalue()
    for secret in (TOKEN, PASSWORD, JWT, TOKEN.split(":")[1], JWT.split(".")[1]):
        assert secret not in text
    assert "[redacted]" in text
    if fmt == "json":
        first, second = (json.loads(line) for line in text.splitlines())
        assert "https://api.telegram.org/bot[redacted]/getMe" == first["url"]
        assert {"a": ["[redacted]", ["[redacted]"]]} == first["nested"]
        assert "https://api.telegram.org/bot[redacted]/getMe" == second["url"]
        assert ["[redacted]"] == second["list"]


def test_uncaught_exceptions_go_through_the_redacting_handler(tmp_path: Path) -> None:
    """An exception nobody catches (here: raised after `configure`, as one escaping `main()`
    would be) is written by the redacting handler, not by Python's default hook."""
    script = tmp_path / "boom.py"
    script.write_text(
        "import sys\n"
        "from bot import logs\n"
        "logs.configure('json', False)\n"
        f"raise RuntimeError('login failed with ' + {TOKEN!r})\n",
        "utf-8",
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60
    )
    assert 1 == proc.returncode
    assert TOKEN not in proc.stderr + proc.stdout
    record = json.loads(proc.stderr.strip().splitlines()[-1])
    assert "CRITICAL" == record["level"]
    assert "RuntimeError: login failed with [redacted]" in record["exc_info"]
