"""Checking a loaded config (`check_config`): the ranges, orders and forms of the values that
their types alone do not settle (a threshold from 0 to 1, review <= match, an http(s) URL, a
clock time, a number within its bound). Each problem is a `ConfigError` naming the file, the
key, the value and what was expected. `bot.config_load` calls it after reading the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import (
    BlueskyConfig,
    Config,
    ConfigError,
    ImagesConfig,
    LabelerConfig,
    OpsConfig,
    PagesConfig,
    ScheduleConfig,
    TelegramConfig,
)
from bot.config_probe import DAYS_MAX, bound_problem

_COMBINE = ("auto", "mean", "max")
_UNRELATED = ("silent", "own_text", "answer")
_IMAGE_SOURCES = ("cdn", "pds")
_EMBEDDERS = ("minilm", "use", "minilm-torch")


def check_config(path: Path, config: Config) -> None:
    m = config.match
    for key in (
        "match",
        "review",
        "support",
        "quoted",
        "circulating",
        "unattributed",
        "lexical_weight",
    ):
        value = getattr(m, key)
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"{path}: [match] {key} = {value}: expected a number from 0 to 1")
    for key in ("max_chars", "max_segments"):
        if getattr(m, key) < 1:
            value = getattr(m, key)
            raise ConfigError(f"{path}: [match] {key} = {value}: expected a whole number >= 1")
    if not m.review <= m.match:
        raise ConfigError(
            f"{path}: [match] review = {m.review}: expected review <= match ({m.match})"
        )
    target = config.tune.target_precision
    if not 0.0 < target <= 1.0:
        raise ConfigError(
            f"{path}: [tune] target_precision = {target}: expected a number above 0, at most 1"
        )
    for key in ("min_language_matches", "min_language_negatives"):
        if getattr(config.tune, key) < 1:
            value = getattr(config.tune, key)
            raise ConfigError(f"{path}: [tune] {key} = {value}: expected a whole number >= 1")
    model = config.model
    for name in model.embedders:
        if name not in _EMBEDDERS:
            raise ConfigError(
                f"{path}: [model] embedders = {list(model.embedders)!r}: "
                f"expected names from {list(_EMBEDDERS)}"
            )
    if not model.embedders or len(model.weights) != len(model.embedders):
        raise ConfigError(
            f"{path}: [model] weights = {list(model.weights)!r}: expected one weight per embedder"
        )
    if not all(w > 0 for w in model.weights):
        raise ConfigError(
            f"{path}: [model] weights = {list(model.weights)!r}: expected numbers above 0"
        )
    if model.batch_size < 1:
        raise ConfigError(f"{path}: [model] batch_size = {model.batch_size}: expected at least 1")
    if config.gate.min_phrases < 1:
        raise ConfigError(
            f"{path}: [gate] min_phrases = {config.gate.min_phrases}: expected at least 1"
        )
    c = config.compare
    if not 0.0 <= c.reworded_below <= 1.0:
        raise ConfigError(
            f"{path}: [compare] reworded_below = {c.reworded_below}: expected a number from 0 to 1"
        )
    if c.date_tolerance_days > DAYS_MAX:
        raise ConfigError(
            f"{path}: [compare] date_tolerance_days = {c.date_tolerance_days}: "
            f"expected at most {DAYS_MAX} (ten years)"
        )
    if model.combine not in _COMBINE:
        raise ConfigError(
            f"{path}: [model] combine = {model.combine!r}: expected one of {list(_COMBINE)}"
        )
    _check_telegram(path, config.telegram)
    _check_bluesky(path, config.bluesky)
    _check_images(path, config.images)
    _check_schedule(path, config.schedule)
    _check_labeler(path, config.labeler)
    if config.schedule.digest_at and not config.telegram.channel:
        raise ConfigError(
            f"{path}: missing key [telegram] channel: expected the channel the digest goes to, "
            f"needed by [schedule] digest_at = {config.schedule.digest_at!r}"
        )
    _check_ops(path, config.ops)
    _check_pages(path, config.pages)
    if config.reply.bluesky_max_posts < 1:
        raise ConfigError(
            f"{path}: [reply] bluesky_max_posts = {config.reply.bluesky_max_posts}: expected 1 "
            "(one post) or more (the thread)"
        )
    names = (
        "store",
        "model",
        "match",
        "compare",
        "gate",
        "telegram",
        "bluesky",
        "labeler",
        "limits",
        "schedule",
        "ops",
    )
    for name in names:
        section = getattr(config, name)
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigError(f"{path}: [{name}] {f.name} = {value}: expected a number >= 0")
            too_big = bound_problem(f.name, value)
            if too_big:
                raise ConfigError(f"{path}: [{name}] {f.name} = {value}: {too_big}")


def _check_telegram(path: Path, telegram: TelegramConfig) -> None:
    for key in ("channel", "review_chat"):
        value = getattr(telegram, key)
        if value and not (value.startswith("@") or value.lstrip("-").isdigit()):
            raise ConfigError(
                f'{path}: [telegram] {key} = {value!r}: expected "@username", a numeric chat '
                'id as a string, or ""'
            )
    if not telegram.base_url.startswith(("https://", "http://")):
        raise ConfigError(
            f"{path}: [telegram] base_url = {telegram.base_url!r}: expected an http(s) URL"
        )


def _check_images(path: Path, images: ImagesConfig) -> None:
    if images.bluesky_source not in _IMAGE_SOURCES:
        raise ConfigError(
            f"{path}: [images] bluesky_source = {images.bluesky_source!r}: "
            f"expected one of {list(_IMAGE_SOURCES)}"
        )
    for key in ("max_images", "max_bytes", "max_pixels", "max_alt_chars"):
        if getattr(images, key) < 1:
            raise ConfigError(f"{path}: [images] {key} = {getattr(images, key)}: expected >= 1")
    if images.watch_ocr_per_minute < 0:
        raise ConfigError(
            f"{path}: [images] watch_ocr_per_minute = {images.watch_ocr_per_minute}: "
            "expected >= 0 (0: no OCR for watched posts)"
        )
    if not images.cdn_url.startswith(("https://", "http://")):
        raise ConfigError(f"{path}: [images] cdn_url = {images.cdn_url!r}: expected an http(s) URL")
    for did in images.watch_authors:
        if not did.startswith("did:"):
            raise ConfigError(f"{path}: [images] watch_authors: {did!r} is not a DID")


def _check_bluesky(path: Path, bluesky: BlueskyConfig) -> None:
    if not bluesky.service_url.startswith(("https://", "http://")):
        raise ConfigError(
            f"{path}: [bluesky] service_url = {bluesky.service_url!r}: expected an http(s) URL"
        )
    if not bluesky.firehose_url.startswith(("wss://", "ws://")):
        raise ConfigError(
            f"{path}: [bluesky] firehose_url = {bluesky.firehose_url!r}: expected a ws(s) URL"
        )
    if bluesky.jetstream_url and not bluesky.jetstream_url.startswith(("wss://", "ws://")):
        raise ConfigError(
            f"{path}: [bluesky] jetstream_url = {bluesky.jetstream_url!r}: expected a ws(s) "
            'URL or ""'
        )
    if not 0 < bluesky.notifications_limit <= 100:
        raise ConfigError(
            f"{path}: [bluesky] notifications_limit = {bluesky.notifications_limit}: "
            "expected a whole number from 1 to 100"
        )
    if not 0 < bluesky.search_limit <= 100:
        raise ConfigError(
            f"{path}: [bluesky] search_limit = {bluesky.search_limit}: "
            "expected a whole number from 1 to 100"
        )
    if bluesky.unrelated_parent not in _UNRELATED:
        raise ConfigError(
            f"{path}: [bluesky] unrelated_parent = {bluesky.unrelated_parent!r}: "
            f"expected one of {list(_UNRELATED)}"
        )
    if bluesky.max_thread_posts == 1:
        raise ConfigError(
            f"{path}: [bluesky] max_thread_posts = 1: expected 0 (no cap) or at least 2 "
            '(the last post ends with a "more…" line)'
        )
    if bluesky.write_points_per_day > 35000:
        raise ConfigError(
            f"{path}: [bluesky] write_points_per_day = {bluesky.write_points_per_day}: "
            "expected at most 35000 (Bluesky's own limit a day)"
        )
    if bluesky.write_points_per_hour > 5000:
        raise ConfigError(
            f"{path}: [bluesky] write_points_per_hour = {bluesky.write_points_per_hour}: "
            "expected at most 5000 (Bluesky's own limit an hour)"
        )


def _check_labeler(path: Path, labeler: LabelerConfig) -> None:
    if not labeler.service_url.startswith(("https://", "http://")):
        raise ConfigError(
            f"{path}: [labeler] service_url = {labeler.service_url!r}: expected an http(s) URL"
        )
    if any(v != "match" for v in labeler.auto_verdicts):
        raise ConfigError(
            f"{path}: [labeler] auto_verdicts = {list(labeler.auto_verdicts)!r}: expected "
            '["match"] or [] (a "review" is labelled only after an operator\'s Approve)'
        )
    if labeler.pages_url and not labeler.pages_url.startswith(("https://", "http://")):
        raise ConfigError(
            f'{path}: [labeler] pages_url = {labeler.pages_url!r}: expected an http(s) URL or ""'
        )
    if labeler.expiry_days > DAYS_MAX:
        raise ConfigError(
            f"{path}: [labeler] expiry_days = {labeler.expiry_days}: expected at most "
            f"{DAYS_MAX} (ten years)"
        )
    if labeler.reports_seconds <= 0:
        raise ConfigError(
            f"{path}: [labeler] reports_seconds = {labeler.reports_seconds}: expected above 0"
        )


def _check_schedule(path: Path, schedule: ScheduleConfig) -> None:
    for f in dataclasses.fields(schedule):
        value = getattr(schedule, f.name)
        if f.name.endswith("_seconds") and value <= 0:
            raise ConfigError(f"{path}: [schedule] {f.name} = {value}: expected a number > 0")
    if schedule.max_instances < 1:
        raise ConfigError(
            f"{path}: [schedule] max_instances = {schedule.max_instances}: expected at least 1"
        )
    at = schedule.digest_at
    if at and not _clock_time(at):
        raise ConfigError(
            f'{path}: [schedule] digest_at = {at!r}: expected "HH:MM" (UTC) or "" for none'
        )


def _clock_time(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return (
        len(hours) == 2
        and len(minutes) == 2
        and hours.isdigit()
        and minutes.isdigit()
        and int(hours) < 24
        and int(minutes) < 60
    )


def _check_ops(path: Path, ops: OpsConfig) -> None:
    if ops.log_format not in ("text", "json"):
        raise ConfigError(
            f'{path}: [ops] log_format = {ops.log_format!r}: expected "text" or "json"'
        )
    if ops.port > 65535:
        raise ConfigError(f"{path}: [ops] port = {ops.port}: expected 0 (off) to 65535")
    if not ops.host:
        raise ConfigError(f'{path}: [ops] host = "": expected an address such as "127.0.0.1"')


def _check_pages(path: Path, pages: PagesConfig) -> None:
    base = urlsplit(pages.base_url.strip())
    if pages.base_url.strip() and (base.scheme not in ("https", "http") or not base.netloc):
        raise ConfigError(
            f"{path}: [pages] base_url = {pages.base_url!r}: expected the public address "
            'the pages are reached at, such as "https://factbot.example.org"'
        )
    if not 1 <= pages.per_page <= 500:
        raise ConfigError(f"{path}: [pages] per_page = {pages.per_page}: expected 1 to 500")
    if not pages.organisation.strip():
        raise ConfigError(f'{path}: [pages] organisation = "": expected a name')
