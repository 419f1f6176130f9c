"""The check pages in a real browser: Debian's Chromium, headless, JavaScript off, started by
the tests. What a reader sees: the highlighted words, the links, the JSON-LD read back from the
live DOM, as files (`factbot pages export`) and as served by the live bot's HTTP server; and
the seed page's screenshots at phone and desktop widths (copied to docs/ with
FACTBOT_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import struct
from pathlib import Path

import aiohttp
import pytest
from chromium import dump_dom, screenshot
from jsonld_support import assert_claim_review
from pages_support import REVIEW_ID, SEED_ID, SEED_URL, approved_review, seeded_store
from runtime_support import free_port
from test_pages import _check, parse

from bot.config import PagesConfig
from bot.domain import Post
from bot.pages.record import page_id
from bot.pages.render import render_check
from bot.pages.site import Site, export
from bot.pipeline import Checker
from bot.runtime.health import Health, OpsServer
from bot.runtime.metrics import Metrics
from bot.runtime.pages import Pages

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CFG = PagesConfig(base_url="https://factbot.example.org", organisation="Example Checks")
PHONE, DESKTOP = (390, 1700), (1280, 1200)
SEED_PAGE = f"checks/{page_id(SEED_ID)}.html"


@pytest.fixture
def site(checker: Checker, tmp_path: Path) -> Site:
    return Site(seeded_store(checker, tmp_path / "factbot.db"), checker.corpus, CFG)


def assert_seed_as_read(dom: str) -> None:
    """The seed page as the browser built it: the invented sentences marked on the post's
    side, "And it's not good." dropped on the verified side, the sources and the post linked,
    the ClaimReview parsed from the DOM and valid."""
    tree = parse(dom)
    invented = " ".join(tree.marks["invented"])
    assert "Everybody in the research community is using Chinese models." in invented
    assert "We are slowing down progress in the West because of this." in invented
    assert "And it's not good." in " ".join(tree.marks["dropped"])
    assert "right now come from China." in tree.marks["changed"]  # one highlight per run
    assert any("officechai.com" in h for h in tree.hrefs)
    assert SEED_URL in tree.hrefs
    assert "index.html" in tree.hrefs
    (raw,) = tree.jsonld
    assert_claim_review(json.loads(raw), appearances=2)


def test_exported_seed_page_in_chromium(site: Site, tmp_path: Path) -> None:
    """The exported files, opened from disk at phone width."""
    export(site, tmp_path / "site")
    url = (tmp_path / "site" / SEED_PAGE).as_uri()
    assert_seed_as_read(dump_dom(url, *PHONE))
    index = parse(dump_dom((tmp_path / "site" / "checks" / "index.html").as_uri(), *DESKTOP))
    assert SEED_PAGE.removeprefix("checks/") in index.hrefs


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert b"\x89PNG\r\n\x1a\n" == head[:8]
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def test_seed_page_screenshots_at_phone_and_desktop_width(site: Site, tmp_path: Path) -> None:
    """PNGs of the seed page, 390 and 1280 CSS pixels wide; with FACTBOT_UPDATE_SCREENSHOTS=1
    they replace docs/check-page-phone.png and docs/check-page-desktop.png."""
    export(site, tmp_path / "site")
    url = (tmp_path / "site" / SEED_PAGE).as_uri()
    phone = screenshot(url, tmp_path / "phone.png", *PHONE)
    desktop = screenshot(url, tmp_path / "desktop.png", *DESKTOP)
    assert PHONE == _png_size(phone)
    assert DESKTOP == _png_size(desktop)
    assert phone.stat().st_size > 20_000  # a rendered page, not a blank one
    if os.environ.get("FACTBOT_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(phone, ROOT / "docs" / "check-page-phone.png")
        shutil.copy(desktop, ROOT / "docs" / "check-page-desktop.png")


async def test_served_pages_in_chromium(checker: Checker, tmp_path: Path) -> None:
    """The live bot's HTTP server (the one with /healthz and /metrics) serves the pages with no
    token while /healthz still needs it; Chromium reads the seed page and the index from it;
    an unknown page is a 404."""
    db = tmp_path / "factbot.db"
    seeded_store(checker, db)
    pages = Pages(db, lambda: checker.corpus, CFG)
    ops = OpsServer(Health(1.0), Metrics(), "127.0.0.1", free_port(), "s3cret", pages.register)
    base = await ops.start()
    try:
        dom = await asyncio.to_thread(dump_dom, f"{base}/{SEED_PAGE}", *DESKTOP)
        assert_seed_as_read(dom)
        index = parse(await asyncio.to_thread(dump_dom, f"{base}/checks/", *PHONE))
        assert SEED_PAGE.removeprefix("checks/") in index.hrefs
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as r:
                assert 401 == r.status
            async with http.get(f"{base}/checks/0000000000000000.html") as r:
                assert 404 == r.status
            async with http.get(f"{base}/checks/feed.atom") as r:
                assert 200 == r.status
                assert "application/atom+xml" == r.content_type
            async with http.get(f"{base}/{SEED_PAGE}") as r:
                assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    finally:
        await ops.stop()


async def test_approved_review_page_in_chromium(checker: Checker, tmp_path: Path) -> None:
    """A review an operator approved, exported and opened in Chromium: under the verdict the
    reader sees that an operator approved it and when, and the ClaimReview read from the DOM
    carries the same sentence as its rating's explanation."""
    checks = await approved_review(checker, tmp_path / "factbot.db")
    export(Site(checks, checker.corpus, CFG), tmp_path / "site")
    page = tmp_path / "site" / f"checks/{page_id(REVIEW_ID)}.html"
    dom = await asyncio.to_thread(dump_dom, page.as_uri(), *PHONE)
    note = dom.split('<p class="reviewed" id="reviewed">')[1].split("</p>")[0]
    assert note.startswith("The automatic check found a borderline match; an operator of")
    assert note.endswith("approved it on 2026-05-15 08:30 UTC, before it was published.")
    (raw,) = parse(dom).jsonld
    review = json.loads(raw)
    assert_claim_review(review, appearances=1)
    assert note == review["reviewRating"]["ratingExplanation"]
    assert "2026-05-15" == review["datePublished"]


def test_hostile_post_reads_as_text_in_chromium(checker: Checker, tmp_path: Path) -> None:
    """A post made of markup, script and a javascript: link: in the browser's DOM it is the
    text of the post's block, the page has one script element (the JSON-LD, which parses) and
    no link but web addresses and the site's own pages."""
    text = (
        "</blockquote><script>document.title='pwned'</script><img src=x onerror=alert(1)>"
        '<a href="javascript:alert(1)">x</a> ]]> {{ 7*7 }} \' " &amp;'
    )
    check = dataclasses.replace(_check(text), post=Post("h", text, url="javascript:alert(1)"))
    page = tmp_path / "checks" / "h.html"
    page.parent.mkdir(parents=True)
    page.write_text(render_check(check, [check], checker.corpus, CFG), encoding="utf-8")
    dom = dump_dom(page.as_uri(), *DESKTOP)
    tree = parse(dom)
    assert text == tree.post
    assert 1 == dom.count("<script")
    assert "pwned" not in dom.split("<title>")[1].split("</title>")[0]
    assert all(h.startswith("https://") or "/" not in h for h in tree.hrefs), tree.hrefs
    json.loads(tree.jsonld[0])
