"""The daily digest for the channel: pure text from a day's figures.

The figures are counted from the SQLite file by `bot/status.py` (the same counts as
`factbot status`, over the UTC day); here they only become HTML (escaped, within Telegram's
4096 characters, lines dropped from the end if ever needed). No I/O, no clock: the day is part
of the figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.status import Status
from bot.telegram.cards import esc, fit

VERDICTS = ("match", "review", "no_match")  # the order the digest names them in
TOP_EVENTS = 5


@dataclass(frozen=True)
class DigestFigures:
    """What happened on one UTC day."""

    day: date
    checks: Mapping[str, int] = field(default_factory=dict)  # verdict → checks that day
    cards: int = 0  # channel cards sent
    replies: int = 0  # Bluesky replies sent (mentions answered)
    top_events: tuple[tuple[str, int], ...] = ()  # (event id, matched checks), most first

    @property
    def total(self) -> int:
        return sum(self.checks.values())


def day_figures(day: date, status: Status) -> DigestFigures:
    """The digest's figures from the day's `Status` (`read_window` over that UTC day)."""
    return DigestFigures(
        day=day,
        checks={v: n for v, n in status.checks.items() if n},
        cards=status.cards_published,
        replies=status.mentions_answered,
        top_events=status.top_events,
    )


def digest_text(figures: DigestFigures, titles: Mapping[str, str] | None = None) -> str:
    """The channel's digest. `titles` names events by id (from the corpus); an unknown id is
    shown as it is."""
    titles = titles or {}
    head = f"<b>factbot, {figures.day.day} {figures.day:%b %Y}</b>"
    if figures.total == 0 and figures.cards == 0 and figures.replies == 0:
        return f"{head}\nNo checks today."
    by_verdict = [f"{figures.checks.get(v, 0)} {v.replace('_', ' ')}" for v in VERDICTS]
    others = sorted(set(figures.checks) - set(VERDICTS))
    by_verdict += [f"{figures.checks[v]} {esc(v)}" for v in others]
    lines = [
        f"Checks: {figures.total} ({', '.join(by_verdict)})",
        f"Cards in this channel: {figures.cards}",
        f"Replies on Bluesky: {figures.replies}",
    ]
    events = figures.top_events[:TOP_EVENTS]
    if events:
        lines.append("<b>Most matched</b>")
        lines += [f"• {esc(titles.get(e, e))}: {n}" for e, n in events]
    return fit([head], "\n".join(lines), [])
