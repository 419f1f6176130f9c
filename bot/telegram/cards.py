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
    """The channel's card: the claim in brief, the verified card, a link to the post."""
    link = post_link_line(result)
    return fit([claim_line(result)], result.reply.telegram, [link] if link else [])


def review_card(result: CheckResult, target: str) -> str:
    """What operators see: verdict, score and destination, then the channel card."""
    where = "the channel" if target == "channel" else "a Bluesky reply"
    head = [
        f"<b>Review</b>: {esc(result.verdict)} at score {result.score:.2f}; "
        f"approve publishes to {where}.",
        claim_line(result),
    ]
    link = post_link_line(result)
    return fit(head, result.reply.telegram, [link] if link else [])


def decision_footer(decision: str, operator: str, operator_id: int, at: datetime) -> str:
    verb = "Approved" if decision == "approve" else "Rejected"
    when = at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<b>{verb}</b> by {esc(brief(operator, 64))} ({operator_id}) on {esc(when)}"


def decided_card(review_html: str, footer: str) -> str:
    """The review message after a decision: the footer first, so a trim never loses it."""
    return fit([footer], review_html, [])


def alert_text(text: str, heading: str = "Alert") -> str:
    """An alert for the operators: plain `text` (corpus problems, say), escaped line by line
    under a bold heading, trimmed from the end to fit one message."""
    lines = [esc(line) for line in text.strip().splitlines() if line.strip()] or ["(no detail)"]
    return fit([f"<b>{esc(heading)}</b>"], "\n".join(lines), [])
