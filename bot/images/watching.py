"""Pure: what the watchers may spend on images (issue 16). A watched post's alt text is always
read (it comes with the post); its pixels are fetched, hashed and looked up among the images
already read only when the post passes a cheap pre-filter (`Prefilter`); and OCR on the watcher
paths is rationed to `[images] watch_ocr_per_minute` images (`OcrBudget`). The firehose brings
hundreds of posts a second: without these bounds it would make the bot OCR the network.

Hashing is not free either: about 75 ms of CPU per image (decoding, straightening, trimming, the
pHash; benchmarks/watch_images.py), so it is behind the pre-filter too, not run on every image of
the stream. No I/O here."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.domain import Corpus
from bot.gate import Gate, corpus_terms
from bot.normalise import normalise

# Sources of few posts, whose images are always read: the configured searches (25 posts a
# query and a run at most) and a tracked post that went viral (rechecked before hand-over).
LOW_VOLUME = ("search:", "viral")


def prefilter_gate(corpus: Corpus) -> Gate:
    """A gate that admits on ONE match: a speaker's name or alias (any script, or a handle),
    one of the speakers' themes (corpus/speakers.toml) or an event's name or venue. Looser than
    the pipeline's gate (which wants two themes), because here it only decides whether an
    image is worth reading: the pipeline still judges the words."""
    aliases, concepts, exact = corpus_terms(corpus)
    return Gate(aliases, concepts, 1, exact)


@dataclass(frozen=True)
class Admission:
    admitted: bool
    reason: str  # "source:search:...", "author", "alias:LeCun", "phrases:china", "none"


class Prefilter:
    """Whether a watched post's images are worth fetching: it comes from a low-volume source,
    its author is watched (`[images] watch_authors`, DIDs), or its text or one of its images'
    alt texts names a speaker, a theme or an event. The gate is rebuilt when the corpus
    changes (its version)."""

    def __init__(self, corpus: Callable[[], Corpus], authors: Iterable[str] = ()) -> None:
        self.corpus, self.authors = corpus, frozenset(authors)
        self._gate: tuple[str, Gate] | None = None

    def gate(self) -> Gate:
        corpus = self.corpus()
        if self._gate is None or self._gate[0] != corpus.version:
            self._gate = (corpus.version, prefilter_gate(corpus))
        return self._gate[1]

    def admits(self, text: str, alts: Sequence[str], author: str, source: str) -> Admission:
        if source.startswith(LOW_VOLUME):
            return Admission(True, f"source:{source}")
        if author and author in self.authors:
            return Admission(True, "author")
        joined = "\n".join([text, *alts])
        decision = self.gate().admits(normalise(joined, detect=False))
        return Admission(decision.admitted, decision.reason)


class OcrBudget:
    """At most `per_minute` OCR runs in any 60 s (a sliding window); 0: none at all (the
    watchers then read alt text and copies already read only)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._spent: deque[float] = deque()

    def take(self) -> bool:
        """Spend one OCR run now if the window allows it."""
        now = self.clock()
        while self._spent and now - self._spent[0] >= 60.0:
            self._spent.popleft()
        if len(self._spent) >= self.per_minute:
            return False
        self._spent.append(now)
        return True
