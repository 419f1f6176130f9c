"""Loading and checking config.toml (`load_config`), over the typed defaults of `bot.config`.

A config file may set any subset of the keys; an unknown key, a wrong type or a bad threshold
order is a `ConfigError` that names the file, the key, the value and what was expected. The
values' ranges are checked by `bot.config_check`; the store's folder and the model cache are
probed here (`bot.config_probe`), at start-up."""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from bot.config import Config, ConfigError
from bot.config_check import check_config
from bot.config_lang import language_thresholds
from bot.config_probe import FLOAT_MAX, INT_MAX, probe_paths


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
    check_config(path, config)
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
