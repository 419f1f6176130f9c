"""Compose: turn a verdict, its verified match and the discrepancies into each platform's reply.

One list of lines is built first (the verified wording, who said it, where and when, the source,
then one short line per change); Bluesky gets it as a thread of posts within 300 graphemes and
3000 bytes each, with a link facet for the source; Telegram gets it as escaped HTML within 4096
characters. A sentence that no verified source contains only ever appears behind the
`unsupported` phrase, never as a fact: the verified wording and every change line are kept whole
in one Bluesky post (their quoted values shortened with "…" inside the quote marks when the line
would not fit), so no post of a thread carries a claim without its framing. The lines themselves
(a template filled in with the match's values, one line per change) are `bot.reply_render`'s.
Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import (
    BlueskyPost,
    Discrepancy,
    Field,
    MatchInfo,
    Reply,
    Verdict,
)
from bot.reply_bluesky import bluesky_one_post, bluesky_thread, graphemes
from bot.reply_lines import (
    BLUESKY_BYTES,
    BLUESKY_GRAPHEMES,
    TELEGRAM_CHARS,
    VALUE_CAP,
    tidy,
)
from bot.reply_lines import Line as _Line
from bot.reply_lines import Seg as _Seg
from bot.reply_render import (
    change_lines,
    cut_at_word,
    human_date,
    line_values,
    link_label,
    render,
    render_line,
    verified_lines,
)
from bot.reply_telegram import telegram_html
from bot.reply_texts import ReplyTexts

_NOBODY = "the speakers I cover"  # {speakers} when neither config nor corpus names any


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
        lines.append(_Line(render(texts, "review", {}), "i", telegram_only=True))
    if verdict == "no_match" or match is None:
        speakers = {"speakers": tidy(texts.speakers).strip() or _NOBODY}
        lines.append(_Line(render(texts, "no_match", speakers)))
        values: dict[str, str | _Seg] = dict(speakers)
        lines += change_lines(texts, [d for d in discrepancies if d.field == "unsupported"], values)
    else:
        lines += verified_lines(texts, match, discrepancies)
    if cut:
        lines.append(_Line(render(texts, "cut", {})))
    if from_image:
        how = render_line(texts, f"from_image_{from_image}", {})
        lines.append(_Line(render(texts, "from_image", {"how": how})))
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
        lines.append(_Line(render(texts, "one_page", values)))
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
        lines = [_Line(render(texts, "no_match", speakers))]
        invented = [d for d in found if d.field == "unsupported"][:ONE_POST_CHANGES]
        lines += change_lines(texts, invented, dict(speakers))
    else:
        values = line_values(texts, match)
        ordered = sorted(found, key=lambda d: ONE_POST_ORDER.index(d.field))
        changes = change_lines(texts, ordered, values, match.date, ONE_POST_ORDER)
        head = "one_changed" if changes else "one_same"
        lines = [_Line(render(texts, head, values)), *changes[:ONE_POST_CHANGES]]
        if passage_cap:
            quoted = {**values, "quote": cut_at_word(match.quote, passage_cap)}
            lines.append(_Line(render(texts, "one_passage", quoted), core=False))
        if page:
            lines.append(_Line(render(texts, "one_page", {"page": _Seg(link_label(page), page)})))
        elif values["link"]:
            lines.append(_Line(render(texts, "source", values)))
    if cut:
        lines.append(_Line(render(texts, "cut", {})))
    if from_image:
        how = render_line(texts, f"from_image_{from_image}", {})
        lines.append(_Line(render(texts, "from_image", {"how": how})))
    return [ln for ln in lines if ln.text.strip()]
