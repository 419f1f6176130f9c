"""How sure a reply says it is: the template and the values of the line that follows a matched
quote's basis (corpus/README.md). "His words" ("her", "their": the speaker's pronoun in
speakers.toml) only for a recording or the speaker's own text; a reporter's quote names who
reported it and how many sources carry it; a translation says whose, from which language. Pure."""

from __future__ import annotations

from bot.domain import MatchInfo
from bot.reply_lines import Seg, shown_value, tidy

LANGUAGES = {
    "en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian",
    "pt": "Portuguese", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ru": "Russian",
    "ar": "Arabic", "nl": "Dutch",
}  # fmt: skip


def basis_template(match: MatchInfo) -> str:
    """The name of the `[reply]` template of the match's basis line."""
    if match.basis == "reported":
        return "basis_reported" if len(match.sources) <= 1 else "basis_reported_many"
    return f"basis_{match.basis}"


def how_sure(match: MatchInfo, link: str) -> dict[str, str | Seg]:
    """The values the basis lines name: who carries the quote, how many sources, in which
    languages, and why it is disputed. `link` names the source when no publisher is known."""
    names = [shown_value(s.publisher, 80) for s in match.sources if s.publisher.strip()]
    if not names:
        names = [shown_value(match.publisher, 80) or link or "an unnamed source"]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return {
        "publisher": names[0],
        "publishers": listed,
        "count": str(max(len(match.sources), 1)),
        "kind": match.sources[0].kind if len(match.sources) == 1 else match.source_kind,
        "language": language(match.lang),
        "original": language(match.translated_from),
        "dispute_note": shown_value(match.dispute_note) or "-",
    }


def language(code: str) -> str:
    """ "fr" -> "French"; an unknown code is shown as it is."""
    code = tidy(code).strip()
    return LANGUAGES.get(code.split("-")[0].lower(), shown_value(code, 20) or "another language")
