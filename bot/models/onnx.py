"""onnxruntime and tokenizers, as every ONNX model here uses them (no torch, no network)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt


def session(path: Path, threads: int) -> Any:
    """An inference session on the CPU with `threads` intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # No busy-waiting between runs: spinning ORT threads starved USE's BLAS threads on the
    # 2 cores: on the labelled posts USE took 6.2 s instead of 0.2 s, and the check 11 s, not 3.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def tokenizer(path: Path, max_length: int) -> Any:
    """A `tokenizers` tokenizer that truncates to `max_length` tokens and pads a batch."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a password
    return tok


def arrays(encodings: Sequence[Any]) -> dict[str, npt.NDArray[np.int64]]:
    """A BERT model's three inputs for a batch of encodings."""
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
