"""The Docker image, built and run (marker `docker`, `make test-docker`; not part of `make test`).

`make image` builds the Dockerfile with Debian's podman (tools/podman/build.sh: no Docker engine
and no registry here, so the base `python:3.11-slim` is a debootstrapped Debian bookworm with
Debian's Python 3.11 under that name, not the official image); a rebuild comes from podman's
cache. Then the image's own entry point runs, without network, as the image's user: the replay
of the packaged sample feed (the default CMD) writing its audit trail to a mounted /data, and
`factbot check`. Run as root (podman and debootstrap need it)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from conftest import ROOT

from bot.config import OpsConfig

# The image builds for minutes (175 s on a quiet machine): more than the per-test limit.
pytestmark = [pytest.mark.docker, pytest.mark.timeout(2700)]

PODMAN = [str(ROOT / "tools" / "podman" / "podman.sh")]
IMAGE = os.environ.get("FACTBOT_IMAGE", "localhost/factbot:latest")
UID = 10001


def podman(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    """The image, built by `make image` (the first build takes about 10 minutes here, a cached
        one seconds). Its timings go to the terminal (`make test-docker` runs pytest with -s); the
    build's own log stays in its scratch folder."""
    if os.geteuid() != 0:
        pytest.fail("the image test runs podman and debootstrap as root")
    built = subprocess.run(["make", "-s", "image"], cwd=ROOT, timeout=3600, check=False)
    assert 0 == built.returncode, "make image failed (its last lines are above)"
    yield IMAGE


def test_image_runs_as_uid_10001_with_a_healthcheck_that_outlasts_the_app(image: str) -> None:
    """The image's user is 10001 (not root), and the kept HEALTHCHECK (`--format docker`) hits
    /healthz with a timeout longer than the app's own [ops] health_timeout_seconds, so a slow
    dependency shows as the app's 503 naming it rather than as a probe timeout."""
    who = podman("run", "--rm", "--network", "none", "--entrypoint", "id", image, "-u")
    assert 0 == who.returncode, who.stderr
    assert str(UID) == who.stdout.strip()
    inspected = podman("image", "inspect", "--format", "{{json .HealthCheck}}", image)
    assert 0 == inspected.returncode, inspected.stderr
    check = json.loads(inspected.stdout)
    assert "http://127.0.0.1:8080/healthz" in " ".join(check["Test"])
    assert check["Timeout"] / 1e9 > OpsConfig().health_timeout_seconds


def test_the_default_command_replays_the_sample_feed_offline(image: str, tmp_path: Path) -> None:
    """`docker run IMAGE` with a /data volume and no network: `factbot run` replays the packaged
    sample feed as uid 10001, prints every post's reply (the seed post's names the verified
    venue), writes one audit row per post to /data/factbot.db (a file the container's user
    owns) and exits 0."""
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, UID, UID)
    run = podman("run", "--rm", "--network", "none", "-v", f"{data}:/data", image)
    assert 0 == run.returncode, run.stdout[-2000:] + run.stderr[-2000:]
    feed = (ROOT / "samples" / "feed.jsonl").read_text(encoding="utf-8").splitlines()
    heads = [line for line in run.stdout.splitlines() if line.startswith("[feed-")]
    assert len([line for line in feed if line.strip()]) == len(heads)
    assert heads[0].startswith("[feed-01] match")
    seed_reply = run.stdout.split("[feed-02]")[0]
    assert "ai-PULSE 2025, Station F, Paris, 4 Dec 2025" in seed_reply
    assert "Not said at Davos" in seed_reply
    last = run.stdout.rstrip().splitlines()[-1]
    assert last.startswith("checked /opt/venv/lib/python3.11/site-packages/bot/_data/samples/")
    assert last.endswith("feed.jsonl; audit trail in /data/factbot.db")
    db = data / "factbot.db"
    assert UID == db.stat().st_uid
    rows = list(sqlite_utils.Database(db)["checks"].rows)
    assert len(heads) == len(rows)
    assert {f"feed-{i:02d}" for i in range(1, len(heads) + 1)} == {r["post_id"] for r in rows}


def test_check_answers_in_the_container(image: str) -> None:
    """`factbot check TEXT` in the container, offline, on the baked config and the warm cache
    (recording to the image's own /data volume as uid 10001): the Davos correction of the seed
    case."""
    run = podman(
        "run", "--rm", "--network", "none", image, "--config", "/app/config.docker.toml",
        "check", "LeCun said at Davos the best open source models are all Chinese",
    )  # fmt: skip
    assert 0 == run.returncode, run.stdout[-2000:] + run.stderr[-2000:]
    assert run.stdout.startswith("verdict: match")
    assert "Not said at Davos" in run.stdout
    assert "ai-PULSE 2025" in run.stdout
