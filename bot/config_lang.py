"""`[match.lang.xx]`: the `match` and `review` thresholds of one language, in place of
`[match]`'s for the posts the language detector (`bot.normalise.language`) reads as `xx`.

    [match.lang.fr]
    match = 0.6
    review = 0.48

A key left out takes `[match]`'s value; each language must keep review <= match. `xx` is a code
the detector gives (py3langid's: "fr", "de", "zh", "ja", ...), so a typo that would never apply
is refused. `factbot tune` suggests these tables where the labelled posts support it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bot.config import ConfigError, LanguageThresholds, MatchConfig

KEYS = ("match", "review")


def language_thresholds(path: Path, raw: Any, match: MatchConfig) -> tuple[LanguageThresholds, ...]:
    """The `[match.lang]` tables of `path` (`raw`, as TOML read them) over `match`'s values."""
    if not isinstance(raw, dict) or not all(isinstance(t, dict) for t in raw.values()):
        raise ConfigError(
            f"{path}: [match] lang = {raw!r}: expected tables [match.lang.xx] "
            "(xx a language code such as fr) with match and review"
        )
    out = []
    known: frozenset[str] | None = None
    for lang, table in sorted(raw.items()):
        where = f"[match.lang.{lang}]"
        if known is None:
            from bot.normalise import known_languages

            known = known_languages()
        if lang not in known:
            raise ConfigError(
                f"{path}: {where}: unknown language {lang!r}; expected a code the language "
                f"detector gives, one of: {', '.join(sorted(known))}"
            )
        values = {"match": match.match, "review": match.review}
        for key, value in table.items():
            if key not in KEYS:
                raise ConfigError(
                    f"{path}: {where} unknown key {key!r}; expected one of: {', '.join(KEYS)}"
                )
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or not 0.0 <= value <= 1.0:
                raise ConfigError(
                    f"{path}: {where} {key} = {value!r}: expected a number from 0 to 1"
                )
            values[key] = float(value)
        if not values["review"] <= values["match"]:
            raise ConfigError(
                f"{path}: {where} review = {values['review']}: expected review <= match "
                f"({values['match']}; a key left out is [match]'s)"
            )
        out.append(LanguageThresholds(lang, values["match"], values["review"]))
    return tuple(out)
