"""Reading a large corpus's cache files into the page cache in the background, so that the
first posts after a start do not wait on the disk.

Above `[model] ann_above` a post's candidates are read a few rows at a time from the cached
vectors (`bot/docs.py` `RowFile`), and the approximate index and the documents' columns are
memory-mapped: each row a post needs is one random read. On a cold start at 1M sentences
(3.8 GB of files) those reads made a post's index time 50/281 ms (p50/p99) against 13/47 ms
once the same rows were cached (BENCHMARKS.md "Scale", session 5). The live process
(`bot/runtime/checks.py`) starts a `Prefetch` of the files the index names (`Index.files`)
whenever it takes a checker: one thread reads them once, front to back; the kernel keeps them
in its page cache (shared, evictable, not the process's RSS). The bot serves meanwhile:
nothing waits for it. A one-shot `factbot check` does not read ahead.

`posix_fadvise(WILLNEED)` alone is not enough: this kernel reads ahead at most 8 MB a call and
does not say when it is done, so the files are read (into one reused buffer)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

CHUNK = 8 << 20


class Prefetch:
    """Read `files` into the page cache on a daemon thread; `done` is set when every file has
    been read (or has failed: a file that cannot be read is only logged) and `seconds` and
    `bytes` say what it took."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = [Path(f) for f in files]
        self.done = threading.Event()
        self.seconds = 0.0
        self.bytes = 0
        self._thread = threading.Thread(target=self._run, name="factbot-prefetch", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """True once every file has been read (within `timeout` seconds)."""
        return self.done.wait(timeout)

    def _run(self) -> None:
        start = time.perf_counter()
        buffer = bytearray(CHUNK)
        try:
            for file in self.files:
                try:
                    self.bytes += _read(file, buffer)
                except OSError as exc:
                    log.warning("prefetch: cannot read %s: %s", file, exc)
        finally:
            self.seconds = time.perf_counter() - start
            self.done.set()
        log.info(
            "prefetch: %.0f MB read into the page cache in %.1f s", self.bytes / 1e6, self.seconds
        )


def _read(file: Path, buffer: bytearray) -> int:
    fd = os.open(file, os.O_RDONLY)
    try:
        total = 0
        while True:
            got = os.preadv(fd, [buffer], total)
            if got <= 0:
                return total
            total += got
    finally:
        os.close(fd)
