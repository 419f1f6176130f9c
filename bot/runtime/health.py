"""/healthz and /metrics on a loopback port (aiohttp, on the bot's own loop).

/healthz pings each dependency once — the store, the audit writes, the model, Bluesky,
Telegram, whichever are running — each within `[ops] health_timeout_seconds`, and answers 200
when all answer, 503 when one does not, with a JSON body naming each. Pings run one at a time
per dependency, and the model's (a real check) is reused for a minute after a success, so
/healthz cannot be used to load the bot. Off loopback a token is required (FACTBOT_OPS_TOKEN).
/metrics is the Prometheus text format."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)
Ping = Callable[[], Awaitable[Any]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Health:
    """Each dependency's ping runs one at a time: a request arriving while a ping is in flight
    waits for it and shares its answer instead of starting another. A ping added with
    `fresh_seconds` (the model: a real check) is not run again while its last success is that
    recent, so a flood of /healthz requests costs one check a minute at most."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.pings: dict[str, Ping] = {}
        self.runs: Counter[str] = Counter()  # pings actually run, by dependency
        self._fresh: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, tuple[float, dict[str, Any]]] = {}  # (ended, outcome)

    def add(self, name: str, ping: Ping, fresh_seconds: float = 0.0) -> None:
        self.pings[name] = ping
        self._fresh[name] = fresh_seconds
        self._locks[name] = asyncio.Lock()

    async def check(self) -> tuple[bool, dict[str, dict[str, Any]]]:
        """(all healthy, {dependency: {"ok": bool, "ms": float, "error": str}})."""
        names = list(self.pings)
        outcomes = await asyncio.gather(*(self._shared(n) for n in names))
        report = dict(zip(names, outcomes, strict=True))
        return all(r["ok"] for r in report.values()), report

    async def _shared(self, name: str) -> dict[str, Any]:
        asked = time.monotonic()
        async with self._locks[name]:
            last = self._last.get(name)
            if last is not None:
                ended, outcome = last
                if ended >= asked:  # a ping that ended while this request waited: its answer
                    return outcome
                if outcome["ok"] and time.monotonic() - ended < self._fresh[name]:
                    return {**outcome, "cached": True}
            self.runs[name] += 1
            outcome = await self._one(self.pings[name])
            self._last[name] = (time.monotonic(), outcome)
            return outcome

    async def _one(self, ping: Ping) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(ping(), self.timeout)
        except TimeoutError:
            error = f"no answer within {self.timeout:g} s"
        except Exception as exc:  # a health check reports every failure, whatever it is
            error = f"{type(exc).__name__}: {exc}"[:200]
        else:
            error = ""
        ms = round((time.perf_counter() - started) * 1000, 1)
        return {"ok": not error, "ms": ms, **({"error": error} if error else {})}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OpsServer:
    """With a token (FACTBOT_OPS_TOKEN, required off loopback), both endpoints answer 401
    unless the request carries `Authorization: Bearer <token>`."""

    def __init__(
        self,
        health: Health,
        metrics: Metrics,
        host: str,
        port: int,
        token: str | None = None,
        public: Callable[[web.Application], None] | None = None,
        public_prefix: str = "/checks",
    ) -> None:
        """`public` adds routes under `public_prefix` (the check pages) that need no token."""
        self.health, self.metrics, self.host, self.port = health, metrics, host, port
        self.token = token
        self.public_prefix = public_prefix if public is not None else None
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        if public is not None:
            public(app)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> str:
        """Listen; the address, as "http://host:port"."""
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        host, port = self._runner.addresses[0][:2]
        url = f"http://{host}:{port}"
        pages = ", /checks/" if self.public_prefix is not None else ""
        log.info("ops endpoint on %s (/healthz, /metrics%s)", url, pages)
        return url

    async def stop(self) -> None:
        await self._runner.cleanup()

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        prefix = self.public_prefix
        public = prefix is not None and (
            request.path == prefix or request.path.startswith(prefix + "/")
        )
        if self.token is not None and not public:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                return web.json_response({"error": "a bearer token is required"}, status=401)
        return await handler(request)

    async def _healthz(self, request: web.Request) -> web.Response:
        ok, report = await self.health.check()
        body = {"status": "ok" if ok else "failing", "checks": report}
        return web.json_response(body, status=200 if ok else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
