"""The check pages on the live bot's HTTP server (aiohttp, the one with /healthz and /metrics).

GET /checks/ (and /checks/index.html), /checks/page-N.html, /checks/<id>.html and
/checks/feed.atom, read from the store on each request (read-only, off the event loop) and
rendered against the corpus the bot has loaded now. Public: unlike /healthz and /metrics they
need no token (`PUBLIC_PREFIX`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import regex
from aiohttp import web

from bot.config import PagesConfig
from bot.domain import Corpus
from bot.pages.site import Site
from bot.store import published_checks

PUBLIC_PREFIX = "/checks/"
_PAGE = regex.compile(r"[0-9a-f]{16}")
HTML = "text/html"
HEADERS = {
    # No script runs on these pages: a policy that allows none, in case escaping ever failed.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
    "X-Content-Type-Options": "nosniff",
}


class Pages:
    def __init__(self, db_path: Path | str, corpus: Callable[[], Corpus], cfg: PagesConfig):
        self.db_path, self.corpus, self.cfg = db_path, corpus, cfg

    async def site(self) -> Site:
        checks = await asyncio.to_thread(published_checks, self.db_path)
        return Site(checks, self.corpus(), self.cfg)

    def register(self, app: web.Application) -> None:
        app.router.add_get("/checks", self._redirect)
        app.router.add_get("/checks/", self._index)
        app.router.add_get("/checks/feed.atom", self._feed)
        app.router.add_get("/checks/{name}", self._page)

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(PUBLIC_PREFIX)

    async def _index(self, request: web.Request) -> web.Response:
        return self._html((await self.site()).index(1))

    async def _feed(self, request: web.Request) -> web.Response:
        body = (await self.site()).feed()
        return web.Response(text=body, content_type="application/atom+xml", headers=HEADERS)

    async def _page(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        site = await self.site()
        if name == "index.html":
            return self._html(site.index(1))
        if name.startswith("page-") and name.endswith(".html") and name[5:-5].isdigit():
            return self._html(site.index(int(name[5:-5])))
        stem = name.removesuffix(".html")
        if name.endswith(".html") and _PAGE.fullmatch(stem):
            return self._html(site.page(stem))
        raise web.HTTPNotFound()

    @staticmethod
    def _html(body: str | None) -> web.Response:
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(text=body, content_type=HTML, charset="utf-8", headers=HEADERS)
