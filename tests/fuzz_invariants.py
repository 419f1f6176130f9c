"""What every check's output must keep, whatever the post (issue 12): shared by the property
tests (tests/test_fuzz.py) and the fuzz benchmark (benchmarks/fuzz.py).

`violations(result, ...)` lists (kind, detail) pairs, empty when the result is sound:
- Bluesky: each post ≤ 300 graphemes and ≤ 3000 UTF-8 bytes, encodable, its link facets on its
  own bytes (UTF-8 boundaries) pointing to a corpus source, no private-use packing mark, its
  “ ” marks balanced, and every post that carries words of a claimed sentence (`unsupported`,
  `reworded`) also carries that line's framing phrase ("No verified source contains this
  sentence:"), so the bot never publishes the claim as its own words;
- Telegram: parses under the strict parser of the Bot API emulator (tests/telegram_html.py: every
  `<`, `>` and `&` of a post escaped, tags balanced), only bold, italic, blockquote and links to
  corpus sources, ≤ 4096 UTF-16 units;
- JSON: the `check --jsonl` contract object encodes as valid UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields

import regex
from telegram_html import ApiError, parse_html, u16

from bot.compose import ReplyTexts
from bot.domain import BlueskyPost, CheckResult, Corpus

Violation = tuple[str, str]

GRAPHEMES, BYTES, TELEGRAM = 300, 3000, 4096
PACKING_MARKS = ("\ue000", "\ue001")
TELEGRAM_ENTITIES = frozenset({"bold", "italic", "blockquote", "text_link"})
CLAIM_FIELDS = ("unsupported", "reworded", "contradicted")
GRAM = 4  # a run of this many words of a claim, found in a post, is the claim's text there
_NUMBERING = regex.compile(r" \(\d+/\d+\)$")
_WORD = regex.compile(r"[\p{L}\p{N}]+")


def corpus_sources(corpus: Corpus) -> frozenset[str]:
    return frozenset(s.url for e in corpus.events for s in e.sources)


def violations(result: CheckResult, texts: ReplyTexts, sources: frozenset[str]) -> list[Violation]:
    out = bluesky_violations(result, texts, sources)
    out += telegram_violations(result.reply.telegram, sources)
    try:
        json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, TypeError) as exc:
        out.append(("json_not_utf8", f"{type(exc).__name__}: {exc}"[:200]))
    return out


def bluesky_violations(
    result: CheckResult, texts: ReplyTexts, sources: frozenset[str]
) -> list[Violation]:
    out: list[Violation] = []
    posts = result.reply.bluesky
    if not posts:
        out.append(("bluesky_empty", "no post in the reply"))
    for n, post in enumerate(posts, 1):
        out += _one_post(n, post, sources)
    out += claim_framing(result, texts)
    return out


def _one_post(n: int, post: BlueskyPost, sources: frozenset[str]) -> list[Violation]:
    out: list[Violation] = []
    text = post.text
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return [("bluesky_unencodable", f"post {n}: {exc}"[:200])]
    count = len(regex.findall(r"\X", text))
    if count > GRAPHEMES:
        out.append(("bluesky_graphemes", f"post {n}: {count} graphemes"))
    if len(raw) > BYTES:
        out.append(("bluesky_bytes", f"post {n}: {len(raw)} bytes"))
    if any(m in text for m in PACKING_MARKS):
        out.append(("packing_mark", f"post {n}"))
    for link in post.links:
        if not 0 <= link.byte_start < link.byte_end <= len(raw):
            out.append(("facet_range", f"post {n}: {link.byte_start}..{link.byte_end}"))
            continue
        try:
            raw[link.byte_start : link.byte_end].decode("utf-8")
        except UnicodeDecodeError:
            out.append(("facet_boundary", f"post {n}: {link.byte_start}..{link.byte_end}"))
        if link.uri not in sources:
            out.append(("facet_uri", f"post {n}: {link.uri[:80]}"))
    depth = 0
    for ch in text:
        depth += (ch == "“") - (ch == "”")
        if depth < 0:
            break
    if depth != 0:
        out.append(("quotes_unbalanced", f"post {n}: {text[:120]!r}"))
    return out


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _grams(words: Sequence[str]) -> set[tuple[str, ...]]:
    if len(words) < GRAM:
        return {tuple(words)} if len(words) >= 3 else set()
    return {tuple(words[i : i + GRAM]) for i in range(len(words) - GRAM + 1)}


def _strings(value: object) -> list[str]:
    """Every string inside a JSON value (the match's fields, its list of sources)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# The template of each discrepancy field's line, where its name differs from the field's.
_TEMPLATE = {
    "venue": "venue_changed",
    "date": "date_changed",
    "speaker": "speaker_changed",
    "speaker_role": "role_changed",
}


def framing(texts: ReplyTexts, field: str) -> str:
    """The words a claim line puts right before the claim: its template's literal text between
    the last other placeholder (if any) and `{claimed}`."""
    template = getattr(texts, _TEMPLATE.get(field, field))
    head = template.split("{claimed}")[0] if "{claimed}" in template else ""
    head = regex.split(r"\{[^{}]*\}", head)[-1]  # the literal words right before the claim
    return " ".join(_words(head))


def claim_framing(result: CheckResult, texts: ReplyTexts) -> list[Violation]:
    """Each post carrying a run of words of a claimed sentence (words found nowhere else in the
    reply's own material: the verified quote and values, the templates) carries its framing."""
    claims = [d for d in result.discrepancies if d.field in CLAIM_FIELDS and d.claimed]
    if not claims:
        return []
    own: set[tuple[str, ...]] = set()
    material: list[str] = [str(getattr(texts, f.name)) for f in fields(texts)]
    if result.match is not None:
        material += _strings(result.match.to_json())
    material += [d.verified for d in result.discrepancies if d.verified]
    for m in material:
        own |= _grams(_words(m))
    # Every line that shows words of a claimed sentence is one of the bot's framed lines: it
    # carries the phrase of a line that shows a claimed value (the claim's own, or a venue or
    # speaker line whose value shares those words), never the words alone.
    shown = [d for d in result.discrepancies if d.claimed]
    claim_grams = [(d, _grams(_words(d.claimed or "")) - own) for d in claims]
    phrases = {p for d in shown if (p := framing(texts, d.field))}
    out: list[Violation] = []
    for n, post in enumerate(result.reply.bluesky, 1):
        for line in _NUMBERING.sub("", post.text).split("\n"):  # no run across two lines
            words = _words(line)
            grams = _grams(words)
            owners = [d for d, g in claim_grams if grams & g]
            joined = " " + " ".join(words) + " "
            if owners and not any(f" {p} " in joined for p in phrases):
                what = f"post {n} ({owners[0].field}): {post.text[:160]!r}"
                out.append(("claim_without_framing", what))
                break
    return out


def telegram_violations(markup: str, sources: frozenset[str]) -> list[Violation]:
    out: list[Violation] = []
    try:
        markup.encode("utf-8")
    except UnicodeEncodeError as exc:
        return [("telegram_unencodable", str(exc)[:200])]
    if u16(markup) > TELEGRAM:
        out.append(("telegram_length", f"{u16(markup)} UTF-16 units"))
    try:
        _, entities = parse_html(markup)
    except ApiError as exc:
        return [*out, ("telegram_html", exc.description[:200])]
    for e in entities:
        if e["type"] not in TELEGRAM_ENTITIES:
            out.append(("telegram_tag", e["type"]))
        elif e["type"] == "text_link" and e["url"] not in sources:
            out.append(("telegram_link", str(e["url"])[:80]))
    return out


def contract_line_violations(obj: object, number: int | None = None) -> list[Violation]:
    """One output object of `check_lines`: UTF-8 JSON; an error object is {id, error, line}."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, TypeError) as exc:
        return [("json_not_utf8", f"{type(exc).__name__}: {exc}"[:200])]
    if not isinstance(obj, dict):
        return [("jsonl_shape", f"not an object: {type(obj).__name__}")]
    if "error" in obj:
        if not {"id", "error", "line"} <= set(obj):
            return [("jsonl_shape", f"error object keys {sorted(obj)}")]
        if number is not None and obj["line"] != number:
            return [("jsonl_order", f"error for line {obj['line']} where {number} was expected")]
        return []
    if not {"id", "verdict", "reply"} <= set(obj):
        return [("jsonl_shape", f"result keys {sorted(obj)}")]
    return []


def kinds(found: Iterable[Violation]) -> set[str]:
    return {k for k, _ in found}
