"""The secrets, from the environment and nowhere else (`Credentials`), and the keys the live bot
cannot do without given the credentials it has (`preflight`, exit 2 when one is missing)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.bluesky.client import credentials as bluesky_credentials
from bot.config import Config, ConfigError
from bot.runtime.health import is_loopback
from bot.telegram.app import TOKEN_ENV

OPS_TOKEN_ENV = "FACTBOT_OPS_TOKEN"  # noqa: S105 - the variable's name, not a secret


@dataclass(frozen=True)
class Credentials:
    """The secrets, from the environment only; never in a repr (a traceback's locals, a log)."""

    bluesky: tuple[str, str] | None = field(default=None, repr=False)  # handle, app password
    telegram: str | None = field(default=None, repr=False)  # the bot token
    ops_token: str | None = field(default=None, repr=False)  # for /healthz and /metrics

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Credentials:
        token = environ.get(TOKEN_ENV, "").strip()
        ops = environ.get(OPS_TOKEN_ENV, "").strip()
        return cls(bluesky_credentials(environ), token or None, ops or None)

    @property
    def secrets(self) -> list[str]:
        """The app password and the token, for redaction."""
        found = [self.bluesky[1]] if self.bluesky is not None else []
        return found + [t for t in (self.telegram, self.ops_token) if t is not None]

    @property
    def any(self) -> bool:
        return self.bluesky is not None or self.telegram is not None


def preflight(config: Config, creds: Credentials) -> None:
    """Keys the live bot cannot do without, given the credentials it has (exit 2 if missing)."""
    where = config.source
    ops = config.ops
    if ops.port and not is_loopback(ops.host) and creds.ops_token is None:
        raise ConfigError(
            f"{where}: [ops] host = {ops.host!r} is not loopback: set {OPS_TOKEN_ENV} (then "
            "/healthz and /metrics need 'Authorization: Bearer <token>'), or keep host on "
            '"127.0.0.1"'
        )
    if creds.telegram is not None:
        if not config.telegram.review_chat:
            raise ConfigError(
                f"{where}: missing key [telegram] review_chat: expected the operators' chat "
                f'("@username" or a numeric id as a string), needed because {TOKEN_ENV} is set'
            )
        if not config.telegram.operators:
            raise ConfigError(
                f"{where}: missing key [telegram] operators: expected a list of Telegram user "
                f"ids allowed to approve reviews, needed because {TOKEN_ENV} is set"
            )
