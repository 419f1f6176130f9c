"""Pure text for Telegram: the channel card, the operators' review card, the decision footer.

The core composes the verified card (`CheckResult.reply.telegram`: escaped HTML, one
self-contained line per "\\n", every tag closed on its line). Here it gets a line with the
post's claim in brief above it and a link to the original post below it, and the whole is kept
within Telegram's 4096 characters (counted, as Telegram does, on the text after its entities
are parsed, in UTF-16 units) by dropping whole lines from the end, so the HTML stays
well-formed. No I/O, no clock."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from html.parser import HTMLParser

import regex

from bot.compose import TELEGRAM_CHARS, tidy
from bot.domain import CheckResult

CLAIM_CAP = 280  # visible characters of the post's text shown in a card
URL_CAP = 512  # longer links to the original post are left out rather than cut
MORE = "…"


def esc(text: str) -> str:
    return html.escape(text, quote=True)


# Telegram turns URLs, bare domains and @usernames in a message's text into links. In a card,
# the watched post's words are shown, never linked: outside the card's own <a> elements, a
# scheme becomes "hxxp", a dot before a domain label "[.]" and "@" a full-width "＠".
_ELEMENT = regex.compile(r"(<a\b[^>]*>.*?</a>|<[^>]*>)", regex.DOTALL)
_SCHEME = regex.compile(r"(?i)\b(h)tt(ps?)(?=:/)")
_DOMAIN_DOT = regex.compile(r"(?<=[\p{L}\p{N}_-])\.(?=\p{L}[\p{L}\p{N}-]+)")
_AT = regex.compile(r"@(?=[\p{L}\p{N}_])")


def defang(markup: str) -> str:
    """`markup` (card HTML) with the text outside its links made unclickable."""
    parts = _ELEMENT.split(markup)
    return "".join(part if i % 2 else _defang_text(part) for i, part in enumerate(parts))


def _defang_text(text: str) -> str:
    text = _SCHEME.sub(r"\1xx\2", text)
    text = _DOMAIN_DOT.sub("[.]", text)
    return str(_AT.sub("\uff20", text))


def visible_length(markup: str) -> int:
    """Telegram's count of a message: the text once the HTML is parsed, in UTF-16 units."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def brief(text: str, cap: int = CLAIM_CAP) -> str:
    """The post's text on one line, cut at a grapheme cluster to `cap` characters."""
    clusters: list[str] = regex.findall(r"\X", tidy(text).strip())
    if len(clusters) <= cap:
        return "".join(clusters)
    return "".join(clusters[: cap - 1]).rstrip() + MORE


def claim_line(result: CheckResult) -> str:
    who = f" ({brief(result.post.author, 60)})" if result.post.author else ""
    return f"<i>The post{esc(who)}:</i> “{esc(brief(result.post.text))}”"


def post_link_line(result: CheckResult) -> str | None:
    url = tidy(result.post.url or "").strip()
    if not url or len(url) > URL_CAP or not url.startswith(("https://", "http://")):
        return None
    return f'<a href="{esc(url)}">The original post</a>'


def fit(head: Sequence[str], card: str, tail: Sequence[str]) -> str:
    """head + the card's lines + tail, joined by newlines, within the limit. The card's lines
    are dropped from the end first (an "…" line marks the cut), then the tail, then the head:
    the core's card alone is always within the limit."""
    head, tail = list(head), list(tail)
    full = card.split("\n")
    body = list(full)
    while True:
        cut = [MORE] if len(body) < len(full) else []
        text = "\n".join([*head, *body, *cut, *tail])
        if visible_length(text) <= TELEGRAM_CHARS or (not head and not tail and len(body) <= 1):
            return text
        if len(body) > 1:
            body.pop()
        elif tail:
            tail.pop()
        else:
            head.pop()


def channel_card(result: CheckResult) -> str:
    """The channel's card: the claim in brief, the verified card, a link to the post; the
    post's own URLs, domains and @usernames shown defanged, not as links."""
    link = post_link_line(result)
    return fit([defang(claim_line(result))], defang(result.reply.telegram), [link] if link else [])


def review_card(result: CheckResult, target: str) -> str:
    """What operators see: verdict, score and destination, then the channel card."""
    where = "the channel" if target == "channel" else "a Bluesky reply"
    head = [
        f"<b>Review</b>: {esc(result.verdict)} at score {result.score:.2f}; "
        f"approve publishes to {where}.",
        defang(claim_line(result)),
    ]
    link = post_link_line(result)
    return fit(head, defang(result.reply.telegram), [link] if link else [])


def footer(what: str, operator: str, operator_id: int, at: datetime, note: str = "") -> str:
    """What an operator decided, who and when (and `note`, what was done), above a message
    once its buttons are gone. Plain text in, HTML out."""
    when = at.strftime("%Y-%m-%d %H:%M UTC")
    done = f"<b>{esc(what)}</b> by {esc(brief(operator, 64))} ({operator_id}) on {esc(when)}"
    return done + (f": {esc(note)}" if note else "")


def decision_footer(decision: str, operator: str, operator_id: int, at: datetime) -> str:
    return footer("Approved" if decision == "approve" else "Rejected", operator, operator_id, at)


def decided_card(review_html: str, footer: str) -> str:
    """The review message after a decision: the footer first, so a trim never loses it."""
    return fit([footer], review_html, [])


def alert_text(text: str, heading: str = "Alert") -> str:
    """An alert for the operators: plain `text` (corpus problems, say), escaped line by line
    under a bold heading, trimmed from the end to fit one message."""
    lines = [esc(line) for line in text.strip().splitlines() if line.strip()] or ["(no detail)"]
    return fit([f"<b>{esc(heading)}</b>"], "\n".join(lines), [])
