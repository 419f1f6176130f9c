"""The check pages, the index and the Atom feed, rendered from checks and the corpus.

Jinja2 with autoescape on for every template (HTML and XML alike) and StrictUndefined: every
value a post or the corpus supplies goes through MarkupSafe's escaping, and the JSON-LD goes
through Jinja's `tojson`, which also escapes `<`, `>`, `&` and `'` so nothing in a post can end
the script element. No template marks anything `safe`. Pure: strings in, strings out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import regex
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.compose import human_date
from bot.config import PagesConfig
from bot.domain import Corpus, Discrepancy, MatchInfo
from bot.pages.claimreview import approval_note, claim_review, rating
from bot.pages.diff import post_sentences, post_wording, runs, sentences, word_diff
from bot.pages.later import later_changes
from bot.pages.record import PageCheck
from bot.reply_basis import language
from bot.reply_lines import shown_value

INDEX = "checks/index.html"
FEED = "checks/feed.atom"


# Characters XML 1.0 does not allow (C0 controls but tab and newlines, surrogates, U+FFFE/F):
# removed from every value, so the Atom feed and the pages stay well-formed whatever a post holds.
_NOT_XML = regex.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _finalize(value: object) -> object:
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return _NOT_XML.sub("", value)


def href(url: object) -> str:
    """`url` when it is an http(s) address, else "": no `javascript:` or `data:` link, whatever
    a post or a corpus file holds (escaping alone does not stop those)."""
    text = str(url or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in ("http", "https") and not _NOT_XML.search(text) else ""


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.pages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["href"] = href
    return env


def absolute(cfg: PagesConfig, path: str) -> str:
    """`path` under the public base URL (site-relative "/path" when none is configured)."""
    return f"{cfg.base_url.strip().rstrip('/')}/{path}"


def index_path(page: int) -> str:
    return INDEX if page <= 1 else f"checks/page-{page}.html"


@dataclass(frozen=True)
class Change:
    field: str
    words: str


_ISO = regex.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _day(m: regex.Match[str]) -> str:
    try:
        return human_date(date(int(m[1]), int(m[2]), int(m[3])))
    except ValueError:
        return str(m[0])


def _when(value: str | None) -> str:
    """A value as the page words it: ISO dates as "4 Dec 2025", ".." ranges as " – "."""
    return str(_ISO.sub(_day, shown_value(value or "", 200))).replace("..", " – ")


def change_words(d: Discrepancy, match: MatchInfo) -> Change:
    """One discrepancy in plain words."""
    claimed, verified = _when(d.claimed), _when(d.verified)
    place = ", ".join(p for p in (match.event, match.venue, match.city) if p)
    words = {
        "venue": f"The post places it at “{claimed}”; it was said at {verified or place}.",
        "date": f"The post dates it “{claimed}”; it was said on {human_date(match.date)}.",
        "speaker": f"The post gives it to {claimed}; these are {verified or match.speaker}'s "
        "words.",
        "speaker_role": f"The post calls {match.speaker} “{claimed}”; on that date "
        f"{match.pronoun} {'were' if match.pronoun == 'they' else 'was'} "
        f"{verified or match.speaker_role}.",
        "omitted": f"The post leaves out the verified sentence that follows: “{verified}”",
        "unsupported": f"No verified source contains this sentence of the post: “{claimed}”",
        "reworded": f"The post rewords “{verified}” as “{claimed}”",
        "contradicted": f"The post says the opposite of what {match.speaker} said: “{claimed}”, "
        f"where the verified words are “{verified}”",
    }[d.field]
    return Change(d.field, words)


BASIS = {
    "recording": "his words, from a recording",
    "own_text": "his words, from his own post",
    "reported": "a reporter's verbatim quote",
    "translation": "a translation",
}


def basis_words(match: MatchInfo) -> str:
    words = BASIS.get(match.basis, match.basis)
    if match.basis == "translation" and match.translated_from:
        words += f" (from {language(match.translated_from)})"
    return words


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_check(
    check: PageCheck, seen: Sequence[PageCheck], corpus: Corpus, cfg: PagesConfig
) -> str:
    """The page of one check. `seen`: every published check (for the ClaimReview's
    appearances); `corpus`: the corpus now (for the corrections since the check)."""
    url = absolute(cfg, check.path)
    diff = word_diff(
        post_sentences(check.post.text),
        sentences(check.match.quote),
        [d.claimed for d in check.discrepancies if d.field == "unsupported" and d.claimed],
        [d.verified for d in check.discrepancies if d.field == "omitted" and d.verified],
    )
    review = claim_review(check, seen, url, cfg.organisation, cfg.organisation_url)
    return (
        environment()
        .get_template("check.html")
        .render(
            cfg=cfg,
            check=check,
            match=check.match,
            url=url,
            diff=diff,
            changes=[change_words(d, check.match) for d in check.discrepancies],
            verdict=rating(check.discrepancies).name,
            basis=basis_words(check.match),
            date=human_date(check.match.date),
            checked=_utc(check.checked_at),
            approved=_utc(check.approved_at) if check.approved_at else "",
            note=approval_note(check, cfg.organisation),
            later=later_changes(check.match, corpus),
            corpus_now=corpus.version[:12],
            review=review,
            index="index.html",
            runs=runs,
        )
    )


def _entry(check: PageCheck, cfg: PagesConfig) -> dict[str, Any]:
    return {
        "href": check.path.removeprefix("checks/"),
        "url": absolute(cfg, check.path),
        "verdict": rating(check.discrepancies).name,
        "claim": shown_value(post_wording(check.post.text), 160),
        "speaker": check.match.speaker,
        "place": check.match.event,
        "checked": check.checked_at.astimezone(UTC),
        "reviewed": check.approved_at is not None,
        "summary": "; ".join(change_words(d, check.match).words for d in check.discrepancies)
        or "The post quotes the verified wording.",
    }


def latest(checks: Sequence[PageCheck]) -> list[PageCheck]:
    """One check per page (the newest check of each post), newest first."""
    by_page: dict[str, PageCheck] = {}
    for c in sorted(checks, key=lambda c: c.row_id):
        by_page[c.page_id] = c
    return sorted(by_page.values(), key=lambda c: c.row_id, reverse=True)


def pages_count(checks: Sequence[PageCheck], cfg: PagesConfig) -> int:
    return max(1, -(-len(latest(checks)) // cfg.per_page))


def render_index(checks: Sequence[PageCheck], page: int, cfg: PagesConfig) -> str:
    """Page `page` (from 1) of the index, newest first."""
    shown = latest(checks)
    total = max(1, -(-len(shown) // cfg.per_page))
    start = (page - 1) * cfg.per_page
    return (
        environment()
        .get_template("index.html")
        .render(
            cfg=cfg,
            entries=[_entry(c, cfg) for c in shown[start : start + cfg.per_page]],
            page=page,
            total=total,
            newer=index_path(page - 1).removeprefix("checks/") if page > 1 else "",
            older=index_path(page + 1).removeprefix("checks/") if page < total else "",
            feed="feed.atom",
        )
    )


def render_atom(checks: Sequence[PageCheck], cfg: PagesConfig) -> str:
    """The Atom feed: the newest `per_page` checks."""
    shown = latest(checks)[: cfg.per_page]
    updated = shown[0].checked_at if shown else datetime(2000, 1, 1, tzinfo=UTC)
    return (
        environment()
        .get_template("feed.atom")
        .render(
            cfg=cfg,
            entries=[_entry(c, cfg) for c in shown],
            updated=updated.astimezone(UTC),
            self_url=absolute(cfg, FEED),
            index_url=absolute(cfg, INDEX),
        )
    )
