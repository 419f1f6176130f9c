"""Typed, frozen configuration loaded from TOML in `main()`.

Every key has a default, so `factbot` runs with no config file at all (the embedded default).
A config file may set any subset; an unknown key, a wrong type or a bad threshold order is an
error that names the file, the key, the value and what was expected. Secrets never live here:
they come only from the environment, read by the adapters that need them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from bot.reply_texts import ReplyTexts

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGED = Path(__file__).resolve().parent / "_data"  # what the wheel ships (pyproject.toml)


def bundled(relative: str) -> Path:
    """A file or folder the project ships (the corpus, the sample feed): the repository's own
    when running from a checkout, since operators edit `corpus/` there, else the copy an
    installed wheel carries under `bot/_data/`."""
    checkout = PROJECT_ROOT / relative
    if (PROJECT_ROOT / "pyproject.toml").is_file() and checkout.exists():
        return checkout
    return PACKAGED / relative


class ConfigError(Exception):
    """A bad configuration; the message names the file, the key, the value and what was
    expected."""


@dataclass(frozen=True)
class CorpusConfig:
    path: Path = field(default_factory=lambda: bundled("corpus"))


@dataclass(frozen=True)
class StoreConfig:
    path: Path = Path(".factbot/factbot.db")
    keep_days: int = 90  # rows older than this are pruned (never pending work); 0 keeps all


@dataclass(frozen=True)
class ModelConfig:
    embedders: tuple[str, ...] = ("minilm", "use")
    weights: tuple[float, ...] = (0.5, 0.5)
    combine: str = "auto"
    batch_size: int = 32
    threads: int = 2
    cache_dir: Path = Path(".factbot/cache")
    # Above this many corpus sentences an approximate index proposes the candidates (exact
    # search below; BENCHMARKS.md "Scale").
    ann_above: int = 50_000


@dataclass(frozen=True)
class LanguageThresholds:
    """`[match.lang.xx]`: the `match` and `review` thresholds of posts in language `lang` (the
    code the language detector gives: "fr", "zh", ...), in place of `[match]`'s."""

    lang: str
    match: float
    review: float


@dataclass(frozen=True)
class MatchConfig:
    match: float = 0.62
    review: float = 0.5
    support: float = 0.45
    quoted: float = 0.6
    circulating: float = 0.72
    unattributed: float = 0.75
    short_text_words: int = 6
    lexical_weight: float = 0.35
    max_chars: int = 5000  # characters of a post checked at most (the reply says it was cut)
    max_segments: int = 50  # sentences of a post embedded at most (clauses: twice as many)
    lang: tuple[LanguageThresholds, ...] = ()  # `[match.lang.xx]` (bot/config_lang.py)

    def for_language(self, lang: str | None) -> MatchConfig:
        """These settings with the `match`/`review` thresholds of `lang` when `[match.lang]`
        sets them; else unchanged (`[match]`'s)."""
        for own in self.lang:
            if own.lang == lang:
                return dataclasses.replace(self, match=own.match, review=own.review)
        return self


@dataclass(frozen=True)
class CompareConfig:
    date_tolerance_days: int = 3
    reworded_below: float = 0.8
    unsupported_min_words: int = 5


@dataclass(frozen=True)
class GateConfig:
    enabled: bool = True
    min_phrases: int = 2


@dataclass(frozen=True)
class TelegramConfig:
    """The Telegram adapter (`bot/telegram/`). The token is read from TELEGRAM_BOT_TOKEN only.
    Chats are "@username" or a numeric id as a string ("-1001234567890"); "" turns that feature
    off."""

    channel: str = ""
    review_chat: str = ""
    operators: tuple[int, ...] = ()
    base_url: str = "https://api.telegram.org/bot"
    checks_per_hour: int = 20
    max_retries: int = 3
    network_retries: int = 3
    backoff_seconds: float = 1.0


@dataclass(frozen=True)
class BlueskyConfig:
    """The Bluesky adapter (`bot/bluesky/`). The handle and app password are read from
    BLUESKY_HANDLE and BLUESKY_APP_PASSWORD only."""

    service_url: str = "https://bsky.social"
    session_file: Path = Path(".factbot/bluesky.session")
    answer_no_match: bool = True
    unrelated_parent: str = "silent"  # "silent" | "own_text" | "answer" (see config.example)
    checks_per_hour: int = 10
    notifications_limit: int = 50
    max_attempts: int = 5
    backlog_hours: float = 24.0
    write_points_per_hour: int = 4000
    write_points_per_day: int = 30000
    max_thread_posts: int = 3  # 0: no cap
    timeout_seconds: float = 10.0
    max_retries: int = 5
    backoff_seconds: float = 1.0
    search_queries: tuple[str, ...] = ()
    search_limit: int = 25
    firehose: bool = False
    firehose_url: str = "wss://bsky.network/xrpc"
    stream_mentions: bool = False  # answer mentions as they arrive on the stream
    jetstream_url: str = ""  # "": the stream is the firehose; else Jetstream's /subscribe
    cursor_save_seconds: float = 3.0
    viral_likes: int = 500
    viral_reposts: int = 100
    track_hours: int = 72


