"""Bluesky: the reply's lines as a thread of posts, each within 300 graphemes and 3000 UTF-8
bytes, with the source as a link facet on its own post's bytes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import regex

from bot.domain import BlueskyPost, LinkFacet
from bot.reply_lines import (
    BLUESKY_BYTES,
    BLUESKY_GRAPHEMES,
    LINK_CLOSE,
    LINK_OPEN,
    NUMBERING,
    SENTENCE_BREAK,
    SPACES,
    Line,
    Seg,
)


def graphemes(text: str) -> int:
    """User-perceived characters, as Bluesky counts them for its 300 limit."""
    return len(regex.findall(r"\X", text))


def bluesky_thread(lines: Sequence[Line]) -> tuple[BlueskyPost, ...]:
    """Pack the lines into as few posts as fit, numbered " (i/n)" only when there are several.
    A `whole` line (a quotation and what frames it) is never split: it is made to fit one post
    with its numbering, its values shortened with "…" when they must be."""
    room = len(NUMBERING.format(i=len(lines), n=len(lines)))  # never more posts than lines
    texts = [t for t in (_line_text(ln, room) for ln in lines) if t]
    uris = [s.href for ln in lines for s in ln.segs if s.href]
    reserve, chunks = 0, _pack(texts, 0)
    while len(chunks) > 1 and len(NUMBERING.format(i=len(chunks), n=len(chunks))) > reserve:
        reserve = len(NUMBERING.format(i=len(chunks), n=len(chunks)))
        chunks = _pack(texts, reserve)
    links = iter(uris)
    n = len(chunks)
    return tuple(
        _post(chunk, links, NUMBERING.format(i=i, n=n) if n > 1 else "")
        for i, chunk in enumerate(chunks, 1)
    )


def _bluesky(seg: Seg) -> str:
    return f"{LINK_OPEN}{seg.text}{LINK_CLOSE}" if seg.href else seg.text


def _line_text(line: Line, room: int) -> str:
    """The line as packed; a whole line that would not fit one post (less `room` for the
    numbering) gets the largest cap on its values' clusters with which it fits."""
    full = "".join(_bluesky(s) for s in line.segs).strip()
    fits = _Packer(BLUESKY_GRAPHEMES - room, BLUESKY_BYTES - room).fits
    values = [graphemes(s.text) for s in line.segs if s.value and not s.href]
    if not line.whole or not values or fits(full):
        return full
    best, low, high = full, 0, max(values) - 1
    while low <= high:  # binary search on the cap: a shorter cap never makes the line longer
        cap = (low + high) // 2
        text = "".join(_shortened(s, cap) for s in line.segs).strip()
        if fits(text):
            best, low = text, cap + 1
        else:
            high = cap - 1
    return best


def _shortened(seg: Seg, cap: int) -> str:
    """A value cut to `cap` clusters ending in "…" (at a space when one is near), so the quote
    marks around it stay; other segments as they are."""
    if not seg.value or seg.href:
        return _bluesky(seg)
    clusters: list[str] = regex.findall(r"\X", seg.text)
    if len(clusters) <= cap:
        return seg.text
    kept = "".join(clusters[: max(cap - 1, 0)])
    space = kept.rfind(" ")
    if space >= len(kept) * 2 // 3:
        kept = kept[:space]
    return kept.rstrip() + "…"


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
        for part in regex.split(f"({LINK_OPEN}[^{LINK_CLOSE}]*{LINK_CLOSE})", text):
            atoms += [part] if part.startswith(LINK_OPEN) else regex.findall(r"\X", part)
        return [("", a) for a in atoms if a]
    ends = {0}
    for m in regex.finditer(r"\X", text):
        ends.add(m.end())
    out: list[tuple[str, str]] = []
    sep, start = "", 0
    for m in (SENTENCE_BREAK if level == 1 else SPACES).finditer(text):
        if m.start() > start and m.start() in ends and m.end() in ends:
            out.append((sep, text[start : m.start()]))
            sep, start = str(m[0]), m.end()
    out.append((sep, text[start:]))
    return [(s, p) for s, p in out if p]


def _post(chunk: str, uris: Iterator[str], suffix: str) -> BlueskyPost:
    """Drop the label marks and turn each label into a link facet on this post's bytes."""
    text, links = "", []
    for part in regex.split(f"({LINK_OPEN}[^{LINK_CLOSE}]*{LINK_CLOSE})", chunk):
        if part.startswith(LINK_OPEN):
            start = len(text.encode())
            text += part[1:-1]
            links.append(LinkFacet(start, len(text.encode()), next(uris)))
        else:
            text += part
    return BlueskyPost(text + suffix, tuple(links))


def bluesky_one_post(lines: Sequence[Line]) -> BlueskyPost:
    """The lines as ONE post within 300 graphemes and 3000 bytes: as they are when they fit;
    else their values shortened with "…" (the largest cap that fits, quote marks kept), once
    the last optional lines are dropped if that is what keeps values of ONE_POST_VALUE_FLOOR
    clusters or more; at worst the first post of their thread."""
    kept = list(lines)
    fits = _Packer(BLUESKY_GRAPHEMES, BLUESKY_BYTES).fits
    fallback = ""
    while kept:
        text = _joined(kept, None)
        if fits(text):
            return _one(text, kept)
        values = [graphemes(s.text) for ln in kept for s in ln.segs if s.value and not s.href]
        low, high, best, best_cap = 1, max(values, default=0) - 1, "", 0
        while low <= high:  # the largest cap on every value with which the post fits
            cap = (low + high) // 2
            text = _joined(kept, cap)
            if fits(text):
                best, best_cap, low = text, cap, cap + 1
            else:
                high = cap - 1
        optional = [i for i, ln in enumerate(kept) if not ln.core]
        if best and (best_cap >= ONE_POST_VALUE_FLOOR or len(optional) <= 1):
            return _one(best, kept)
        if best and not fallback:
            fallback = best  # the fullest version, should dropping lines not help
            fallback_lines = list(kept)
        if not optional:
            break
        del kept[optional[-1]]
    if fallback:
        return _one(fallback, fallback_lines)
    thread = bluesky_thread(lines)
    first = thread[0] if thread else BlueskyPost("")
    return BlueskyPost(NUMBERING_RE.sub("", first.text), first.links)


ONE_POST_VALUE_FLOOR = 40  # clusters of a value a one-post reply keeps before losing a line


def _one(text: str, lines: Sequence[Line]) -> BlueskyPost:
    return _post(text, iter(s.href for ln in lines for s in ln.segs if s.href), "")


NUMBERING_RE = regex.compile(r" \(\d+/\d+\)$")


def _joined(lines: Sequence[Line], cap: int | None) -> str:
    if cap is None:
        return "\n".join(
            t for t in ("".join(_bluesky(s) for s in ln.segs).strip() for ln in lines) if t
        )
    return "\n".join(
        t for t in ("".join(_shortened(s, cap) for s in ln.segs).strip() for ln in lines) if t
    )
