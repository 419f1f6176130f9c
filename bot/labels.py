"""Bluesky labels, the pure part: which label fits a check, the labeler's label definitions
(its `app.bsky.labeler.service` record), and what a label's life looks like.

factbot's labeler (an Ozone instance, `bot/bluesky/labeler.py`) puts one of two labels on a post
whose quote factbot checked: `altered-quote` when the post changed the verified words, venue,
date, speaker or role, `unsourced-quote` when it attributes words that no verified source
contains. Labels are `inform` (a note under the post, nothing hidden or blurred). No I/O here:
the adapter publishes the record and emits the labels; the runtime decides when.

Also the Protocols the Telegram adapter uses to act on labels (an operator's Approve of a
review, Keep or Retract of an appealed label), so `bot/telegram` never imports `bot/bluesky`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from bot.domain import CheckResult

LabelValue = Literal["altered-quote", "unsourced-quote"]
ALTERED: LabelValue = "altered-quote"
UNSOURCED: LabelValue = "unsourced-quote"
LABEL_VALUES: tuple[LabelValue, ...] = (ALTERED, UNSOURCED)
SERVICE = "app.bsky.labeler.service"
# A discrepancy in any of these means the post changed what was said, where, when or by whom.
ALTERING = frozenset({"venue", "date", "speaker", "speaker_role", "omitted", "reworded"})

# The state of one (post, label) pair in the store (`bot/bluesky/label_store.py`):
# awaiting: a `review` verdict, waiting for an operator's Approve;
# pending: decided, being emitted (written before the call, so a crash cannot label twice);
# applied: Ozone has it; negating: its withdrawal is being emitted; negated: withdrawn;
# dropped: an operator rejected the review (never emitted).
LabelState = Literal["awaiting", "pending", "applied", "negating", "negated", "dropped"]
# A label in force at a moment (the one parameter, ISO 8601): applied, and not lapsed.
IN_FORCE_SQL = "state = 'applied' AND (expires_at IS NULL OR expires_at > ?)"
Why = Literal["reply", "viral", "report"]


@dataclass(frozen=True)
class Locale:
    lang: str
    name: str
    description: str


@dataclass(frozen=True)
class LabelDefinition:
    identifier: LabelValue
    locales: tuple[Locale, ...]
    severity: Literal["inform", "alert", "none"] = "inform"
    blurs: Literal["content", "media", "none"] = "none"
    default_setting: Literal["ignore", "warn", "hide"] = "warn"

    def to_json(self) -> dict[str, Any]:
        """A `com.atproto.label.defs#labelValueDefinition`."""
        return {
            "identifier": self.identifier,
            "severity": self.severity,
            "blurs": self.blurs,
            "defaultSetting": self.default_setting,
            "adultOnly": False,
            "locales": [
                {"lang": x.lang, "name": x.name, "description": x.description} for x in self.locales
            ],
        }


def _where(pages_url: str, lang: str) -> str:
    if lang == "fr":
        tail = f" ou sur sa page de vérification ({pages_url})" if pages_url else ""
        return f"Voyez la réponse de factbot dans le fil{tail}."
    tail = f" or its check page ({pages_url})" if pages_url else ""
    return f"See factbot's reply in the thread{tail}."


def definitions(pages_url: str = "") -> tuple[LabelDefinition, ...]:
    """The two label definitions, in English and French; each description points readers to
    factbot's reply in the thread, and to the check pages when `pages_url` is set."""
    return (
        LabelDefinition(
            ALTERED,
            (
                Locale(
                    "en",
                    "Altered quote",
                    "The quoted words, the venue, the date or the speaker differ from the "
                    "closest verified wording. " + _where(pages_url, "en"),
                ),
                Locale(
                    "fr",
                    "Citation déformée",
                    "Les mots cités, le lieu, la date ou l'orateur diffèrent de la version "
                    "vérifiée la plus proche. " + _where(pages_url, "fr"),
                ),
            ),
        ),
        LabelDefinition(
            UNSOURCED,
            (
                Locale(
                    "en",
                    "Unsourced quote",
                    "These words are attributed to someone, but no verified source contains "
                    "them. " + _where(pages_url, "en"),
                ),
                Locale(
                    "fr",
                    "Citation sans source",
                    "Ces mots sont attribués à quelqu'un, mais aucune source vérifiée ne les "
                    "contient. " + _where(pages_url, "fr"),
                ),
            ),
        ),
    )


