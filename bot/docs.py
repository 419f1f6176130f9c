"""An index's documents as columns, not a million Python objects: the ids and the texts are
UTF-8 bytes in one buffer each with the offsets where each ends, and the ids' 64-bit hashes in
sorted order find a row by id. Written once beside the embedding cache and memory-mapped from
it, so that a million-sentence corpus costs a few file pages per candidate, not ~400 MB of
`Doc` objects; a document is decoded when asked for (BENCHMARKS.md "Scale").

`RowFile` reads a cached `.npy` matrix a few rows at a time with `pread`: the candidates'
vectors are read for the exact score without mapping gigabytes into the process."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

_COLUMNS = ("ids", "id_ends", "texts", "text_ends", "keys", "order")


@dataclass(frozen=True)
class Doc:
    id: str
    text: str


def _key(doc_id: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(doc_id, digest_size=8).digest(), "little")


class DocTable(Sequence[Doc]):
    """The documents in columns; `table[i]` is a `Doc` made when asked for."""

    def __init__(self, columns: dict[str, npt.NDArray[Any]], files: Sequence[Path] = ()) -> None:
        self.files = list(files)  # the columns' files when they are mapped from a cache
        self._ids = columns["ids"]
        self._id_ends = columns["id_ends"]
        self._texts = columns["texts"]
        self._text_ends = columns["text_ends"]
        self._keys = columns["keys"]  # blake2b-64 of each id, sorted
        self._order = columns["order"]  # the row of each sorted key

    @classmethod
    def of(cls, docs: Iterable[Doc]) -> DocTable:
        """A table in memory (a corpus small enough, or one about to be written)."""
        return cls(_columns(docs))

    @classmethod
    def cached(cls, docs: Iterable[Doc], folder: Path) -> DocTable:
        """The table of `docs` mapped from `folder`, written there first (atomically) when it
        is missing. `folder` is named by a digest of the documents, so it never goes stale."""
        if not all((folder / f"{c}.npy").exists() for c in _COLUMNS):
            tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for name, column in _columns(docs).items():
                np.save(tmp / f"{name}.npy", column)
            shutil.rmtree(folder, ignore_errors=True)
            tmp.replace(folder)
        files = [folder / f"{c}.npy" for c in _COLUMNS]
        return cls(
            {c: np.load(f, mmap_mode="r") for c, f in zip(_COLUMNS, files, strict=True)}, files
        )

    def __len__(self) -> int:
        return len(self._id_ends)

    def _span(self, ends: npt.NDArray[Any], i: int) -> tuple[int, int]:
        return (int(ends[i - 1]) if i else 0), int(ends[i])

    def id(self, i: int) -> str:
        lo, hi = self._span(self._id_ends, i)
        return bytes(self._ids[lo:hi]).decode("utf-8")

    def text(self, i: int) -> str:
        lo, hi = self._span(self._text_ends, i)
        return bytes(self._texts[lo:hi]).decode("utf-8")

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return Doc(self.id(i), self.text(i))

    def __iter__(self) -> Iterator[Doc]:
        return (self[i] for i in range(len(self)))

    def row(self, doc_id: str) -> int | None:
        """The row of the document with this id (the first, if ids repeat), or None."""
        key = np.uint64(_key(doc_id.encode("utf-8")))
        at = int(np.searchsorted(self._keys, key, side="left"))
        while at < len(self._keys) and self._keys[at] == key:
            row = int(self._order[at])
            if self.id(row) == doc_id:
                return row
            at += 1
        return None

    def position(self, doc_id: str) -> int:
        """The row of the document with this id; KeyError when none has it."""
        row = self.row(doc_id)
        if row is None:
            raise KeyError(doc_id)
        return row

    def rows(self, doc_ids: Iterable[str]) -> npt.NDArray[np.intp]:
        """The rows of the ids found, in the order given (ids not held are left out)."""
        found = [self.row(d) for d in doc_ids]
        return np.array([r for r in found if r is not None], dtype=np.intp)


def _columns(docs: Iterable[Doc]) -> dict[str, npt.NDArray[Any]]:
    ids: list[bytes] = []
    texts: list[bytes] = []
    for d in docs:
        ids.append(d.id.encode("utf-8"))
        texts.append(d.text.encode("utf-8"))
    keys = np.fromiter((_key(i) for i in ids), dtype=np.uint64, count=len(ids))
    order = np.argsort(keys, kind="stable")
    out: dict[str, npt.NDArray[Any]] = {
        "ids": np.frombuffer(b"".join(ids), dtype=np.uint8),
        "id_ends": np.cumsum([len(i) for i in ids], dtype=np.int64),
        "texts": np.frombuffer(b"".join(texts), dtype=np.uint8),
        "text_ends": np.cumsum([len(t) for t in texts], dtype=np.int64),
        "keys": keys[order],
        "order": order.astype(np.int64),
    }
    return out


class RowFile:
    """A float32 `.npy` matrix on disk read by rows with `pread` (never mapped): `rows[at]` for
    an integer array or a slice is a (len(at), dim) float32 array."""

    def __init__(self, file: Path) -> None:
        with open(file, "rb") as f:
            fmt = np.lib.format
            version = fmt.read_magic(f)
            read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, fortran, dtype = read(f)
            self._start = f.tell()
        if fortran or np.dtype(dtype) != np.float32 or len(shape) != 2:
            raise ValueError(f"{file}: not a float32 matrix")
        self.file = file
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(np.float32)
        self._width = self.shape[1] * 4
        self._fd = os.open(file, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)

    def __getitem__(self, at: Any) -> npt.NDArray[np.float32]:
        if isinstance(at, slice):
            lo, hi, step = at.indices(len(self))
            if step != 1:
                return self[np.arange(lo, hi, step)]
            raw = os.pread(self._fd, max(0, hi - lo) * self._width, self._start + lo * self._width)
            return np.frombuffer(raw, dtype=np.float32).reshape(-1, self.shape[1]).copy()
        rows = np.asarray(at, dtype=np.int64)
        if rows.ndim == 0:
            one: npt.NDArray[np.float32] = self[int(rows) : int(rows) + 1][0]
            return one
        if rows.size and (rows.min() < -len(self) or rows.max() >= len(self)):
            raise IndexError("row out of range")
        rows = np.where(rows < 0, rows + len(self), rows)
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        flat = out.reshape(-1).view(np.uint8)
        width = self._width
        for k in np.argsort(rows, kind="stable"):  # in file order
            raw = os.pread(self._fd, width, self._start + int(rows[k]) * width)
            flat[k * width : (k + 1) * width] = np.frombuffer(raw, dtype=np.uint8)
        return out
