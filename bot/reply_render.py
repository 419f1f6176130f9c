"""The lines of a reply, rendered: a template of `ReplyTexts` filled in with a match's values
(who, where, when, the quote, the source's link) and the discrepancies (one line per change, in
the order asked for). `bot.compose` arranges these lines into each platform's reply. Every value
from the corpus or a post is tidied and capped here (`bot.reply_lines.shown_value`); a template
an operator broke falls back to its default. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from string import Formatter
from urllib.parse import urlsplit

import regex

from bot.domain import FIELDS, FIRST_HAND, POSSESSIVE, Discrepancy, MatchInfo
from bot.reply_basis import basis_template, how_sure
from bot.reply_bluesky import graphemes
from bot.reply_lines import QUOTE_CAP, shown_value, tidy
from bot.reply_lines import Line as _Line
from bot.reply_lines import Seg as _Seg
from bot.reply_texts import ReplyTexts

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO = regex.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_RELATIVE = regex.compile(r"\((\d{4}-\d{2}-\d{2})(?:\.\.\d{4}-\d{2}-\d{2})?\)\s*$")


def human_date(day: date) -> str:
    """4 Dec 2025, in every locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _human_dates(text: str) -> str:
    def one(m: regex.Match[str]) -> str:
        try:
            return human_date(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return str(m[0])

    return str(_ISO.sub(one, text)).replace("..", " – ")


def _place(match: MatchInfo) -> str:
    """Like `Event.place`: event, venue, city, each only when not already named."""
    parts = [shown_value(match.event)]
    for part in (shown_value(match.venue), shown_value(match.city)):
        if part and all(part.lower() not in p.lower() for p in parts):
            parts.append(part)
    return ", ".join(p for p in parts if p)


def link_label(url: str) -> str:
    """What a Bluesky client shows for a link: the host, then "/…" when there is more."""
    try:
        parts = urlsplit(url)
        host, rest = parts.hostname or "", (parts.path.strip("/") or parts.query)
    except ValueError:
        host, rest = "", url
    host = host.removeprefix("www.") or url.split("://", 1)[-1]
    label = shown_value("".join(host.split()), 40) or "link"
    return label + "/…" if rest and not label.endswith("…") else label


def line_values(texts: ReplyTexts, match: MatchInfo) -> dict[str, str | _Seg]:
    speaker, role = shown_value(match.speaker), shown_value(match.speaker_role)
    url = tidy(match.source_url).strip()
    return {
        "speaker": speaker,
        "role": role,
        "who": f"{speaker}, {role}" if speaker and role else speaker or role,
        "possessive": POSSESSIVE.get(match.pronoun, "their"),
        "Possessive": POSSESSIVE.get(match.pronoun, "their").capitalize(),
        "quote": shown_value(match.quote, QUOTE_CAP),
        "event": shown_value(match.event),
        "venue": shown_value(match.venue),
        "city": shown_value(match.city),
        "place": _place(match),
        "date": human_date(match.date),
        "link": _Seg(link_label(url), url) if url else "",
        "secondary": tidy(texts.secondary) if match.source_kind == "secondary" else "",
        **how_sure(match, link_label(url)),
    }


def verified_lines(
    texts: ReplyTexts, match: MatchInfo, found: Sequence[Discrepancy]
) -> list[_Line]:
    values = line_values(texts, match)
    url = tidy(match.source_url).strip()
    header = "header" if match.basis in FIRST_HAND else f"header_{match.basis}"
    lines = [
        _Line(render(texts, header, values), "b"),
        _Line(render(texts, "quote", values), "blockquote", whole=True),
        _Line(render(texts, "attribution", values)),
        _Line(render(texts, "place_date", values)),
        _Line(render(texts, basis_template(match), values)),
    ]
    if match.disputed:
        lines.append(_Line(render(texts, "disputed", values), "i"))
    if url:
        lines.append(_Line(render(texts, "source", values)))
    changes = change_lines(texts, found, values, match.date)
    if not changes:
        return [*lines, _Line(render(texts, "no_changes", values))]
    return [*lines, _Line(render(texts, "changes", values), "b", core=False), *changes]


def change_lines(
    texts: ReplyTexts,
    found: Sequence[Discrepancy],
    base: Mapping[str, str | _Seg],
    day: date | None = None,
    order: Sequence[str] = FIELDS,
) -> list[_Line]:
    """One line per discrepancy, in `order` (FIELDS); a change that lacks what its line needs
    is left out (the verified lines above already say where and when)."""
    fallback = {"venue": "place", "date": "date", "speaker": "speaker", "speaker_role": "role"}
    out: list[_Line] = []
    seen: set[str] = set()
    for d in sorted(found, key=lambda d: order.index(d.field)):
        claimed = shown_value(d.claimed) if d.claimed else ""
        verified = (
            shown_value(d.verified) if d.verified else _text(base.get(fallback.get(d.field, "")))
        )
        if (d.field != "omitted" and not claimed) or (
            d.field in ("omitted", "reworded", "contradicted") and not verified
        ):
            continue
        name = _NAMES.get(d.field, d.field)
        if d.field == "date":
            if _later(claimed, d.verified, day):
                name = "date_not_recent"
            claimed, verified = _human_dates(claimed), _human_dates(verified)
        values = {**base, "claimed": claimed, "verified": verified}
        segs = (_Seg(tidy(texts.bullet)), *render(texts, name, values))
        line = _Line(segs, core=False, whole=True)
        if line.text not in seen:
            seen.add(line.text)
            out.append(line)
    return out


_NAMES = {
    "venue": "venue_changed",
    "date": "date_changed",
    "speaker": "speaker_changed",
    "speaker_role": "role_changed",
}


def cut_at_word(text: str, cap: int) -> str:
    """`text` (tidied) in at most `cap` characters: cut at a space near the end, with "…"."""
    whole = shown_value(text, QUOTE_CAP)
    if graphemes(whole) <= cap:
        return whole
    kept = shown_value(whole, cap).removesuffix("…")
    space = kept.rfind(" ")
    return (kept[:space] if space >= len(kept) * 2 // 3 else kept).rstrip(" ,;:") + "…"


def _text(value: str | _Seg | None) -> str:
    return value.text if isinstance(value, _Seg) else value or ""


def _later(claimed: str, verified: str | None, day: date | None) -> bool:
    """True when the post's claim is relative ("just said (2026-05-12)") and points after the
    day it was said: the post passes an old remark off as recent."""
    relative = _RELATIVE.search(claimed)
    try:
        when = date.fromisoformat(verified.strip()) if verified else day
    except ValueError:
        when = day
    return bool(relative and when and str(relative[1]) > when.isoformat())


def render_line(texts: ReplyTexts, name: str, values: Mapping[str, str]) -> str:
    """One template of `texts` filled in as plain text (its default when it is malformed)."""
    return "".join(seg.text for seg in render(texts, name, values))


def render(texts: ReplyTexts, name: str, values: Mapping[str, str | _Seg]) -> tuple[_Seg, ...]:
    segs = _fill(getattr(texts, name), values)
    if segs is None:
        segs = _fill(getattr(ReplyTexts(), name), values) or ()
    return segs


def _fill(template: str, values: Mapping[str, str | _Seg]) -> tuple[_Seg, ...] | None:
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        return None
    out: list[_Seg] = []
    for literal, field, _spec, _conversion in parsed:
        if literal:
            out.append(_Seg(tidy(literal)))
        if field is None:
            continue
        if field not in values:
            return None
        value = values[field]
        out.append(value if isinstance(value, _Seg) else _Seg(value, value=True))
    return tuple(out)
