"""Corpus reload: a job looks at the corpus files (name, size, modification time) and, when
they changed, validates them and builds a new checker with the models already loaded. A corpus
with problems is refused: the old checker stays, the problems are logged and sent to the
operators (once per version of the files), who are told file names within the corpus folder,
never the server's paths. After a reload, `reloaded` runs: the runtime offers the operators the
corrections the new corpus calls for."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.config import Config
from bot.corpus import validate_corpus
from bot.pipeline import build_checker
from bot.runtime.checks import LiveChecks

log = logging.getLogger(__name__)
Alert = Callable[[str, str], Awaitable[object]]
Reloaded = Callable[[], Awaitable[object]]
Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(directory: Path) -> Fingerprint:
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return tuple(
        (str(p.relative_to(directory)), p.stat().st_mtime_ns, p.stat().st_size) for p in files
    )


class CorpusReloader:
    def __init__(
        self,
        config: Config,
        live: LiveChecks,
        alert: Alert | None = None,
        reloaded: Reloaded | None = None,
    ) -> None:
        self.config, self.live, self.alert = config, live, alert
        self.reloaded = reloaded  # called after a new corpus is loaded (corrections offered)
        self.directory = config.corpus.path
        self.seen = fingerprint(self.directory)
        self.reloads = self.refusals = 0

    def _within(self, text: str) -> str:
        for folder in {str(self.directory), str(self.directory.resolve())}:
            text = text.replace(folder.rstrip("/") + "/", "").replace(folder, "the corpus")
        return text

    async def check_once(self) -> str:
        """What happened: "unchanged", "reloaded" or "refused"."""
        now = await asyncio.to_thread(fingerprint, self.directory)
        if now == self.seen:
            return "unchanged"
        self.seen = now
        problems = await asyncio.to_thread(validate_corpus, self.directory)
        if problems:
            self.refusals += 1
            listed = "\n".join(str(p) for p in problems[:20])
            more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
            log.error(
                "corpus reload refused, the loaded corpus %s stays:\n%s%s",
                self.live.corpus.version[:12],
                listed,
                more,
            )
            if self.alert is not None:
                key = hashlib.sha256(repr(now).encode()).hexdigest()[:16]
                # The chat hears file names within the corpus, never the server's paths.
                within = "\n".join(self._within(str(p)) for p in problems[:20])
                text = (
                    "The edited corpus was refused; the loaded one "
                    f"({self.live.corpus.version[:12]}) stays until it is fixed:\n{within}{more}"
                )
                await self.alert(f"corpus:{key}", text)
            return "refused"
        embedders = self.live.checker.matcher.embedders
        checker = await asyncio.to_thread(build_checker, self.config, embedders)
        old = self.live.corpus.version
        self.live.swap(checker)
        self.reloads += 1
        log.info("corpus reloaded: %s -> %s", old[:12], checker.corpus.version[:12])
        if self.reloaded is not None:
            await self.reloaded()
        return "reloaded"
