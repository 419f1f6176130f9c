"""Ranking documents of an `Index` for many queries: BM25, embedding cosines, their fusion, and
re-ranking of the top few with a cross-encoder. Pure numpy/scipy over the index; the models are
passed in. Benchmark-only: scipy comes with the `bench` extra, not with the bot.

The retrieval benchmark (benchmarks/checkthat.py) ranks CheckThat!'s verified claims with it;
each step is a function so that every stage can be measured beside the one before.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import regex
from scipy import sparse

from bot.index import Index
from bot.lexical import STOPWORDS
from bot.models.vectors import Matrix

_TERM = regex.compile(r"[\p{L}\p{N}]+")


def terms(text: str) -> list[str]:
    """Lower-cased words, stopwords dropped, a plural -s removed (as `lexical.tokens` does),
    with repeats kept: BM25 counts them."""
    out = []
    for word in _TERM.findall(text.lower()):
        if word in STOPWORDS or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


class BM25:
    """Okapi BM25 as one sparse matrix: `scores(queries)` is one sparse product."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        docs = [Counter(terms(t)) for t in texts]
        self.vocab: dict[str, int] = {}
        for d in docs:
            for word in d:
                self.vocab.setdefault(word, len(self.vocab))
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if len(docs) else 1.0
        df = Counter(word for d in docs for word in d)
        n = len(docs)
        idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        rows, cols, vals = [], [], []
        for i, d in enumerate(docs):
            norm = k1 * (1 - b + b * lengths[i] / avg)
            for word, tf in d.items():
                rows.append(i)
                cols.append(self.vocab[word])
                vals.append(idf[word] * tf * (k1 + 1) / (tf + norm))
        shape = (n, len(self.vocab))
        self.weights = sparse.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)

    def scores(self, queries: Sequence[str]) -> Matrix:
        """(queries, docs) BM25 scores; a query word counts once."""
        rows, cols = [], []
        for i, q in enumerate(queries):
            for word in set(terms(q)):
                if word in self.vocab:
                    rows.append(i)
                    cols.append(self.vocab[word])
        shape = (len(queries), len(self.vocab))
        q = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
        out: Matrix = np.asarray((q @ self.weights.T).todense(), dtype=np.float32)
        return out


def scaled(scores: Matrix) -> Matrix:
    """Each row divided by its maximum (BM25 has no fixed scale; this puts the best at 1)."""
    top = scores.max(axis=1, keepdims=True)
    top[top <= 0] = 1.0
    out: Matrix = scores / top
    return out


def fuse(parts: Mapping[str, Matrix], weights: Mapping[str, float]) -> Matrix:
    """A weighted sum of score matrices of the same shape (names missing from `weights`
    weigh 0)."""
    total: Matrix | None = None
    for name, m in parts.items():
        w = weights.get(name, 0.0)
        if w:
            total = m * w if total is None else total + m * w
    if total is None:
        raise ValueError("fuse: no part has a weight")
    return total


def top_k(scores: Matrix, k: int) -> npt.NDArray[np.intp]:
    """The column indices of each row's k best scores, best first."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    best = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-best, axis=1, kind="stable")
    out: npt.NDArray[np.intp] = np.take_along_axis(part, order, axis=1)
    return out


class PairScorer(Protocol):
    def scores(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True)
class Ranked:
    """Per query, the candidate document indices (best first) and their final scores."""

    docs: npt.NDArray[np.intp]
    scores: npt.NDArray[np.float32]


def first_stage(scores: Matrix, k: int) -> Ranked:
    docs = top_k(scores, k)
    return Ranked(docs, np.take_along_axis(scores, docs, axis=1).astype(np.float32))


def rerank(
    index: Index,
    queries: Sequence[str],
    first: Ranked,
    scorer: PairScorer,
    depth: int,
    prior_weight: float,
) -> tuple[Ranked, npt.NDArray[np.float32]]:
    """Re-score the top `depth` candidates of each query with `scorer` (a cross-encoder), plus
    `prior_weight` times the first-stage score; candidates below `depth` keep their order,
    under the re-ranked ones. Returns the new ranking and the raw pair scores."""
    depth = min(depth, first.docs.shape[1])
    pairs = [
        (q, index.docs[int(d)].text)
        for q, row in zip(queries, first.docs, strict=True)
        for d in row[:depth]
    ]
    raw = scorer.scores(pairs).reshape(len(queries), depth)
    head = raw + prior_weight * first.scores[:, :depth]
    order = np.argsort(-head, axis=1, kind="stable")
    docs = first.docs.copy()
    docs[:, :depth] = np.take_along_axis(first.docs[:, :depth], order, axis=1)
    scores = first.scores.copy()
    lowest = np.take_along_axis(head, order, axis=1)
    scores[:, :depth] = lowest
    if first.docs.shape[1] > depth:  # keep the tail below every re-ranked candidate
        shift = lowest[:, -1:] - first.scores[:, depth : depth + 1] - 1.0
        scores[:, depth:] = first.scores[:, depth:] + shift
    return Ranked(docs, scores), raw.astype(np.float32)
