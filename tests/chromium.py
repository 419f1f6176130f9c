"""Debian's Chromium, headless, as the browser the page tests read pages with.

Started by the tests as a subprocess (`--headless --dump-dom` for the DOM after load,
`--screenshot` for a PNG), with JavaScript off (the pages must work without it) and every
host name but loopback resolving to nothing, so the browser cannot reach the internet either.
The package comes from apt (`make test` installs `chromium` when it is missing); nothing is
downloaded by the tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def binary() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(
        "no chromium: `make test` installs Debian's package (apt-get install chromium)"
    )


def _run(args: list[str], width: int, height: int) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="factbot-chromium-") as profile:
        return subprocess.run(
            [
                binary(),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )


def dump_dom(url: str, width: int = 1280, height: int = 1000) -> str:
    """The DOM Chromium built from `url`, serialised after load."""
    return _run(["--dump-dom", url], width, height).stdout


def screenshot(url: str, out: Path, width: int, height: int) -> Path:
    """A PNG of `url` in a window of `width` x `height` CSS pixels."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _run([f"--screenshot={out.resolve()}", url], width, height)
    return out