@dataclass(frozen=True)
class LabelerConfig:
    """factbot's labeler (`bot/bluesky/labeler.py`, through Ozone's moderation API). Its
    account's handle and app password are read from LABELER_HANDLE and LABELER_APP_PASSWORD
    only; `service_url` is its PDS."""

    enabled: bool = False
    service_url: str = "https://bsky.social"
    session_file: Path = Path(".factbot/labeler.session")
    auto_verdicts: tuple[str, ...] = ("match",)  # a `review` always waits for an Approve
    expiry_days: int = 0  # 0: labels never expire
    pages_url: str = ""  # the check pages the label descriptions point to ("": the reply)
    reports_seconds: float = 30.0  # how often reports and appeals are read from Ozone
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class LimitsConfig:
    """The global budget of answers, over every account of every platform (Bluesky and
    Telegram together); 0 = no budget. The per-account limits are each adapter's
    `checks_per_hour`."""

    answers_per_hour: int = 300
    answers_per_day: int = 3000


@dataclass(frozen=True)
class ScheduleConfig:
    """`factbot run` live: the scheduler's jobs (APScheduler 3, one `AsyncIOScheduler`)."""

    mentions_seconds: float = 15.0
    search_seconds: float = 300.0
    refresh_seconds: float = 600.0
    outbox_seconds: float = 30.0
    corpus_seconds: float = 10.0
    prune_seconds: float = 3600.0  # how often rows older than [store] keep_days are pruned
    digest_at: str = ""  # "HH:MM" (UTC) for a daily digest to the channel; "" = none
    misfire_grace_time: float = 30.0
    coalesce: bool = True
    max_instances: int = 1
    stop_seconds: float = 30.0


@dataclass(frozen=True)
class OpsConfig:
    """Operations: /healthz and /metrics on a loopback port, and the log format."""

    host: str = "127.0.0.1"
    port: int = 8080  # 0: no HTTP endpoint
    log_format: str = "text"  # "text" | "json"
    health_timeout_seconds: float = 5.0


@dataclass(frozen=True)
class ReplyConfig(ReplyTexts):
    """`[reply]`: the reply templates (`ReplyTexts`, all strings) and how many posts a
    Bluesky reply may take: 1, one post (the verdict, the most important changes, the check
    page); 2 or more, the whole thread (`[bluesky] max_thread_posts` caps its length)."""

    bluesky_max_posts: int = 1


@dataclass(frozen=True)
class PagesConfig:
    """The public check pages (`bot/pages/`): served by the live bot's HTTP server under
    /checks/ and written by `factbot pages export`. `base_url` is the address readers reach
    them at; replies link a page only when it is set."""

    base_url: str = ""  # e.g. "https://factbot.example.org" (the pages are under /checks/)
    organisation: str = "factbot"  # the ClaimReview's author: the operator's organisation
    organisation_url: str = ""
    title: str = "factbot: quotes checked"
    speakers: str = "Yann LeCun"  # named on the index page
    per_page: int = 20  # checks per index page, and entries in the Atom feed


@dataclass(frozen=True)
class ImagesConfig:
    """Text from a post's images (bot/images): alt text, else a near-duplicate already read,
    else OCR. Fetching and decoding are bounded: anything larger is refused with a log line."""

    enabled: bool = True
    max_images: int = 4  # images of one post read at most (Bluesky allows 4)
    max_bytes: int = 10_000_000  # an image's bytes fetched at most
    timeout_seconds: float = 10.0  # to fetch one image
    max_pixels: int = 40_000_000  # width x height decoded at most (decompression bombs)
    max_alt_chars: int = 2000  # of an image's alt text read
    ocr_languages: str = "eng+fra+chi_sim"  # Tesseract's traineddata names, joined by "+"
    ocr_timeout_seconds: float = 30.0
    bluesky_source: str = "cdn"  # "cdn": the AppView's image URL, then the PDS; "pds": only
    hash_distance: int = 56  # bits of the 256-bit pHash within which an image is a copy
    # The watchers (searches, firehose, Jetstream): alt text always; pixels only for posts that
    # pass the pre-filter (bot/images/watching.py); OCR at most this many images a minute.
    watch_ocr_per_minute: int = 6
    watch_authors: tuple[str, ...] = ()  # DIDs whose images are always read when watched
    cdn_url: str = "https://cdn.bsky.app"  # where a streamed post's images are fetched from


@dataclass(frozen=True)
class TuneConfig:
    target_precision: float = 0.98
    # `factbot tune` suggests `[match.lang.xx]` for a language only with at least this many of
    # its labelled posts expected to match, and this many expected not to.
    min_language_matches: int = 5
    min_language_negatives: int = 5
    plot: Path = Path(".factbot/thresholds.png")


@dataclass(frozen=True)
class Config:
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    match: MatchConfig = field(default_factory=MatchConfig)
    compare: CompareConfig = field(default_factory=CompareConfig)
    gate: GateConfig = field(default_factory=GateConfig)
    tune: TuneConfig = field(default_factory=TuneConfig)
    reply: ReplyConfig = field(default_factory=ReplyConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    bluesky: BlueskyConfig = field(default_factory=BlueskyConfig)
    labeler: LabelerConfig = field(default_factory=LabelerConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    ops: OpsConfig = field(default_factory=OpsConfig)
    pages: PagesConfig = field(default_factory=PagesConfig)
    images: ImagesConfig = field(default_factory=ImagesConfig)
    source: str = "(defaults)"
