"""An approximate nearest-neighbour index over the documents' vectors of every model side by
side: USearch's HNSW graph of 8-bit quantised vectors by inner product, persisted beside the
embedding cache and memory-mapped from it.

A query is every model's query vector times that model's weight, side by side (zeros for a
model left out), so its inner product with a document is the weighted sum of the models'
cosines: the bot's own combined score, one index for every language. Below `[model] ann_above`
documents the corpus is searched exactly (`Index.cosines`); above it this index proposes
candidates that the caller then scores with the cached float32 vectors, so a score is always
the exact cosine. BENCHMARKS.md "Scale"
has the measurements behind the choice of library (USearch answered ten times faster than
FAISS's IVF-SQ8 at the same recall, for a slower build) and of the parameters.

The file is named by the same digest as the embedding cache (corpus key, ids, texts, model)
plus the index parameters, so a changed corpus gets a new file. Beside it, a small JSON seal
written after it names the vectors it was built from and the file's own size and modification
time. On opening, the seal must match the file and the cached vectors, the file must hold as
many vectors as there are documents, of the same width, and a sample of the cached vectors must
each find itself in it; otherwise it is built again. A stale or foreign file never serves."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.embed import Matrix

log = logging.getLogger(__name__)

# Measured in benchmarks/scale.py (BENCHMARKS.md "Scale").
DTYPE = "i8"
CONNECTIVITY = 16
EXPANSION_ADD = 64
EXPANSION_SEARCH = 256
_SAMPLE = 16  # cached vectors that must find themselves when a file is opened


def ann_file(npys: Sequence[Path]) -> Path:
    """Where the index of the cached vectors `npys` lives (same digests, index parameters)."""
    stems = "+".join(p.stem for p in npys)
    return npys[0].with_name(f"{stems}.{DTYPE}-m{CONNECTIVITY}-e{EXPANSION_ADD}.usearch")


class Joined:
    """Several (rows, dim) matrices with the same rows, read side by side a slice at a time:
    the memory-mapped caches are never copied whole."""

    def __init__(self, parts: Sequence[Matrix]) -> None:
        self.parts = list(parts)
        self.shape = (len(parts[0]), sum(p.shape[1] for p in parts))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Any) -> Matrix:
        out: Matrix = np.hstack([np.asarray(p[rows], dtype=np.float32) for p in self.parts])
        return out


class AnnIndex:
    def __init__(self, index: Any) -> None:
        self._index = index
        self.size = len(index)

    @classmethod
    def open(
        cls, vectors: Joined, file: Path | None, threads: int = 2, source: str = ""
    ) -> AnnIndex:
        """The index of `vectors` from `file` (memory-mapped) when it is valid for them, else
        built (with `threads`) and saved to `file` atomically. `file` None: in memory only.
        `source` names the cached vectors (the seal records it)."""
        if file is not None and file.exists() and _sealed(file, vectors, source):
            found = cls._mapped(file, vectors)
            if found is not None:
                return found
            log.warning("ann: %s does not hold the cached vectors: building it again", file)
        start = time.perf_counter()
        index = _build(vectors, threads)
        log.info("ann: %d vectors indexed in %.1f s", len(vectors), time.perf_counter() - start)
        if file is None:
            return cls(index)
        tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        index.save(str(tmp))
        tmp.replace(file)
        _seal(file, vectors, source)
        del index
        found = cls._mapped(file, vectors)
        if found is None:  # pragma: no cover - the file just written does not read back
            raise RuntimeError(f"ann: {file} does not read back")
        return found

    @classmethod
    def _mapped(cls, file: Path, vectors: Joined) -> AnnIndex | None:
        from usearch.index import Index as USearch

        index: Any
        try:
            index = USearch.restore(str(file), view=True)
        except (RuntimeError, ValueError, OSError) as exc:  # a truncated or foreign file
            log.warning("ann: cannot read %s: %s", file, exc)
            return None
        if index is None or len(index) != len(vectors) or index.ndim != vectors.shape[1]:
            return None
        index.expansion_search = EXPANSION_SEARCH
        found = cls(index)
        rows = np.unique(np.linspace(0, len(vectors) - 1, min(_SAMPLE, len(vectors))))
        rows = rows.astype(np.intp)
        sample = np.ascontiguousarray(vectors[rows], dtype=np.float32)
        keys = found.search(sample, 8)
        # A graph may miss a vector now and then (1 in 16 at 1M); a file built from other
        # vectors finds almost none of them.
        if sum(row in got for row, got in zip(rows, keys, strict=True)) < len(rows) * 3 / 4:
            return None
        log.info("ann: %d vectors mapped from %s", found.size, file)
        return found

    def search(self, queries: Matrix, count: int) -> npt.NDArray[np.intp]:
        """The `count` document rows of each query with the highest inner product, highest
        first; -1 pads a row when fewer are found."""
        out = np.full((len(queries), count), -1, dtype=np.intp)
        if len(queries) == 0:
            return out
        found = self._index.search(
            np.ascontiguousarray(queries, dtype=np.float32), min(count, self.size), threads=1
        )
        if len(queries) == 1 and not hasattr(found, "counts"):  # one query: one `Matches`
            out[0, : len(found.keys)] = found.keys
            return out
        for i, n in enumerate(found.counts):
            out[i, :n] = found.keys[i, :n]
        return out


def _facts(file: Path, vectors: Joined, source: str) -> dict[str, Any]:
    stat = file.stat()
    return {
        "source": source,
        "vectors": len(vectors),
        "dim": int(vectors.shape[1]),
        "bytes": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def _seal_file(file: Path) -> Path:
    return file.with_name(file.name + ".json")


def _seal(file: Path, vectors: Joined, source: str) -> None:
    seal = _seal_file(file)
    tmp = seal.with_name(f"{seal.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_facts(file, vectors, source)), encoding="utf-8")
    tmp.replace(seal)


def _sealed(file: Path, vectors: Joined, source: str) -> bool:
    """True when the seal beside `file` describes this very file, built from these vectors."""
    try:
        found = json.loads(_seal_file(file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(found == _facts(file, vectors, source))


def _build(vectors: Joined, threads: int) -> Any:
    """The graph by inner product, vectors added a slice at a time with `threads`."""
    from usearch.index import Index as USearch

    index = USearch(
        ndim=vectors.shape[1],
        metric="ip",
        dtype=DTYPE,
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )
    step = 65536
    for lo in range(0, len(vectors), step):
        chunk = np.ascontiguousarray(vectors[lo : lo + step], dtype=np.float32)
        keys = np.arange(lo, lo + len(chunk), dtype=np.uint64)
        index.add(keys, chunk, threads=max(1, threads))
    return index
