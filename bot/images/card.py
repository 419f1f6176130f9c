"""Pure: an image's text (its alt text or what OCR read) split into the quote and the line that
attributes it, and the post the pipeline checks: the post's own words (the context: "at Davos")
above the image's quote, attributed as the image attributes it. No I/O.

Two layouts are told apart: a quote card (the quote, then a line "— Name", or a short last line
that is a name) and a screenshot of a post (a line with "@handle", whose text is a post in its
own right and is checked as it is written)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import regex

from bot.domain import ImageSource, ImageText, Post

_DASH = regex.compile(r"^\s*[—–―~-]{1,2}\s*(?P<who>\S.{0,80})$")
_HANDLE = regex.compile(r"@[\w-]+(?:\.[\w-]+)+|@\w{2,}")
_COUNTER = regex.compile(r"[\d.,]+[KkMm]?|\W+|\w")  # "12", "1.2K", "◯", "O": an action bar
_CJK_GAP = regex.compile(r"(?<=[\p{Han}\p{P}]) +(?=\p{Han})|(?<=\p{Han}) +(?=[\p{Han}\p{P}])")
_OUTER = regex.compile(r"^[\s\"“”«»„「」『』'‘’]+|[\s\"“”«»„「」『』'‘’]+$")
_CJK = regex.compile(r"\p{Han}")
_SENTENCE_END = regex.compile(r"[.!?。！？…]\s*[\"”»」']?\s*$")
_WORD = regex.compile(r"[\p{L}\p{N}]+")


def _words(text: str) -> int:
    return max(len(_WORD.findall(text)), len(_CJK.findall(text)) // 2)


def _join(lines: Sequence[str]) -> str:
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith("-") and not out.endswith(" -"):
            out = out[:-1] + line  # a word hyphenated at the line's end
        elif _CJK.search(out[-1:]) and _CJK.search(line[:1]):
            out += line  # Chinese has no spaces between lines
        else:
            out += " " + line
    return " ".join(out.split())


def _is_ui(line: str) -> bool:
    """A line of counters and icons (a screenshot's action bar: "◯ 12  ◯ 1.2K"), or of
    symbols only."""
    return all(_COUNTER.fullmatch(token) for token in line.split())


def _is_name(line: str) -> bool:
    """A short line without sentence punctuation: "Yann LeCun", "Yann LeCun, Davos 2026"."""
    return 0 < _words(line) <= 7 and not _SENTENCE_END.search(line) and len(line) <= 60


def split_text(text: str, source: ImageSource, image_hash: str = "") -> ImageText:
    """The image's quote and attribution. A screenshot's post text is its `quote` with the
    display name as `attribution`; text with too few words to be a quote gives an empty quote
    (the image is then no quote at all, and the post is checked on its own words)."""
    lines = [_CJK_GAP.sub("", ln.strip()) for ln in text.replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln and not _is_ui(ln)]
    layout, attribution = "card", ""
    handle_at = next((i for i, ln in enumerate(lines[:4]) if _HANDLE.search(ln)), None)
    if handle_at is not None:  # a screenshot: name, @handle · date, then the post
        layout = "screenshot"
        head = lines[: handle_at + 1]
        name = _HANDLE.split(head[-1])[0].strip(" ·•|")
        attribution = name or (head[0] if len(head) > 1 else "")
        body = lines[handle_at + 1 :]
    else:
        body = lines
        for i in range(len(body) - 1, -1, -1):
            m = _DASH.match(body[i])
            if m and i > 0:
                attribution = m["who"].strip()
                body = body[:i] + body[i + 1 :]
                break
        else:
            if len(body) >= 2 and _is_name(body[-1]):
                attribution, body = body[-1], body[:-1]
    quote = _join(body)
    if layout == "card":
        quote = _OUTER.sub("", quote)
    if _words(quote) < 4:
        quote, layout = "", "none"
    return ImageText(
        source=source,
        text=text.strip(),
        quote=quote,
        attribution=attribution,
        layout=layout,  # type: ignore[arg-type]
        hash=image_hash,
    )


def checked_text(context: str, images: Sequence[ImageText]) -> str:
    """What the pipeline checks: the post's own words, then each image's quote, in quote marks
    after the name the image gives (a screenshot's post text as written)."""
    parts = [context.strip()] if context.strip() else []
    for image in images:
        if not image.quote:
            continue
        if image.layout == "screenshot":
            parts.append(image.quote)
        elif image.attribution:
            parts.append(f"{image.attribution}: “{image.quote}”")
        else:
            parts.append(f"“{image.quote}”")
    return "\n".join(parts)


def with_images(post: Post, images: Sequence[ImageText]) -> Post:
    """The post to check: its text with its images' quotes; `image` names the first image
    whose words were used (the reply says the words came from an image). A post whose images
    hold no quote is returned as it was."""
    used = [i for i in images if i.quote]
    if not used:
        return post
    return dataclasses.replace(post, text=checked_text(post.text, used), image=used[0])
