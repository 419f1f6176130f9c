"""MiniLM on onnxruntime: the same vectors as sentence-transformers on torch, and no torch once
the export is cached."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from conftest import ROOT

from bot.config import Config
from bot.models.embed import MiniLMTorchEmbedder
from bot.models.minilm import onnx_file
from bot.models.vectors import Embedder
from bot.pipeline import Checker, corpus_docs


def test_onnx_vectors_match_sentence_transformers_on_every_corpus_sentence(
    checker: Checker, embedders: dict[str, Embedder]
) -> None:
    """Every verified and circulating sentence (and a text past the 256-token limit, which
    both must truncate alike) embeds to the torch pipeline's vector within cosine 0.999."""
    texts = [d.text for d in corpus_docs(checker.corpus)] + ["open source " * 300]
    onnx = embedders["minilm"].encode(texts)
    torch = MiniLMTorchEmbedder(threads=2, batch_size=32).encode(texts)
    assert (len(texts), 384) == onnx.shape == torch.shape
    cosines = np.sum(onnx * torch, axis=1)
    assert float(cosines.min()) >= 0.999
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_scores_above_an_unrelated_sentence(embedders: dict[str, Embedder]) -> None:
    """The quote's English paraphrase is closer to it than a same-shaped sentence on another
    topic; an empty batch gives an empty (0, 384) matrix."""
    minilm = embedders["minilm"]
    quote, para, other = minilm.encode(
        [
            "So the best open source models at the moment in the LLM world are all Chinese.",
            "Right now the top open-source LLMs all come from China.",
            "The best open source databases at the moment are all European.",
        ]
    )
    assert float(quote @ para) > float(quote @ other)
    assert (0, 384) == minilm.encode([]).shape


def test_a_cached_export_loads_without_importing_torch(
    config: Config, embedders: dict[str, Embedder]
) -> None:
    """Once the session's fixture has exported the model into the cache, a fresh process
    loads it from there, embeds, and never imports torch or sentence-transformers."""
    cache = config.model.cache_dir
    assert onnx_file(cache).exists()
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bot.models.embed import build_embedders\n"
        f"e = build_embedders(['minilm'], cache_dir=Path({str(cache)!r}))['minilm']\n"
        "assert e.encode(['hello there']).shape == (1, 384)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'sentence_transformers', 'transformers')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "[]" == out.stdout.strip()
