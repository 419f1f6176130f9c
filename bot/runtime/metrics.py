"""Prometheus figures for /metrics, in a registry of their own (tests get a fresh one each).

The pipeline's figures are counted as checks finish (`observe`). The adapters keep plain
counters of their own (posts written, retries, failures); they are read at scrape time through
`count_replies` / `count_errors`, so the adapters never import prometheus."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.domain import CheckResult

Reading = Callable[[], float]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.seen = Counter("factbot_posts_seen", "Posts that entered the pipeline", registry=r)
        self.gated = Counter(
            "factbot_posts_gated", "Posts the gate turned away before the models", registry=r
        )
        self.checked = Counter(
            "factbot_posts_checked", "Posts the models scored (past the gate)", registry=r
        )
        self.matched = Counter("factbot_posts_matched", "Checks with verdict match", registry=r)
        self.review = Counter("factbot_posts_review", "Checks with verdict review", registry=r)
        self.latency = Histogram(
            "factbot_check_seconds",
            "Time of one call of the pipeline (one batch of posts)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.job_errors: Tally[str] = Tally()
        self._adapters = _Adapters()
        r.register(self._adapters)

    def observe(self, results: Sequence[CheckResult], seconds: float) -> None:
        self.latency.observe(seconds)
        self.seen.inc(len(results))
        for r in results:
            (self.checked if r.admitted else self.gated).inc()
            if r.verdict == "match":
                self.matched.inc()
            elif r.verdict == "review":
                self.review.inc()

    def job_failed(self, job: str) -> None:
        if job not in self.job_errors:
            self.count_errors(f"job:{job}", lambda: self.job_errors[job])
        self.job_errors[job] += 1

    def count_replies(self, platform: str, reading: Reading) -> None:
        self._adapters.replies[platform] = reading

    def count_errors(self, kind: str, reading: Reading) -> None:
        self._adapters.errors[kind] = reading

    def count_labels(self, event: str, reading: Reading) -> None:
        """Labels `event` ("applied", "negated", "failed") by the labeler."""
        self._adapters.labels[event] = reading

    def count_images(self, source: str, reading: Reading) -> None:
        """Images read by `source` ("alt", "ocr", "seen": a copy already read) or "refused"."""
        self._adapters.images[source] = reading

    def render(self) -> bytes:
        """The Prometheus text exposition format."""
        return generate_latest(self.registry)


class _Adapters(Collector):
    def __init__(self) -> None:
        self.replies: dict[str, Reading] = {}
        self.errors: dict[str, Reading] = {}
        self.labels: dict[str, Reading] = {}
        self.images: dict[str, Reading] = {}

    def collect(self) -> Iterator[Metric]:
        families = (
            ("factbot_replies_sent", "Messages written to a platform", "platform", self.replies),
            (
                "factbot_errors",
                "Errors: failed calls and retries by the adapters, failed jobs",
                "kind",
                self.errors,
            ),
            (
                "factbot_labels",
                "Bluesky label events by the labeler: applied, negated (withdrawn), failed "
                "(Ozone refused or did not answer; retried)",
                "event",
                self.labels,
            ),
            (
                "factbot_images_read",
                "Images read, by where the text came from (alt text, OCR, seen: a "
                "near-duplicate of an image already read), and images refused (too big, "
                "corrupt, hostile)",
                "source",
                self.images,
            ),
        )
        for name, documentation, label, readings in families:
            family = CounterMetricFamily(name, documentation, labels=[label])
            for value, reading in sorted(readings.items()):
                family.add_metric([value], reading())
            yield family
