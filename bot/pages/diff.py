"""A word-level diff of the post's wording against the verified wording, for the check page.

The post's side is what it presents as a quote (its quoted spans; the whole prose when it quotes
nothing). Words are compared case- and punctuation-blind (difflib's SequenceMatcher on the
folded words), and each word of either side is marked: `same`; `changed` (a run replaced by
another run); `invented` (in the post, in no verified wording); `dropped` (verified, left out
by the post). Pure: no I/O."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.normalise import normalise
from bot.reply_lines import SENTENCE_BREAK

Mark = Literal["same", "changed", "invented", "dropped"]


@dataclass(frozen=True)
class Word:
    text: str
    mark: Mark


@dataclass(frozen=True)
class WordDiff:
    post: tuple[Word, ...]
    verified: tuple[Word, ...]

    def count(self, mark: Mark) -> int:
        return sum(1 for w in (*self.post, *self.verified) if w.mark == mark)


def runs(words: Sequence[Word]) -> list[Word]:
    """Consecutive words of one mark as one run (one highlight per run on the page)."""
    out: list[Word] = []
    for w in words:
        if out and out[-1].mark == w.mark:
            out[-1] = Word(f"{out[-1].text} {w.text}", w.mark)
        else:
            out.append(w)
    return out


def post_sentences(text: str) -> list[str]:
    """What the post presents as the quote, sentence by sentence: its quoted sentences, else
    every sentence of its prose."""
    post = normalise(text, detect=False)
    quoted = [s.text for s in post.segments if s.quoted]
    chosen = [" ".join(t.split()) for t in (quoted or [s.text for s in post.segments])]
    return [t for t in chosen if t] or [" ".join(post.prose.split())]


def post_wording(text: str) -> str:
    return " ".join(post_sentences(text))


def sentences(text: str) -> list[str]:
    return [t for t in SENTENCE_BREAK.split(text) if t.strip()]


def _fold(word: str) -> str:
    kept = "".join(c for c in word if not unicodedata.category(c).startswith(("P", "S")))
    return unicodedata.normalize("NFKC", kept).casefold() or word


def _whole(sentence: str, named: Sequence[str]) -> bool:
    key = " ".join(_fold(w) for w in sentence.split())
    return any(key and key in " ".join(_fold(w) for w in n.split()) for n in named)


def word_diff(
    post: Sequence[str],
    verified: Sequence[str],
    invented: Sequence[str] = (),
    dropped: Sequence[str] = (),
) -> WordDiff:
    """`post` and `verified` sentence by sentence. A post sentence found among `invented` (the
    check's unsupported claims) is invented whole, a verified one among `dropped` (the omitted
    sentences) dropped whole, in place; the other sentences are compared word by word."""
    left_all = [(s, _whole(s, invented)) for s in post]
    right_all = [(s, _whole(s, dropped)) for s in verified]
    left = [w for s, whole in left_all if not whole for w in s.split()]
    right = [w for s, whole in right_all if not whole for w in s.split()]
    diff = _words(left, right)
    return WordDiff(
        _merge(left_all, diff.post, "invented"), _merge(right_all, diff.verified, "dropped")
    )


def _merge(
    all_: Sequence[tuple[str, bool]], diffed: Sequence[Word], mark: Mark
) -> tuple[Word, ...]:
    out: list[Word] = []
    rest = iter(diffed)
    for sentence, whole in all_:
        words = sentence.split()
        out += [Word(w, mark) for w in words] if whole else [next(rest) for _ in words]
    return tuple(out)


def _words(left: Sequence[str], right: Sequence[str]) -> WordDiff:
    matcher = difflib.SequenceMatcher(
        None, [_fold(w) for w in left], [_fold(w) for w in right], autojunk=False
    )
    out_left: list[Word] = []
    out_right: list[Word] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out_left += [Word(w, "same") for w in left[i1:i2]]
            out_right += [Word(w, "same") for w in right[j1:j2]]
        elif op == "replace":
            out_left += [Word(w, "changed") for w in left[i1:i2]]
            out_right += [Word(w, "changed") for w in right[j1:j2]]
        elif op == "insert":
            out_right += [Word(w, "dropped") for w in right[j1:j2]]
        else:  # delete: words only the post has
            out_left += [Word(w, "invented") for w in left[i1:i2]]
    return WordDiff(tuple(out_left), tuple(out_right))
