"""The work one post can cause: normalisation and a whole check on growing hostile inputs,
beside the algorithms before the audit's F5 fix, measured in the same run.

    .venv/bin/python benchmarks/bounds.py            # the audit's sizes (the baseline: minutes)
    .venv/bin/python benchmarks/bounds.py --quick    # smaller sizes

- normalise: `bot.normalise.normalise` now (entity spans and quote skips looked up by
  bisection) vs the same function with the old quadratic `entities` / `single_spans` (copied
  below, unchanged) patched in;
- check: `Checker.check` now (the text cut to `[match] max_chars`, at most `max_segments`
  sentences embedded) vs the same checker with no bound and the old normalisation.
Inputs: ZWJ family emoji, `"a" 'b'` quote pairs, and prose repeating a LeCun sentence.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import emoji  # noqa: E402

from bot import entities as ents  # noqa: E402
from bot import normalise as norm  # noqa: E402
from bot import quote_spans as quotes  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.domain import Post  # noqa: E402
from bot.pipeline import build_checker  # noqa: E402

FAMILY = "👨\u200d👩\u200d👧\u200d👦"
PROSE = "Yann LeCun said the best open source models are Chinese. "


# --- the old algorithms (bot/entities.py, bot/quote_spans.py before the fix), the baseline -----


def old_entities(text: str) -> tuple[list[tuple[int, int]], list[str], list[str], list[str]]:
    spans: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return end > start and all(end <= s or start >= e for s, e in spans)

    found: list[list[str]] = [[], [], []]
    for kind, pattern in enumerate((ents.URL, ents.HANDLE, ents.HASHTAG)):
        for m in pattern.finditer(text):
            end = m.start() + (ents.url_end(m.group()) if pattern is ents.URL else len(m.group()))
            if free(m.start(), end):
                spans.append((m.start(), end))
                found[kind].append(text[m.start() : end])
    for e in emoji.emoji_list(text) if ents.emoji_start().search(text) else ():
        if free(e["match_start"], e["match_end"]):
            spans.append((e["match_start"], e["match_end"]))
    return sorted(spans), found[0], found[1], found[2]


def old_single_spans(prose: str, skip: list[tuple[int, int]]) -> list[tuple[int, int]]:
    newlines = [i for i, ch in enumerate(prose) if ch == "\n"]
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    weak: int | None = None

    def close(at: int) -> None:
        nonlocal open_at, weak
        if open_at is not None:
            spans.append((open_at, at + 1))
        open_at, weak = None, None

    import bisect

    for i, ch in enumerate(prose):
        if ch != "'" or any(s <= i < e for s, e in skip):
            continue
        prev = prose[i - 1] if i else " "
        after = prose[i + 1] if i + 1 < len(prose) else ""
        if open_at is not None and bisect.bisect(newlines, open_at) != bisect.bisect(newlines, i):
            if weak is not None:
                close(weak)
            open_at, weak = None, None
        opener = (
            bool(quotes.OPENING_CONTEXT.match(prev))
            and after != ""
            and not after.isspace()
            and after != "'"
            and not quotes.ELISION.match(prose, i)
        )
        closer = not prev.isspace() and (after == "" or after.isspace() or quotes.is_punct(after))
        if open_at is None:
            if opener:
                open_at = i
        elif closer:
            j = i + 1
            while j < len(prose) and prose[j] == " ":
                j += 1
            if after == " " and j < len(prose) and prose[j].islower():
                weak = i if weak is None else weak
            else:
                close(i)
        elif opener and weak is not None:
            close(weak)
            open_at = i
    if weak is not None:
        close(weak)
    return spans


@contextmanager
def old_normalise() -> Iterator[None]:
    saved = norm.entities, quotes.single_spans
    norm.entities, quotes.single_spans = old_entities, old_single_spans  # type: ignore[assignment]
    try:
        yield
    finally:
        norm.entities, quotes.single_spans = saved


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    args = parser.parse_args()
    emoji_counts = (250, 500, 1000) if args.quick else (1000, 2000, 4000)
    pair_counts = (500, 1000, 2000) if args.quick else (1000, 2000, 4000)
    prose_kb = (5, 10, 20) if args.quick else (10, 40, 120)

    inputs = [(f"{n} ZWJ emoji", "Yann LeCun " + FAMILY * n) for n in emoji_counts]
    inputs += [(f"{n} \"a\" 'b' pairs", "LeCun: " + "\"a\" 'b' " * n) for n in pair_counts]
    inputs += [
        (f"{kb} KB prose", (PROSE * (kb * 1024 // len(PROSE) + 1))[: kb * 1024]) for kb in prose_kb
    ]

    norm.normalise("warm up 👍 'a'", None, detect=False)
    print("normalise (s)")
    print(f"{'input':<24}{'chars':>8}{'now':>10}{'before':>10}")
    for name, text in inputs:
        now = timed(lambda text=text: norm.normalise(text, None, detect=False))
        with old_normalise():
            before = timed(lambda text=text: norm.normalise(text, None, detect=False))
        print(f"{name:<24}{len(text):>8}{now:>10.3f}{before:>10.3f}")

    config = Config()
    bounded = build_checker(config)
    unbounded_match = dataclasses.replace(config.match, max_chars=10**9, max_segments=10**9)
    unbounded = dataclasses.replace(
        bounded, config=dataclasses.replace(config, match=unbounded_match)
    )
    bounded.check(Post("warm", PROSE))
    print(
        f"\ncheck (s): now = [match] max_chars {config.match.max_chars}, max_segments "
        f"{config.match.max_segments}; before = no bound and the old normalisation"
    )
    print(f"{'input':<24}{'chars':>8}{'now':>10}{'before':>10}")
    for name, text in inputs:
        post = Post("p", text)
        now = timed(lambda post=post: bounded.check(post))
        with old_normalise():
            before = timed(lambda post=post: unbounded.check(post))
        print(f"{name:<24}{len(text):>8}{now:>10.3f}{before:>10.3f}")


if __name__ == "__main__":
    main()
