"""/healthz and /metrics on a loopback port (aiohttp, on the bot's own loop).

/healthz pings each dependency once — the store, the model, Bluesky, Telegram, whichever are
running — each within `[ops] health_timeout_seconds`, and answers 200 when all answer, 503 when
one does not, with a JSON body naming each. /metrics is the Prometheus text format."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)
Ping = Callable[[], Awaitable[Any]]


class Health:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.pings: dict[str, Ping] = {}

    def add(self, name: str, ping: Ping) -> None:
        self.pings[name] = ping

    async def check(self) -> tuple[bool, dict[str, dict[str, Any]]]:
        """(all healthy, {dependency: {"ok": bool, "ms": float, "error": str}})."""
        names = list(self.pings)
        outcomes = await asyncio.gather(*(self._one(self.pings[n]) for n in names))
        report = dict(zip(names, outcomes, strict=True))
        return all(r["ok"] for r in report.values()), report

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


class OpsServer:
    def __init__(self, health: Health, metrics: Metrics, host: str, port: int) -> None:
        self.health, self.metrics, self.host, self.port = health, metrics, host, port
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> str:
        """Listen; the address, as "http://host:port"."""
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        host, port = self._runner.addresses[0][:2]
        url = f"http://{host}:{port}"
        log.info("ops endpoint on %s (/healthz, /metrics)", url)
        return url

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        ok, report = await self.health.check()
        body = {"status": "ok" if ok else "failing", "checks": report}
        return web.json_response(body, status=200 if ok else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
