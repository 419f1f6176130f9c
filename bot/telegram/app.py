"""Build the python-telegram-bot `Application` once, in `main()`.

The caller owns the lifecycle on the shared event loop: `await app.initialize()`,
`await app.start()`, optionally `await app.updater.start_polling(...)`, and the reverse on the
way out — never `run_polling`, which would own the loop. The token comes only from the
environment and is never logged (httpx logs every URL, token included, at INFO: its loggers
are raised to WARNING here)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import AIORateLimiter, Application, Defaults
from telegram.request import HTTPXRequest, RequestData

from bot.config import TelegramConfig

log = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - the variable's name, not a secret
COMMANDS = (
    ("check", "Check a quote: /check <text or bsky.app post URL>"),
    ("about", "What I know and my limits"),
    ("help", "How to use me"),
)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


class MissingToken(Exception):
    """TELEGRAM_BOT_TOKEN is not set."""


class TelegramStartError(Exception):
    """Telegram refused the token (401, or 404 from a wrong base_url) or could not be reached
    at start. The message is one line for the operator and never carries the token (PTB's own
    InvalidToken message does: it is not passed on)."""


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that retries a request which never reached the server (a refused or reset
    connection) with exponential backoff. A timeout is not retried: the message may have been
    delivered, and a retry would send it twice."""

    def __init__(self, retries: int, backoff: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._retries, self._backoff = retries, backoff
        self.last_status: int | None = None  # the HTTP status of the last answer

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        for attempt in range(self._retries + 1):
            try:
                answer = await super().do_request(
                    url,
                    method,
                    request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
                self.last_status = answer[0]
                return answer
            except TimedOut:
                raise
            except NetworkError as exc:
                if attempt == self._retries:
                    raise
                delay = self._backoff * 2**attempt
                log.warning("Bot API unreachable (%s); retry in %.1f s", exc.message, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def read_token(environ: dict[str, str] | None = None) -> str:
    token = (os.environ if environ is None else environ).get(TOKEN_ENV, "").strip()
    if not token:
        raise MissingToken(f"set {TOKEN_ENV} to the bot's token (from @BotFather)")
    return token


def file_url(base_url: str) -> str:
    """Where files are downloaded from: "https://api.telegram.org/file/bot" for the Bot API's
    "https://api.telegram.org/bot" (PTB appends the token and the file's path)."""
    head, sep, tail = base_url.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else base_url.rstrip("/") + "/file/bot"


def build_application(config: TelegramConfig, token: str | None = None) -> TelegramApp:
    """The Application, not started. `token` defaults to TELEGRAM_BOT_TOKEN."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    request = RetryingRequest(
        config.network_retries, config.backoff_seconds, connection_pool_size=16
    )
    return (
        Application.builder()
        .token(token or read_token())
        .base_url(config.base_url)
        .base_file_url(file_url(config.base_url))
        .request(request)
        .get_updates_request(HTTPXRequest(read_timeout=40.0))
        .rate_limiter(AIORateLimiter(max_retries=config.max_retries))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .build()
    )


async def initialize(app: TelegramApp, base_url: str) -> None:
    """`app.initialize()` (its getMe checks the token), with a refusal or an unreachable server
    turned into one `TelegramStartError` line without the token."""
    try:
        await app.initialize()
    except InvalidToken:
        request = app.bot.request
        status = request.last_status if isinstance(request, RetryingRequest) else None
        await _close_requests(app)
        raise TelegramStartError(
            f"Telegram refused the token (HTTP {status or '401 or 404'}): check {TOKEN_ENV}, "
            f"and [telegram] base_url = {base_url!r} (the Bot API's, ending in /bot)"
        ) from None
    except NetworkError as exc:  # after RetryingRequest's retries; TimedOut included
        await _close_requests(app)
        raise TelegramStartError(
            f"Telegram unreachable at {base_url} ({type(exc).__name__}: {exc.message}); "
            "check the network and [telegram] base_url"
        ) from None


async def _close_requests(app: TelegramApp) -> None:
    with contextlib.suppress(Exception):  # closing after a failure: best effort
        await app.bot.shutdown()  # the HTTP clients initialize() opened


async def announce(app: TelegramApp) -> None:
    """After `initialize`: drop any webhook (polling needs none) and publish the commands."""
    await app.bot.delete_webhook()
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
