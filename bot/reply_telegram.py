"""Telegram: the reply's lines as one HTML message (parse mode HTML), everything escaped, within
4096 characters, trimmed by whole lines so that tags are never cut."""

from __future__ import annotations

import html
from collections.abc import Sequence

import regex

from bot.reply_lines import TELEGRAM_CHARS, Line, Seg, Style, shown_value


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _len16(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts (never less than len(text))."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _tags(style: Style) -> tuple[str, str]:
    return ("", "") if style == "plain" else (f"<{style}>", f"</{style}>")


def _seg_html(seg: Seg) -> str:
    if seg.href:
        return f'<a href="{_esc(seg.href)}">{_esc(seg.text)}</a>'
    return _esc(seg.text)


def _html(line: Line) -> str:
    start, end = _tags(line.style)
    return start + "".join(_seg_html(s) for s in line.segs) + end


def telegram_html(lines: Sequence[Line], more_text: str) -> str:
    """Core lines (notice, wording, who, where, source) are kept, shortened if they must be;
    change lines are then kept in order while they fit, the rest replaced by "…". The raw HTML
    stays within the limit, and so the visible text, which is never longer, does too."""
    more = _esc(shown_value(more_text) or "…")
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


def _shorten(line: Line, room: int) -> str | None:
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
