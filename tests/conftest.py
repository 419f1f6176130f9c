"""Shared fixtures. The real embedding models are loaded once per session; every test that
opens a connection other than to loopback or a Unix socket fails."""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import ipaddress
import logging
import os
import secrets
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from atp_network import DEFAULT_PASSWORD, AtpNetwork, create_account, login
from atproto import AsyncClient
from factories import SEED_TEXT
from telegram_emulator import BotApiEmulator, standard_emulator

from bot.config import BlueskyConfig, Config, ModelConfig, PagesConfig, ReplyConfig
from bot.models.embed import build_embedders
from bot.models.vectors import Embedder
from bot.pipeline import Checker, build_checker

__all__ = ["DATA", "ROOT", "SEED_TEXT"]  # SEED_TEXT is re-exported: tests import it from here

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # a Unix socket path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> Iterator[None]:
    """Any connection that is not to loopback fails the test that made it."""
    real = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    yield
    socket.socket.connect = real  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """`main()` installs its log handler on the root logger; tests that call it in-process leave
    the root logger as they found it."""
    root = logging.getLogger()
    handlers, level, hook = list(root.handlers), root.level, sys.excepthook
    yield
    root.handlers[:] = [h for h in root.handlers if h in handlers]
    root.setLevel(level)
    sys.excepthook = hook  # configure() routes uncaught exceptions through its handler


@pytest.fixture(scope="session")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The tests written for the Bluesky thread keep it: `[reply] bluesky_max_posts = 3` (the
    default is one post, which `one_post_checker` and tests/test_one_post.py cover)."""
    cache = tmp_path_factory.mktemp("index-cache")
    base = Config()
    return dataclasses.replace(
        base,
        model=dataclasses.replace(ModelConfig(), cache_dir=cache),
        reply=ReplyConfig(bluesky_max_posts=3),
    )


PAGES_BASE = "https://factbot.example.org"


@pytest.fixture(scope="session")
def one_post_config(config: Config) -> Config:
    """The defaults (one-post Bluesky reply) with a public base URL for the check pages."""
    return dataclasses.replace(
        config,
        reply=ReplyConfig(),
        pages=PagesConfig(base_url=PAGES_BASE, organisation="Example Checks"),
    )


@pytest.fixture(scope="session")
def one_post_checker(one_post_config: Config, embedders: dict[str, Embedder]) -> Checker:
    """The real pipeline with the default reply: one Bluesky post linking the check page."""
    return build_checker(one_post_config, embedders)


@pytest.fixture(scope="session")
def embedders(config: Config) -> dict[str, Embedder]:
    """The real packaged models, loaded once for the whole session (MiniLM exported to ONNX
    into the session's empty cache: the first-load path)."""
    return build_embedders(
        ["minilm", "use"], threads=2, batch_size=32, cache_dir=config.model.cache_dir
    )


@pytest.fixture(scope="session")
def checker(config: Config, embedders: dict[str, Embedder]) -> Checker:
    """The real pipeline over the shipped corpus, with the real models."""
    return build_checker(config, embedders)


@pytest.fixture(scope="session")
def atp_network() -> Iterator[AtpNetwork]:
    """The local AT Protocol network (PLC + PDS + AppView), started once for the session by the
    first `-m atproto` test that asks for it and stopped at the end. Synchronous on purpose: it
    only manages subprocesses, so it has no event loop to share with the tests'."""
    network = AtpNetwork()
    atexit.register(network.stop)  # backstop: no node or postgres outlives pytest
    try:
        network.start()
        yield network
    finally:
        network.stop()
        atexit.unregister(network.stop)


AccountFactory = Callable[[], Awaitable[tuple[str, str]]]


@pytest.fixture
def atp_account_factory(atp_network: AtpNetwork) -> AccountFactory:
    """`await atp_account_factory()` creates a fresh account (handle `u<random>.test`, password
    `atp_network.DEFAULT_PASSWORD`), waits until the AppView has indexed it and returns
    (did, handle). Runs in the calling test's own event loop."""

    async def make() -> tuple[str, str]:
        handle = f"u{secrets.token_hex(5)}.test"
        return await create_account(atp_network.pds_url, handle, DEFAULT_PASSWORD)

    return make


@pytest.fixture
async def bot_and_users(
    atp_network: AtpNetwork, atp_account_factory: AccountFactory
) -> AsyncIterator[tuple[tuple[str, str], list[AsyncClient]]]:
    """A fresh bot account (did, handle) and four users, logged in, for the runtime tests."""
    made = await asyncio.gather(*(atp_account_factory() for _ in range(5)))
    users = [await login(atp_network.pds_url, handle) for _, handle in made[1:]]
    yield made[0], users
    for client in users:
        await client.request.close()


@pytest.fixture
def stream_case(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    checker: Checker,
    tmp_path: Path,
) -> Any:
    """The bot and its users, the pipeline and a folder, for the tests of mentions read from
    the event stream (tests/mention_support.py `StreamCase`, imported here when asked for:
    that module uses this one's `bluesky_config`)."""
    from mention_support import StreamCase

    me, users = bot_and_users
    return StreamCase(atp_network, me, users, checker, tmp_path)


@pytest.fixture
async def accounts(atp_account_factory: AccountFactory) -> dict[str, tuple[str, str]]:
    """Fresh accounts (did, handle) by role: the bot, the author of a viral post, a user and
    a fan, for the Bluesky adapter's tests."""
    names = ("bot", "viral", "user", "fan")
    made = await asyncio.gather(*(atp_account_factory() for _ in names))
    return dict(zip(names, made, strict=True))


@pytest.fixture
async def clients(
    atp_network: AtpNetwork, accounts: dict[str, tuple[str, str]]
) -> AsyncIterator[dict[str, AsyncClient]]:
    """Every account but the bot's, logged in, by role."""
    out = {n: await login(atp_network.pds_url, h) for n, (_, h) in accounts.items() if n != "bot"}
    yield out
    for c in out.values():
        await c.request.close()


def bluesky_config(atp_network: AtpNetwork, tmp_path: Path, **kwargs: Any) -> BlueskyConfig:
    """The Bluesky adapter's settings against the local network, quick to retry."""
    return BlueskyConfig(
        service_url=atp_network.pds_url,
        session_file=tmp_path / "bluesky.session",
        firehose_url=atp_network.firehose_url,
        **{"backoff_seconds": 0.05, **kwargs},
    )


@pytest.fixture
def emulator() -> Iterator[BotApiEmulator]:
    """The local Bot API emulator on loopback with the channel and the review chat."""
    emu = standard_emulator()
    yield emu
    emu.stop()
