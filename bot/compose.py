"""Compose: turn a verdict, its verified match and the discrepancies into each platform's reply.

One list of lines is built first (the verified wording, who said it, where and when, the source,
then one short line per change); Bluesky gets it as a thread of posts within 300 graphemes and
3000 bytes each, with a link facet for the source; Telegram gets it as escaped HTML within 4096
characters. A sentence that no verified source contains only ever appears behind the
`unsupported` phrase, never as a fact. Pure: no clock, no I/O.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from string import Formatter
from typing import Literal
from urllib.parse import urlsplit

import regex

from bot.domain import FIELDS, BlueskyPost, Discrepancy, LinkFacet, MatchInfo, Reply, Verdict

BLUESKY_GRAPHEMES = 300
BLUESKY_BYTES = 3000
TELEGRAM_CHARS = 4096
QUOTE_CAP = 1000  # graphemes of the verified wording shown at most
VALUE_CAP = 600  # graphemes of any other value (a post's sentence, a venue...) shown at most
CLUSTER_CAP = 32  # code points kept of one grapheme cluster (stops "zalgo" blowing the bytes)

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around a link label while packing
_DROP = {_OPEN, _CLOSE, *"\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO = regex.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_RELATIVE = regex.compile(r"\((\d{4}-\d{2}-\d{2})(?:\.\.\d{4}-\d{2}-\d{2})?\)\s*$")
_SENTENCE = regex.compile(r"(?<=[.!?…][\"”’')\]»]*)\s+|(?<=[。！？])(?=\S)")
_WORD = regex.compile(r"\s+")
_NUMBER = " ({i}/{n})"


@dataclass(frozen=True)
class ReplyTexts:
    """The wording of replies, editable by operators in the `[reply]` table of config.toml.

    Each is a one-line template. Placeholders: {speakers} (no_match); {speaker} {role} {who}
    {quote} {event} {venue} {city} {place} {date} {link} {secondary} (the verified lines and
    every change line); {claimed} {verified} (change lines). A template that is malformed or
    names an unknown placeholder is replaced by its default, so a typo never breaks a reply."""

    speakers: str = "Yann LeCun"
    no_match: str = (
        "I could not find this in my verified sources for {speakers}. "
        "That does not mean it is false: it means I can't vouch for it."
    )
    review: str = "Borderline match: an operator checks this before it is published."
    header: str = "Fact check: the verified original"
    quote: str = "“{quote}”"
    attribution: str = "— {who}"
    place_date: str = "{place}, {date}"
    source: str = "Source: {link}{secondary}"
    secondary: str = " (secondary source)"
    changes: str = "What the post changed:"
    no_changes: str = "I found no change to the wording, the place or the date."
    bullet: str = "• "
    venue_changed: str = "Not said at {claimed}: this was {verified}."
    date_not_recent: str = "Not recent: said on {verified}."
    date_changed: str = "Date given as {claimed}; it was {verified}."
    speaker_changed: str = "These are {verified}'s words, not {claimed}'s."
    role_changed: str = "On that date {speaker} was {verified}, not {claimed}."
    omitted: str = "The post drops the next sentence: “{verified}”"
    unsupported: str = "No verified source contains this sentence: “{claimed}”"
    reworded: str = "The post rewords it: “{claimed}” vs the original “{verified}”"
    more: str = "…"


@dataclass(frozen=True)
class _Seg:
    text: str
    href: str = ""


_Style = Literal["plain", "b", "i", "blockquote"]


@dataclass(frozen=True)
class _Line:
    segs: tuple[_Seg, ...]
    style: _Style = "plain"
    core: bool = True  # Telegram shortens a core line rather than dropping it
    telegram_only: bool = False

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segs)


def compose_reply(
    verdict: Verdict,
    match: MatchInfo | None,
    discrepancies: Sequence[Discrepancy],
    texts: ReplyTexts = ReplyTexts(),
) -> Reply:
    """The reply for both platforms. `review` has the content of `match` plus, on Telegram
    (where operators approve it), the review notice; with no match only the no_match answer and
    any sentence known to be invented are given."""
    lines: list[_Line] = []
    if verdict == "review":
        lines.append(_Line(_render(texts, "review", {}), "i", telegram_only=True))
    if verdict == "no_match" or match is None:
        speakers = {"speakers": tidy(texts.speakers).strip()}
        lines.append(_Line(_render(texts, "no_match", speakers)))
        values: dict[str, str | _Seg] = dict(speakers)
        lines += _changes(texts, [d for d in discrepancies if d.field == "unsupported"], values)
    else:
        lines += _verified(texts, match, discrepancies)
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines and texts != ReplyTexts():  # every template blanked: say it the default way
        return compose_reply(verdict, match, discrepancies)
    bluesky = _thread([ln for ln in lines if not ln.telegram_only])
    return Reply(bluesky=bluesky, telegram=_telegram(lines, texts))


# --- the lines ---------------------------------------------------------------------------------


def tidy(text: str) -> str:
    """A value as a reply shows it: control, bidi-override and surrogate characters removed,
    whitespace runs made one space, each grapheme cluster kept to CLUSTER_CAP code points."""
    kept = "".join(
        c
        for c in text
        if c not in _DROP and (c.isspace() or unicodedata.category(c) not in ("Cc", "Cs"))
    )
    spaced = _WORD.sub(" ", kept)
    return "".join(c[:CLUSTER_CAP] for c in regex.findall(r"\X", spaced))


def _value(text: str, cap: int = VALUE_CAP) -> str:
    clusters: list[str] = regex.findall(r"\X", tidy(text).strip())
    if len(clusters) <= cap:
        return "".join(clusters)
    return "".join(clusters[: cap - 1]).rstrip() + "…"


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
    parts = [_value(match.event)]
    for part in (_value(match.venue), _value(match.city)):
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
    label = _value("".join(host.split()), 40) or "link"
    return label + "/…" if rest and not label.endswith("…") else label


def _verified(texts: ReplyTexts, match: MatchInfo, found: Sequence[Discrepancy]) -> list[_Line]:
    speaker, role = _value(match.speaker), _value(match.speaker_role)
    url = tidy(match.source_url).strip()
    values: dict[str, str | _Seg] = {
        "speaker": speaker,
        "role": role,
        "who": f"{speaker}, {role}" if speaker and role else speaker or role,
        "quote": _value(match.quote, QUOTE_CAP),
        "event": _value(match.event),
        "venue": _value(match.venue),
        "city": _value(match.city),
        "place": _place(match),
        "date": human_date(match.date),
        "link": _Seg(link_label(url), url) if url else "",
        "secondary": tidy(texts.secondary) if match.source_kind == "secondary" else "",
    }
    lines = [
        _Line(_render(texts, "header", values), "b"),
        _Line(_render(texts, "quote", values), "blockquote"),
        _Line(_render(texts, "attribution", values)),
        _Line(_render(texts, "place_date", values)),
    ]
    if url:
        lines.append(_Line(_render(texts, "source", values)))
    changes = _changes(texts, found, values, match.date)
    if not changes:
        return [*lines, _Line(_render(texts, "no_changes", values))]
    return [*lines, _Line(_render(texts, "changes", values), "b", core=False), *changes]


def _changes(
    texts: ReplyTexts,
    found: Sequence[Discrepancy],
    base: Mapping[str, str | _Seg],
    day: date | None = None,
) -> list[_Line]:
    """One line per discrepancy, in the order of FIELDS; a change that lacks what its line needs
    is left out (the verified lines above already say where and when)."""
    fallback = {"venue": "place", "date": "date", "speaker": "speaker", "speaker_role": "role"}
    out: list[_Line] = []
    seen: set[str] = set()
    for d in sorted(found, key=lambda d: FIELDS.index(d.field)):
        claimed = _value(d.claimed) if d.claimed else ""
        verified = _value(d.verified) if d.verified else _text(base.get(fallback.get(d.field, "")))
        if (d.field != "omitted" and not claimed) or (
            d.field in ("omitted", "reworded") and not verified
        ):
            continue
        name = _NAMES.get(d.field, d.field)
        if d.field == "date":
            if _later(claimed, d.verified, day):
                name = "date_not_recent"
            claimed, verified = _human_dates(claimed), _human_dates(verified)
        values = {**base, "claimed": claimed, "verified": verified}
        line = _Line((_Seg(tidy(texts.bullet)), *_render(texts, name, values)), core=False)
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


def _render(texts: ReplyTexts, name: str, values: Mapping[str, str | _Seg]) -> tuple[_Seg, ...]:
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
        out.append(value if isinstance(value, _Seg) else _Seg(value))
    return tuple(out)


# --- Bluesky: a thread of posts within the limits ---------------------------------------------


def graphemes(text: str) -> int:
    """User-perceived characters, as Bluesky counts them for its 300 limit."""
    return len(regex.findall(r"\X", text))


def _thread(lines: Sequence[_Line]) -> tuple[BlueskyPost, ...]:
    """Pack the lines into as few posts as fit, numbered " (i/n)" only when there are several."""
    texts = [t for t in ("".join(_bluesky(s) for s in ln.segs).strip() for ln in lines) if t]
    uris = [s.href for ln in lines for s in ln.segs if s.href]
    reserve, chunks = 0, _pack(texts, 0)
    while len(chunks) > 1 and len(_NUMBER.format(i=len(chunks), n=len(chunks))) > reserve:
        reserve = len(_NUMBER.format(i=len(chunks), n=len(chunks)))
        chunks = _pack(texts, reserve)
    links = iter(uris)
    n = len(chunks)
    return tuple(
        _post(chunk, links, _NUMBER.format(i=i, n=n) if n > 1 else "")
        for i, chunk in enumerate(chunks, 1)
    )


def _bluesky(seg: _Seg) -> str:
    return f"{_OPEN}{seg.text}{_CLOSE}" if seg.href else seg.text


def _pack(lines: Sequence[str], reserve: int) -> list[str]:
    packer = _Packer(BLUESKY_GRAPHEMES - reserve, BLUESKY_BYTES - reserve)
    for line in lines:
        packer.add(line, "\n", 0)
    packer.flush()
    return packer.posts


class _Packer:
    """Greedy packing that breaks at lines, then sentences, then words, then grapheme clusters
    (a link label counts as one cluster). The marks around labels are counted too, so every
    post is a little under the limit rather than over it."""

    def __init__(self, max_graphemes: int, max_bytes: int) -> None:
        self.max_graphemes, self.max_bytes = max_graphemes, max_bytes
        self.posts: list[str] = []
        self.current = ""

    def fits(self, text: str) -> bool:
        return len(text.encode()) <= self.max_bytes and graphemes(text) <= self.max_graphemes

    def flush(self) -> None:
        if self.current:
            self.posts.append(self.current)
        self.current = ""

    def add(self, piece: str, sep: str, level: int) -> None:
        if self.current and self.fits(self.current + sep + piece):
            self.current += sep + piece
            return
        if self.fits(piece) or level >= 3:  # level 3 is one cluster: it always fits alone
            self.flush()
            self.current = piece
            return
        parts = _split(piece, level + 1)
        for i, (inner, part) in enumerate(parts):
            self.add(part, sep if i == 0 else inner, level + 1)


def _split(text: str, level: int) -> list[tuple[str, str]]:
    """`text` as (separator, piece) pairs: sentences (level 1), words (2) or clusters (3)."""
    if level >= 3:
        atoms: list[str] = []
        for part in regex.split(f"({_OPEN}[^{_CLOSE}]*{_CLOSE})", text):
            atoms += [part] if part.startswith(_OPEN) else regex.findall(r"\X", part)
        return [("", a) for a in atoms if a]
    ends = {0}
    for m in regex.finditer(r"\X", text):
        ends.add(m.end())
    out: list[tuple[str, str]] = []
    sep, start = "", 0
    for m in (_SENTENCE if level == 1 else _WORD).finditer(text):
        if m.start() > start and m.start() in ends and m.end() in ends:
            out.append((sep, text[start : m.start()]))
            sep, start = str(m[0]), m.end()
    out.append((sep, text[start:]))
    return [(s, p) for s, p in out if p]


def _post(chunk: str, uris: Iterator[str], suffix: str) -> BlueskyPost:
    """Drop the label marks and turn each label into a link facet on this post's bytes."""
    text, links = "", []
    for part in regex.split(f"({_OPEN}[^{_CLOSE}]*{_CLOSE})", chunk):
        if part.startswith(_OPEN):
            start = len(text.encode())
            text += part[1:-1]
            links.append(LinkFacet(start, len(text.encode()), next(uris)))
        else:
            text += part
    return BlueskyPost(text + suffix, tuple(links))


