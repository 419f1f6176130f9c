"""What every embedder returns and promises: L2-normalised float32 rows, so that a dot product
is a cosine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str  # identifies the model and its version: part of the index cache key

    def encode(self, texts: Sequence[str]) -> Matrix: ...


def normalised(vectors: Any) -> Matrix:
    """`vectors` as float32 rows of length 1 (a zero row stays zero)."""
    out = np.asarray(vectors, dtype=np.float32)
    if out.ndim == 1:
        out = out.reshape(1, -1)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Matrix = out / norms
    return result
