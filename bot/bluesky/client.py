"""The atproto client, built once in `main()` and passed in; the session, kept on disk.

Logins are scarce (30 per 5 minutes, 300 a day per account), so the session string is written
to `session_file` (mode 0600) whenever it is created or refreshed, and reused at start. A
refresh revokes the previous refresh token, so a session must never be shared by two
processes: the file is locked for as long as the process runs, and a second process is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import IO, Any

import httpx
from atproto import AsyncClient, SessionEvent, models
from atproto_client.exceptions import AtProtocolError, BadRequestError, UnauthorizedError
from atproto_client.request import AsyncRequest

from bot.bluesky.calls import UPDATE, Calls, transient
from bot.config import BlueskyConfig

log = logging.getLogger(__name__)
BOT_LABEL = "bot"
PROFILE = "app.bsky.actor.profile"


class SessionInUse(RuntimeError):
    """Another process holds this session file."""


class LoginError(RuntimeError):
    """The credentials are missing or refused; the message is safe to log."""


def build_client(
    config: BlueskyConfig, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncClient:
    """An unauthenticated client for `config.service_url`; `transport` lets tests inject faults
    at the HTTP layer."""
    kwargs: dict[str, Any] = {"timeout": httpx.Timeout(config.timeout_seconds)}
    if transport is not None:
        kwargs["transport"] = transport
    return AsyncClient(base_url=config.service_url, request=AsyncRequest(**kwargs))


def credentials(environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    handle = environ.get("BLUESKY_HANDLE", "").strip()
    password = environ.get("BLUESKY_APP_PASSWORD", "")
    return (handle, password) if handle and password else None


class Session:
    """Log in once and keep the session string current on disk."""

    def __init__(self, client: AsyncClient, path: Path) -> None:
        self.client, self.path = client, path
        self._lock: IO[str] | None = None
        self.logins = 0  # password logins by this process (createSession calls)

    async def start(self, handle: str, password: str, calls: Calls | None = None) -> str:
        """Log in, reusing the saved session when it is still good; the bot's DID. With
        `calls`, a login that times out or meets a 5xx is retried like any other call (and a
        saved session is not given up for a password login over a network error)."""
        self._take_lock()
        self.client.on_session_change(self._saved)

        async def retried(what: str, login: Callable[[], Awaitable[Any]]) -> None:
            await (calls(what, login) if calls is not None else login())

        saved = self._read()
        if saved and saved.split(":::")[0] == handle:
            try:
                await retried("resume session", lambda: self.client.login(session_string=saved))
                log.info("bluesky: reused the saved session for %s", handle)
                return self.did
            except AtProtocolError as exc:
                if transient(exc):  # still failing after the retries: not the session's fault
                    raise
                log.warning("bluesky: the saved session was refused (%s); logging in", exc)
        try:
            await retried("login", lambda: self.client.login(handle, password))
        except UnauthorizedError as exc:
            raise LoginError(f"Bluesky refused the login for {handle}: {exc}") from exc
        self.logins += 1
        return self.did

    @property
    def did(self) -> str:
        me = self.client.me
        if me is None:  # pragma: no cover - login fetches the profile
            raise LoginError("logged in, but the profile was not fetched")
        return str(me.did)

    def close(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    async def _saved(self, event: SessionEvent, session: Any) -> None:
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            self._write(session.export())

    def _take_lock(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock.close()
            raise SessionInUse(
                f"{self.path} is in use by another factbot process; a Bluesky session must not "
                "be shared (each refresh revokes the previous token)"
            ) from exc
        self._lock = lock

    def _read(self) -> str | None:
        with contextlib.suppress(FileNotFoundError):
            return self.path.read_text(encoding="utf-8").strip() or None
        return None

    def _write(self, value: str) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(value)
        os.replace(tmp, self.path)


async def ensure_bot_label(client: AsyncClient, did: str, calls: Calls) -> bool:
    """Make sure the profile carries the `bot` self-label, keeping every other field as it is
    (the record is read and written as raw JSON); True when the label had to be added."""
    params = models.ComAtprotoRepoGetRecord.Params(repo=did, collection=PROFILE, rkey="self")
    try:
        got = await calls(
            "getRecord profile",
            lambda: client.invoke_query("com.atproto.repo.getRecord", params=params),
        )
        content = got.content if isinstance(got.content, dict) else {}
        value: dict[str, Any] = dict(content.get("value") or {})
        swap: str | None = content.get("cid")
    except BadRequestError:  # RecordNotFound: the account has no profile record yet
        value, swap = {}, None
    labels = value.get("labels") or {}
    if any(v.get("val") == BOT_LABEL for v in labels.get("values", [])):
        return False
    value["$type"] = PROFILE
    value["labels"] = {
        "$type": "com.atproto.label.defs#selfLabels",
        "values": [*labels.get("values", []), {"val": BOT_LABEL}],
    }
    data = models.ComAtprotoRepoPutRecord.Data(
        repo=did, collection=PROFILE, rkey="self", record=value, swap_record=swap
    )
    await calls(
        "putRecord profile",
        lambda: client.invoke_procedure(
            "com.atproto.repo.putRecord", data=data, input_encoding="application/json"
        ),
        points=UPDATE,
    )
    log.info("bluesky: added the 'bot' self-label to the profile")
    return True
