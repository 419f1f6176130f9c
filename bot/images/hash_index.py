"""Pure: the perceptual hashes already read, in memory, for `SeenImages.near`. Every hash is a
row of four 64-bit words; a lookup XORs the hash asked about with all rows at once and counts
the bits (numpy's `bitwise_count`): exact at any `hash_distance`, about a millisecond for
100,000 hashes, where reading and comparing every row from SQLite took the better part of a
second (benchmarks/images_index.py, which also measures multi-index hashing: with 56 bits of
256 allowed, a band index probes hundreds of values per band and still admits a sixth of the
rows as candidates). No I/O: the store feeds it the rows it adds and drops."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import regex

WORDS = 4  # 256 bits
HEX_DIGITS = 16 * WORDS
_HEX = regex.compile(r"[0-9a-fA-F]+")


def words(image_hash: str) -> np.ndarray:
    """A 64-hex-digit hash as four uint64 words; ValueError when it is not one."""
    if len(image_hash) != HEX_DIGITS or not _HEX.fullmatch(image_hash):
        raise ValueError(f"not a 256-bit hash: {image_hash[:80]!r}")
    return np.frombuffer(bytes.fromhex(image_hash), dtype=">u8").astype(np.uint64)


class HashIndex:
    """Row ids and their hashes; ids only grow (SQLite's rowid), so `last_id` says which rows
    of the table are in already."""

    def __init__(self) -> None:
        self._ids = np.zeros(0, dtype=np.int64)
        self._words = np.zeros((0, WORDS), dtype=np.uint64)
        self._n = 0
        self.last_id = 0

    def __len__(self) -> int:
        return self._n

    def add(self, rows: Iterable[tuple[int, str]]) -> None:
        """Rows (id, hash) with ids above `last_id`, in id order; a malformed hash is left out."""
        ids, hexes = [], []
        for row_id, image_hash in rows:
            self.last_id = max(self.last_id, row_id)
            if len(image_hash) == HEX_DIGITS and _HEX.fullmatch(image_hash):
                ids.append(row_id)
                hexes.append(image_hash)
        if not ids:
            return
        block = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=">u8").reshape(-1, WORDS)
        need = self._n + len(ids)
        if need > len(self._ids):  # grow by doubling: adding one row is not a copy of all
            cap = max(need, 2 * len(self._ids), 1024)
            grown_ids = np.zeros(cap, dtype=np.int64)
            grown = np.zeros((cap, WORDS), dtype=np.uint64)
            grown_ids[: self._n], grown[: self._n] = self._ids[: self._n], self._words[: self._n]
            self._ids, self._words = grown_ids, grown
        self._ids[self._n : need] = ids
        self._words[self._n : need] = block.astype(np.uint64)
        self._n = need

    def drop(self, ids: Iterable[int]) -> None:
        """Forget these rows (deleted from the table)."""
        gone = np.fromiter(ids, dtype=np.int64)
        keep = ~np.isin(self._ids[: self._n], gone)
        self._keep(keep)

    def drop_below(self, first_id: int) -> None:
        """Forget the rows before `first_id` (the oldest, pruned by retention)."""
        if self._n and self._ids[0] < first_id:
            self._keep(self._ids[: self._n] >= first_id)

    def _keep(self, keep: np.ndarray) -> None:
        n = int(keep.sum())
        self._ids[:n] = self._ids[: self._n][keep]
        self._words[:n] = self._words[: self._n][keep]
        self._n = n

    def within(self, image_hash: str, max_distance: int) -> list[tuple[int, int]]:
        """(id, distance) of every row within `max_distance` bits, closest first (then by id)."""
        if not self._n:
            return []
        query = words(image_hash)
        dist = np.bitwise_count(self._words[: self._n] ^ query).sum(axis=1, dtype=np.int64)
        hit = np.nonzero(dist <= max_distance)[0]
        found = sorted(zip(dist[hit].tolist(), self._ids[hit].tolist(), strict=True))
        return [(i, d) for d, i in found]
