"""The index's documents in columns (bot/docs.py): written to the cache, mapped back, and the
right text and row for every id; the candidates' vectors read by rows from the cached `.npy`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.docs import Doc, DocTable, RowFile

DOCS = [
    Doc("s1", "Yann LeCun said deep learning is hitting a wall."),
    Doc("s2", "Les réseaux de neurones n'ont pas de bon sens."),
    Doc("s3", "大型语言模型不会推理。"),
    Doc("s4", ""),
    Doc("émoji-🙂", "A text with an emoji 🙂 and a tab\tinside."),
    Doc("s1", "A second document under an id already used."),
]


def test_a_table_gives_back_every_document_and_finds_rows_by_id() -> None:
    """Ids and texts round-trip (non-ASCII, empty), a row is found by its id (the first of a
    repeated id), an unknown id is no row, and iteration and slices give the documents."""
    table = DocTable.of(DOCS)
    assert DOCS == list(table)
    assert len(DOCS) == len(table)
    assert DOCS[1:3] == table[1:3]
    assert DOCS[-1] == table[-1]
    assert [d.text for d in DOCS] == [table.text(i) for i in range(len(table))]
    assert 0 == table.row("s1")
    assert 4 == table.row("émoji-🙂")
    assert table.row("s9") is None
    assert [2, 0] == table.rows(["s3", "nope", "s1"]).tolist()
    with pytest.raises(KeyError):
        table.position("s9")
    with pytest.raises(IndexError):
        table[len(DOCS)]


def test_a_cached_table_is_written_once_and_mapped_back(tmp_path: Path) -> None:
    """The folder is written on first use; the second opening reads it (no rewrite) and gives
    the same documents, from memory-mapped columns, even when handed no documents at all."""
    folder = tmp_path / "docs-x"
    first = DocTable.cached(DOCS, folder)
    stamps = sorted((f.name, f.stat().st_mtime_ns) for f in folder.iterdir())
    again = DocTable.cached([], folder)
    assert stamps == sorted((f.name, f.stat().st_mtime_ns) for f in folder.iterdir())
    assert list(first) == list(again) == DOCS
    assert isinstance(again._texts, np.memmap)
    assert 3 == again.position("s4")
    assert not list(tmp_path.glob("*.tmp"))


def test_a_large_table_finds_every_id(tmp_path: Path) -> None:
    """Twenty thousand ids: every one maps to its own row and text through the sorted hashes."""
    docs = [Doc(f"id-{i}", f"sentence number {i}") for i in range(20_000)]
    table = DocTable.cached(docs, tmp_path / "docs-big")
    rows = np.random.default_rng(3).integers(0, len(docs), 500)
    for r in rows:
        assert int(r) == table.position(f"id-{r}")
        assert f"sentence number {r}" == table.text(int(r))


def test_row_file_reads_the_rows_asked_for(tmp_path: Path) -> None:
    """Rows by index array (unsorted, repeated, negative), by slice, and one row: the same as
    numpy's own reading of the file."""
    matrix = np.random.default_rng(1).normal(size=(1000, 24)).astype(np.float32)
    file = tmp_path / "v.npy"
    np.save(file, matrix)
    rows = RowFile(file)
    assert (1000, 24) == rows.shape
    at = np.array([999, 3, 3, 0, 517, -1])
    assert np.array_equal(matrix[at], rows[at])
    assert np.array_equal(matrix[10:200], rows[10:200])
    assert np.array_equal(matrix[::7], rows[::7])
    assert np.array_equal(matrix[42], rows[42])
    assert (0, 24) == rows[np.array([], dtype=np.intp)].shape
    with pytest.raises(IndexError):
        rows[np.array([1000])]
    np.save(tmp_path / "i.npy", np.arange(10))
    with pytest.raises(ValueError, match="float32"):
        RowFile(tmp_path / "i.npy")
