"""Loading and checking config.toml (`load_config`), over the typed defaults of `bot.config`.

A config file may set any subset of the keys; an unknown key, a wrong type or a bad threshold
order is a `ConfigError` that names the file, the key, the value and what was expected. The
store's folder and the model cache are probed here (`bot.config_probe`), at start-up."""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from pathlib import Path
from typing import Any
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
from bot.config_lang import language_thresholds
from bot.config_probe import DAYS_MAX, FLOAT_MAX, INT_MAX, bound_problem, probe_paths

_COMBINE = ("auto", "mean", "max")
_UNRELATED = ("silent", "own_text", "answer")
_IMAGE_SOURCES = ("cdn", "pds")
_EMBEDDERS = ("minilm", "use", "minilm-torch")


def load_config(path: Path | None) -> Config:
    """Load `path` over the defaults; None gives the defaults. Relative paths in the file are
    taken relative to the file's folder."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: a folder, not a config file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    sections: dict[str, Any] = {}
    hints = typing.get_type_hints(Config)
    for name, table in raw.items():
        if name not in hints or name == "source":
            known = ", ".join(f"[{n}]" for n in hints if n != "source")
            raise ConfigError(f"{path}: unknown section [{name}]; expected one of {known}")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {name} = {table!r}: expected a table [{name}]")
        if name == "match" and "lang" in table:  # [match.lang.xx]: bot/config_lang.py
            table = dict(table)
            raw_lang = table.pop("lang")
            match = _section(path, name, hints[name], table)
            langs = language_thresholds(path, raw_lang, match)
            sections[name] = dataclasses.replace(match, lang=langs)
            continue
        sections[name] = _section(path, name, hints[name], table)
    config = Config(**sections, source=str(path))
    _check(path, config)
    problem = probe_paths(config.store.path, config.model.cache_dir)
    if problem:
        raise ConfigError(f"{path}: {problem}")
    return config


def _section(path: Path, name: str, cls: type[Any], table: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in hints:
            known = ", ".join(hints)
            raise ConfigError(f"{path}: [{name}] unknown key {key!r}; expected one of: {known}")
        values[key] = _coerce(path, f"[{name}] {key}", hints[key], value)
    return cls(**values)


def _coerce(path: Path, where: str, hint: Any, value: Any) -> Any:
    def fail(expected: str) -> ConfigError:
        return ConfigError(f"{path}: {where} = {value!r}: expected {expected}")

    if hint is bool:
        if not isinstance(value, bool):
            raise fail("true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail("a whole number")
        if abs(value) > INT_MAX:
            raise fail(f"a whole number of at most {INT_MAX:,}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail("a number")
        if not math.isfinite(value) or abs(value) > FLOAT_MAX:  # nan, inf, 1e300
            raise fail(f"a finite number of at most {FLOAT_MAX:,.0f}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise fail("a string")
        return value
    if hint is Path:
        if not isinstance(value, str) or not value:
            raise fail("a path (a string)")
        p = Path(value).expanduser()
        return p if p.is_absolute() else (path.parent / p)
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise fail(f"a list of {_name(item)}")
        return tuple(_coerce(path, where, item, v) for v in value)
    if origin in (typing.Union, types.UnionType):  # pragma: no cover - no optional keys yet
        return value
    raise fail(str(hint))  # pragma: no cover - a field type this loader does not know


def _name(hint: Any) -> str:
    return {str: "strings", float: "numbers", int: "whole numbers"}.get(hint, str(hint))


def _check(path: Path, config: Config) -> None:
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
