"""An httpx transport that forwards to the real server and injects faults on chosen XRPC
methods: a 429 with rate-limit headers, a 5xx, a timeout, or a connection lost *after* the
server acted (the write happened, the answer never arrived). Every call is recorded by NSID.
`StreamProxy` cuts the event stream's connection (a TCP proxy on loopback)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass
class Fault:
    nsid: str  # e.g. "app.bsky.notification.listNotifications"
    kind: str  # "429" | "503" | "timeout" | "lost"
    times: int = 1  # how many calls to spoil
    reset_in: float = 2.0  # for a 429: seconds until ratelimit-reset
    after: int = 0  # let this many matching calls through first


@dataclass
class FaultTransport(httpx.AsyncBaseTransport):
    faults: list[Fault] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.rsplit("/", 1)[-1]
        self.calls[nsid] += 1
        fault = next((f for f in self.faults if f.nsid == nsid and f.times > 0), None)
        if fault is not None and fault.after > 0:
            fault.after -= 1
            fault = None
        if fault is None:
            return await self._real.handle_async_request(request)
        fault.times -= 1
        self.injected[f"{nsid} {fault.kind}"] += 1
        if fault.kind == "429":
            reset = int(time.time() + fault.reset_in)
            return httpx.Response(
                429,
                headers={
                    "ratelimit-limit": "3000",
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(reset),
                    "ratelimit-policy": "3000;w=300",
                    "content-type": "application/json",
                },
                json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                request=request,
            )
        if fault.kind == "503":
            return httpx.Response(
                503, json={"error": "Unavailable", "message": "try later"}, request=request
            )
        if fault.kind == "timeout":
            raise httpx.ReadTimeout("injected timeout", request=request)
        if fault.kind == "lost":
            response = await self._real.handle_async_request(request)
            await response.aread()
            raise httpx.RemoteProtocolError("injected: connection lost after the write")
        raise ValueError(f"unknown fault kind {fault.kind!r}")

    async def aclose(self) -> None:
        await self._real.aclose()


@dataclass
class RandomFaults(httpx.AsyncBaseTransport):
    """Spoils a share (`rate`) of all XRPC calls at random (seeded): a timeout, a connection
    reset before the request reached the server, a 502/503/504, or a connection lost after the
    server acted. What was injected is counted by kind."""

    rate: float = 0.2
    seed: int = 0
    injected: Counter[str] = field(default_factory=Counter)
    calls: int = 0

    def __post_init__(self) -> None:
        import random

        self._real = httpx.AsyncHTTPTransport()
        self._random = random.Random(self.seed)  # noqa: S311 - fault injection, not secrets

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if "/xrpc/" not in request.url.path or self._random.random() >= self.rate:
            return await self._real.handle_async_request(request)
        kind = self._random.choice(("timeout", "reset", "5xx", "lost"))
        self.injected[kind] += 1
        if kind == "timeout":
            raise httpx.ReadTimeout("injected timeout", request=request)
        if kind == "reset":
            raise httpx.ConnectError("injected: connection reset by peer", request=request)
        if kind == "5xx":
            status = self._random.choice((502, 503, 504))
            return httpx.Response(
                status, json={"error": "Unavailable", "message": "injected"}, request=request
            )
        response = await self._real.handle_async_request(request)
        await response.aread()
        raise httpx.RemoteProtocolError("injected: connection lost after the server acted")

    async def aclose(self) -> None:
        await self._real.aclose()


class StreamProxy:
    """A loopback TCP proxy in front of a server (the PDS's event stream): the test points the
    bot's stream URL at `url` and can `drop()` every connection through it mid-stream, and keep
    refusing new ones (`down = True`: accepted, then closed at once) until it says so."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.down = False
        self.accepted = 0  # connections forwarded
        self.refused = 0  # connections closed at once while down
        self.dropped = 0  # connections cut by drop()
        self._server: asyncio.Server | None = None
        self._open: dict[asyncio.StreamWriter, asyncio.StreamWriter] = {}  # client: upstream
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/xrpc"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def drop(self) -> int:
        """Cut every connection now; how many were cut."""
        cut = list(self._open.items())
        for client, upstream in cut:
            client.transport.abort()
            upstream.transport.abort()
        self.dropped += len(cut)
        return len(cut)

    async def stop(self) -> None:
        await self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        self._open[writer] = up_writer
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._open.pop(writer, None)
            writer.transport.abort()
            up_writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()
