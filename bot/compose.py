"""Compose: turn a verdict, its verified match and the discrepancies into each platform's reply.

One list of lines is built first (the verified wording, who said it, where and when, the source,
then one short line per change); Bluesky gets it as a thread of posts within 300 graphemes and
3000 bytes each, with a link facet for the source; Telegram gets it as escaped HTML within 4096
characters. A sentence that no verified source contains only ever appears behind the
`unsupported` phrase, never as a fact: the verified wording and every change line are kept whole
in one Bluesky post (their quoted values shortened with "…" inside the quote marks when the line
would not fit), so no post of a thread carries a claim without its framing. Pure: no clock, no
I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from string import Formatter
from urllib.parse import urlsplit

import regex

from bot.domain import (
    FIELDS,
    FIRST_HAND,
    POSSESSIVE,
    BlueskyPost,
    Discrepancy,
    Field,
    MatchInfo,
    Reply,
    Verdict,
)
from bot.reply_basis import basis_template, how_sure
from bot.reply_bluesky import bluesky_one_post, bluesky_thread, graphemes
from bot.reply_lines import (
    BLUESKY_BYTES,
    BLUESKY_GRAPHEMES,
    QUOTE_CAP,
    TELEGRAM_CHARS,
    VALUE_CAP,
    shown_value,
    tidy,
)
from bot.reply_lines import Line as _Line
from bot.reply_lines import Seg as _Seg
from bot.reply_telegram import telegram_html
from bot.reply_texts import ReplyTexts

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO = regex.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NOBODY = "the speakers I cover"  # {speakers} when neither config nor corpus names any
_RELATIVE = regex.compile(r"\((\d{4}-\d{2}-\d{2})(?:\.\.\d{4}-\d{2}-\d{2})?\)\s*$")


# The changes a one-post reply names first: words turned into their opposite, then a wrong
# place, a wrong date, an invented sentence. Every field is here (tests/test_compose.py).
ONE_POST_ORDER: tuple[Field, ...] = (
    "contradicted",
    "venue",
    "date",
    "unsupported",
    "speaker",
    "speaker_role",
    "omitted",
    "reworded",
)
ONE_POST_CHANGES = 2


__all__ = [
    "BLUESKY_BYTES",
    "BLUESKY_GRAPHEMES",
    "TELEGRAM_CHARS",
    "VALUE_CAP",
    "ReplyTexts",
    "compose_reply",
    "graphemes",
    "human_date",
    "link_label",
    "render_line",
    "tidy",
]


def compose_reply(
    verdict: Verdict,
    match: MatchInfo | None,
    discrepancies: Sequence[Discrepancy],
    texts: ReplyTexts = ReplyTexts(),
    cut: bool = False,
    page: str = "",
    max_posts: int = 1,
    from_image: str = "",
) -> Reply:
    """The reply for both platforms. `review` has the content of `match` plus, on Telegram
    (where operators approve it), the review notice; with no match only the no_match answer and
    any sentence known to be invented are given. `cut`: only the beginning of the post was
    checked (`[match] max_chars`, `max_segments`), and the reply ends by saying so. `page`:
    the address of the check's public page ("" for none), linked from the Bluesky reply and
    the Telegram card. `max_posts` (`[reply] bluesky_max_posts`): 1, the Bluesky reply is one
    post (the verdict, the first ONE_POST_CHANGES changes, the page); more, the thread.
    `from_image` ("alt", "ocr", "seen"): the words checked came from the post's image; the
    reply says how."""
    lines: list[_Line] = []
    if verdict == "review":
        lines.append(_Line(_render(texts, "review", {}), "i", telegram_only=True))
    if verdict == "no_match" or match is None:
        speakers = {"speakers": tidy(texts.speakers).strip() or _NOBODY}
        lines.append(_Line(_render(texts, "no_match", speakers)))
        values: dict[str, str | _Seg] = dict(speakers)
        lines += _changes(texts, [d for d in discrepancies if d.field == "unsupported"], values)
    else:
        lines += _verified(texts, match, discrepancies)
    if cut:
        lines.append(_Line(_render(texts, "cut", {})))
    if from_image:
        how = render_line(texts, f"from_image_{from_image}", {})
        lines.append(_Line(_render(texts, "from_image", {"how": how})))
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines and texts != ReplyTexts():  # every template blanked: say it the default way
        return compose_reply(
            verdict,
            match,
            discrepancies,
            cut=cut,
            page=page,
            max_posts=max_posts,
            from_image=from_image,
        )
    url = tidy(page).strip()
    if url and match is not None and verdict != "no_match":
        values = {"page": _Seg(link_label(url), url)}
        lines.append(_Line(_render(texts, "one_page", values)))
    if max_posts == 1:
        one = _one_post(texts, verdict, match, discrepancies, cut, url, from_image)
        bluesky: tuple[BlueskyPost, ...] = (bluesky_one_post(one),)
        if match is not None and match.is_passage and verdict != "no_match":
            bluesky = (
                _with_passage(
                    bluesky[0], texts, verdict, match, discrepancies, cut, url, from_image
                ),
            )
    else:
        bluesky = bluesky_thread([ln for ln in lines if not ln.telegram_only])
    return Reply(bluesky=bluesky, telegram=telegram_html(lines, texts.more))


PASSAGE_FLOOR = 40  # characters of a passage the one post shows at least (else none of it)


def _with_passage(
    post: BlueskyPost,
    texts: ReplyTexts,
    verdict: Verdict,
    match: MatchInfo,
    found: Sequence[Discrepancy],
    cut: bool,
    page: str,
    from_image: str = "",
) -> BlueskyPost:
    """The one post with the passage the post covers added before its page line, when the post
    fits whole (nothing else shortened): the passage as long as fits, at least PASSAGE_FLOOR
    characters; else the post as it was."""
    low, high, best = PASSAGE_FLOOR, graphemes(tidy(match.quote)), post
    while low <= high:  # the longest passage with which nothing else is shortened
        cap = (low + high) // 2
        lines = _one_post(texts, verdict, match, found, cut, page, from_image, passage_cap=cap)
        candidate = bluesky_one_post(lines)
        if candidate.text == "\n".join(t for ln in lines if (t := ln.text.strip())):
            best, low = candidate, cap + 1
        else:
            high = cap - 1
    return best


def _one_post(
    texts: ReplyTexts,
    verdict: Verdict,
    match: MatchInfo | None,
    found: Sequence[Discrepancy],
    cut: bool,
    page: str,
    from_image: str = "",
    passage_cap: int = 0,
) -> list[_Line]:
    """The lines of the one-post Bluesky reply: the verdict, the first ONE_POST_CHANGES changes
    in ONE_POST_ORDER, then the check page (or the source, when there is no page). With
    `passage_cap`, the quoted passage (at most that many characters) before the page."""
    if verdict == "no_match" or match is None:
        speakers = {"speakers": tidy(texts.speakers).strip()}
        lines = [_Line(_render(texts, "no_match", speakers))]
        invented = [d for d in found if d.field == "unsupported"][:ONE_POST_CHANGES]
        lines += _changes(texts, invented, dict(speakers))
    else:
        values = _values(texts, match)
        ordered = sorted(found, key=lambda d: ONE_POST_ORDER.index(d.field))
        changes = _changes(texts, ordered, values, match.date, ONE_POST_ORDER)
        head = "one_changed" if changes else "one_same"
        lines = [_Line(_render(texts, head, values)), *changes[:ONE_POST_CHANGES]]
        if passage_cap:
            quoted = {**values, "quote": _cut_at_word(match.quote, passage_cap)}
            lines.append(_Line(_render(texts, "one_passage", quoted), core=False))
        if page:
            lines.append(_Line(_render(texts, "one_page", {"page": _Seg(link_label(page), page)})))
        elif values["link"]:
            lines.append(_Line(_render(texts, "source", values)))
    if cut:
        lines.append(_Line(_render(texts, "cut", {})))
    if from_image:
        how = render_line(texts, f"from_image_{from_image}", {})
        lines.append(_Line(_render(texts, "from_image", {"how": how})))
    return [ln for ln in lines if ln.text.strip()]


# --- the lines ---------------------------------------------------------------------------------


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


def _values(texts: ReplyTexts, match: MatchInfo) -> dict[str, str | _Seg]:
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


def _verified(texts: ReplyTexts, match: MatchInfo, found: Sequence[Discrepancy]) -> list[_Line]:
    values = _values(texts, match)
    url = tidy(match.source_url).strip()
    header = "header" if match.basis in FIRST_HAND else f"header_{match.basis}"
    lines = [
        _Line(_render(texts, header, values), "b"),
        _Line(_render(texts, "quote", values), "blockquote", whole=True),
        _Line(_render(texts, "attribution", values)),
        _Line(_render(texts, "place_date", values)),
        _Line(_render(texts, basis_template(match), values)),
    ]
    if match.disputed:
        lines.append(_Line(_render(texts, "disputed", values), "i"))
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
        segs = (_Seg(tidy(texts.bullet)), *_render(texts, name, values))
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


def _cut_at_word(text: str, cap: int) -> str:
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
    return "".join(seg.text for seg in _render(texts, name, values))


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
        out.append(value if isinstance(value, _Seg) else _Seg(value, value=True))
    return tuple(out)