def service_record(defs: Sequence[LabelDefinition], created_at: str) -> dict[str, Any]:
    """The labeler's `app.bsky.labeler.service` record (rkey `self`)."""
    return {
        "$type": SERVICE,
        "policies": {
            "labelValues": [d.identifier for d in defs],
            "labelValueDefinitions": [d.to_json() for d in defs],
        },
        "createdAt": created_at,
    }


def same_policies(current: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    """Whether the published record already declares exactly the wanted label definitions
    (its `createdAt` aside): then setup has nothing to change."""
    if current is None:
        return False
    return _canonical(current.get("policies")) == _canonical(wanted.get("policies"))


def _canonical(value: object) -> str:
    """JSON without the `$type` keys a client may add to nested objects on the way in."""
    return json.dumps(_untyped(value), sort_keys=True, ensure_ascii=False)


def _untyped(value: object) -> object:
    if isinstance(value, dict):
        return {k: _untyped(v) for k, v in value.items() if k != "$type"}
    if isinstance(value, list):
        return [_untyped(v) for v in value]
    return value


def label_for(result: CheckResult) -> LabelValue | None:
    """The label a checked post earns, if any: a `match` or `review` whose post changed the
    verified quote (`altered-quote`), or else attributes words no verified source contains
    (`unsourced-quote`). A faithful quote and a `no_match` get none."""
    if result.verdict not in ("match", "review"):
        return None
    fields = {d.field for d in result.discrepancies}
    if fields & ALTERING:
        return ALTERED
    if "unsupported" in fields or any(a.circulating for a in result.alignments):
        return UNSOURCED
    return None


def needs_approval(result: CheckResult, auto_verdicts: Sequence[str]) -> bool | None:
    """None: not labelled at all; False: labelled now; True: labelled after an operator's
    Approve. A `review` always waits; a `match` labels now when `[labeler] auto_verdicts`
    lists it, and is not labelled otherwise."""
    if label_for(result) is None:
        return None
    if result.verdict == "review":
        return True
    return False if result.verdict in auto_verdicts else None


def label_key(uri: str, value: str) -> str:
    """The idempotency key of one label on one post (the store's primary key)."""
    return hashlib.sha256(f"{uri}|{value}".encode()).hexdigest()[:24]


def wants_stop(text: str) -> bool:
    """A mention that asks the bot to stop: the word `stop` on its own (any case), e.g.
    "@factbot stop" or "stop!"; not "stop the spread" or "nonstop"."""
    words = [w.strip(".,;:!?¡¿\"'«»()").lower() for w in text.split()]
    words = [w for w in words if w and not w.startswith("@")]
    return words in (["stop"], ["stop", "please"], ["please", "stop"])


# --- what the Telegram adapter calls (implemented by the runtime's labels service) ----------


@dataclass(frozen=True)
class Appeal:
    """A user's appeal of one of factbot's labels, as the operators see it."""

    id: str  # Ozone's event id, as text
    subject: str  # the labelled post's at:// URI
    value: str  # the label appealed
    comment: str  # the appeal's text (hostile: escaped where shown, bounded where stored)


class Labelling(Protocol):
    async def checked(self, result: CheckResult, uri: str, cid: str, why: Why) -> None:
        """A post (`uri`, `cid`) was checked and answered (a reply, a viral hand-over, a
        report): label it if the check earns a label. Never raises: a label left pending is
        retried by the labeler's reconcile."""
        ...


class LabelDesk(Protocol):
    async def approved(self, post_id: str, operator: str) -> None:
        """An operator approved the review of `post_id` (its at:// URI): label it now."""
        ...

    async def rejected(self, post_id: str, operator: str) -> None:
        """An operator rejected that review: its label is never emitted."""
        ...

    async def decide_appeal(self, appeal_id: str, keep: bool, operator: str) -> str:
        """Keep or retract the appealed label; what to tell the operator."""
        ...


class AppealSink(Protocol):
    async def appeal(self, appeal: Appeal) -> None:
        """Show the appeal to the operators with Keep / Retract buttons (once per id)."""
        ...
