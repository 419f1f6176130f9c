"""Ranking (benchmarks/retrieval/rank.py): BM25, score scaling, fusion, top-k and cross-encoder
re-ranking. Pure numpy over small hand-made inputs; the pair scorer is a hand-written fake (no model
quality is being tested here: tests/test_onnx_models.py runs the real cross-encoder)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from benchmarks.retrieval.rank import BM25, Ranked, first_stage, fuse, rerank, scaled, terms, top_k
from bot.index import Doc, Index

DOCS = [
    "The weather in Paris was mild this spring.",
    "Meta released Llama models as open weights.",
    "Chinese open source models lead the LLM rankings.",
    "A recipe for bread with flour, water and salt.",
]


def test_terms_drop_stopwords_and_plural_s_and_keep_repeats() -> None:
    """BM25 counts repeated words, so they are kept; 'models' and 'model' are one term."""
    assert ["model", "model", "china", "class"] == terms("The models, a model: China's class")


def test_bm25_ranks_the_document_with_the_exact_rare_term_first() -> None:
    """A query sharing a rare word with one document ranks it first; a query with no known
    word scores zero everywhere; the shape is (queries, docs)."""
    bm25 = BM25(DOCS)
    scores = bm25.scores(["chinese LLM rankings", "bread recipe", "zebra quantum"])
    assert (3, 4) == scores.shape
    assert 2 == int(np.argmax(scores[0]))
    assert 3 == int(np.argmax(scores[1]))
    assert not scores[2].any()


def test_bm25_prefers_the_shorter_document_for_the_same_term_count() -> None:
    """Length normalisation: one mention in a short document outweighs one in a long one."""
    bm25 = BM25(["open weights", "open weights and many other unrelated words about cooking"])
    scores = bm25.scores(["weights"])[0]
    assert scores[0] > scores[1] > 0


def test_bm25_counts_a_repeated_query_word_once() -> None:
    """Scores of 'open open' equal those of 'open' (query words count once)."""
    bm25 = BM25(DOCS)
    assert np.array_equal(bm25.scores(["open"]), bm25.scores(["open open"]))


def test_scaled_puts_each_rows_best_at_one_and_leaves_empty_rows_at_zero() -> None:
    m = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    assert [[1.0, 0.5, 0.0], [0.0, 0.0, 0.0]] == scaled(m).tolist()


def test_fuse_is_the_weighted_sum_and_ignores_unweighted_parts() -> None:
    """Weights multiply each part; a part missing from the weights (or weighing 0) adds
    nothing; with no weighted part at all it refuses."""
    a = np.array([[1.0, 0.0]], dtype=np.float32)
    b = np.array([[0.0, 1.0]], dtype=np.float32)
    c = np.array([[5.0, 5.0]], dtype=np.float32)
    fused = fuse({"a": a, "b": b, "c": c}, {"a": 0.25, "b": 0.75, "c": 0.0})
    assert [[0.25, 0.75]] == fused.tolist()
    assert [[1.0, 0.0]] == fuse({"a": a, "b": b}, {"a": 1.0}).tolist()
    with pytest.raises(ValueError, match="no part has a weight"):
        fuse({"a": a}, {"b": 1.0})


def test_fusion_can_overturn_one_rankers_order() -> None:
    """Document 0 wins on BM25 alone, document 1 on the embedding alone; a heavier embedding
    weight makes 1 the fused winner, a heavier BM25 weight keeps 0."""
    bm25 = np.array([[1.0, 0.4]], dtype=np.float32)
    cos = np.array([[0.2, 0.9]], dtype=np.float32)
    assert [1, 0] == top_k(fuse({"bm25": bm25, "cos": cos}, {"bm25": 0.2, "cos": 1.0}), 2)[
        0
    ].tolist()
    assert [0, 1] == top_k(fuse({"bm25": bm25, "cos": cos}, {"bm25": 1.0, "cos": 0.2}), 2)[
        0
    ].tolist()


def test_top_k_returns_best_first_and_clips_k() -> None:
    s = np.array([[0.1, 0.9, 0.5, 0.7], [4.0, 3.0, 2.0, 1.0]], dtype=np.float32)
    assert [[1, 3], [0, 1]] == top_k(s, 2).tolist()
    assert [[1, 3, 2, 0], [0, 1, 2, 3]] == top_k(s, 10).tolist()
    ranked = first_stage(s, 3)
    assert [[1, 3, 2], [0, 1, 2]] == ranked.docs.tolist()
    assert np.array_equal(np.take_along_axis(s, ranked.docs, axis=1), ranked.scores)


class LengthScorer:
    """A fake cross-encoder: prefers shorter passages (a rule easy to check by hand)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def scores(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        self.seen += pairs
        return np.array([-len(p) for _, p in pairs], dtype=np.float32)


def test_rerank_reorders_only_the_top_depth_and_keeps_the_tail_below() -> None:
    """Depth 2 of 4 candidates: only the first two go to the scorer, in (query, passage)
    order; they swap when the scorer prefers the second; the two below keep their order and
    every score of the tail stays under the re-ranked head."""
    docs = [Doc(str(i), t) for i, t in enumerate(["a long passage here", "short", "x", "yy"])]
    index = Index(docs, {})
    first = Ranked(
        np.array([[0, 1, 2, 3]], dtype=np.intp), np.array([[0.9, 0.8, 0.7, 0.6]], np.float32)
    )
    scorer = LengthScorer()
    new, raw = rerank(index, ["q"], first, scorer, depth=2, prior_weight=0.0)
    assert [("q", "a long passage here"), ("q", "short")] == scorer.seen
    assert [[-19.0, -5.0]] == raw.tolist()
    assert [[1, 0, 2, 3]] == new.docs.tolist()
    assert list(new.scores[0]) == sorted(new.scores[0], reverse=True)


def test_rerank_prior_weight_can_keep_the_first_stage_order() -> None:
    """A large weight on the first-stage score outweighs the scorer's preference."""
    docs = [Doc("0", "a long passage here"), Doc("1", "short")]
    first = Ranked(np.array([[0, 1]], dtype=np.intp), np.array([[1.0, 0.0]], np.float32))
    new, _ = rerank(Index(docs, {}), ["q"], first, LengthScorer(), depth=2, prior_weight=100.0)
    assert [[0, 1]] == new.docs.tolist()