# --- Telegram: one HTML message ----------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _len16(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts (never less than len(text))."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _tags(style: _Style) -> tuple[str, str]:
    return ("", "") if style == "plain" else (f"<{style}>", f"</{style}>")


def _seg_html(seg: _Seg) -> str:
    if seg.href:
        return f'<a href="{_esc(seg.href)}">{_esc(seg.text)}</a>'
    return _esc(seg.text)


def _html(line: _Line) -> str:
    start, end = _tags(line.style)
    return start + "".join(_seg_html(s) for s in line.segs) + end


def _telegram(lines: Sequence[_Line], texts: ReplyTexts) -> str:
    """Core lines (notice, wording, who, where, source) are kept, shortened if they must be;
    change lines are then kept in order while they fit, the rest replaced by "…". The raw HTML
    stays within the limit, and so the visible text, which is never longer, does too."""
    more = _esc(_value(texts.more) or "…")
    budget = TELEGRAM_CHARS - _len16("\n" + more)
    rendered = [_html(ln) for ln in lines]
    cost = [_len16(r) + 1 for r in rendered]
    core = [i for i, ln in enumerate(lines) if ln.core]
    kept: dict[int, str] = {}
    for i, allowed in zip(core, _share(budget, [cost[i] for i in core]), strict=True):
        html_ = rendered[i] if cost[i] <= allowed else _shorten(lines[i], allowed - 1)
        if html_ is not None:
            kept[i] = html_
    used = sum(_len16(h) + 1 for h in kept.values())
    dropped = False
    for i, line in enumerate(lines):
        if line.core:
            continue
        if dropped or used + cost[i] > budget:
            dropped = True
            continue
        kept[i], used = rendered[i], used + cost[i]
    parts = [kept[i] for i in sorted(kept)]
    return "\n".join([*parts, more] if dropped else parts)


def _share(budget: int, costs: Sequence[int]) -> list[int]:
    """Split `budget` among lines: short ones get all they need, long ones share the rest."""
    allowed = [0] * len(costs)
    left = budget
    for k, i in enumerate(sorted(range(len(costs)), key=lambda j: costs[j])):
        allowed[i] = min(costs[i], left // (len(costs) - k))
        left -= allowed[i]
    return allowed


def _shorten(line: _Line, room: int) -> str | None:
    """The line cut at a cluster to fit `room` raw characters, ending in "…", tags closed; a
    link that no longer fits becomes plain text. None when not even the tags fit."""
    start, end = _tags(line.style)
    ellipsis = _esc("…")
    room -= _len16(start + end + ellipsis)
    if room < 0:
        return None
    parts: list[str] = []
    for seg in line.segs:
        full = _seg_html(seg)
        if _len16(full) <= room:
            parts.append(full)
            room -= _len16(full)
            continue
        for cluster in regex.findall(r"\X", seg.text):
            escaped = _esc(cluster)
            if _len16(escaped) > room:
                break
            parts.append(escaped)
            room -= _len16(escaped)
        break
    return start + "".join(parts) + ellipsis + end
