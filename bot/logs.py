"""Logging for every `factbot` command, set up once in `main()` after the config is loaded
(`[ops] log_format`): "text" for a person at a terminal, "json" (one object a line: time, level,
logger, message, and exc_info when there is one) for a log collector.

Both go through one filter that blanks secrets before anything is written: the values of the
environment variables the adapters read their credentials from, and anything shaped like the
JWTs of a Bluesky session (`accessJwt`, `refreshJwt`). Libraries log URLs and request bodies
(the Telegram Bot API puts the token in every URL), so redacting at the adapters is not enough.
Every string a record carries is redacted: the message (a dict message too), `extra=` fields,
and whatever they nest in dicts, lists and tuples. An exception nobody catches is logged through
the same handler (`sys.excepthook`, installed by `configure`) instead of printed by Python.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SECRET_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "BLUESKY_APP_PASSWORD",
    "LABELER_APP_PASSWORD",
    "FACTBOT_OPS_TOKEN",
)
REDACTED = "[redacted]"
# A value this short is not worth blanking: "x" would turn every x of every line into noise,
# and no real token or app password is that short.
MIN_SECRET_LENGTH = 4
# A JWT: a base64url JSON header (always starting `{"`, hence "eyJ"), a payload, a signature.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_HANDLER_NAME = "factbot"
# Record attributes handled on their own (the message, the traceback) or never text.
_NOT_SCRUBBED = frozenset({"msg", "args", "exc_info", "exc_text", "stack_info"})


class Redact(logging.Filter):
    """Replace each secret (and each JWT) in a record's rendered message and traceback.

    The message is rendered here with its args and the args dropped, so a secret passed as an
    argument is caught as well as one written into the format string. It runs on the handler,
    so records from every library are filtered, not only those of `factbot` loggers."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        kept = sorted({s for s in secrets if len(s.strip()) >= MIN_SECRET_LENGTH}, key=len)
        self._secrets = kept[::-1]  # longest first: a secret inside another goes with it

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return JWT.sub(REDACTED, text)

    def scrub(self, value: Any) -> Any:
        """`value` with every string in it redacted, through dicts, lists and tuples."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.scrub(v) for v in value)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):  # a dict is JSON logging's structured message
            record.msg = self.scrub(record.msg)
        else:
            record.msg = self.redact(record.getMessage())
        record.args = None
        # Every other attribute a formatter may write: `extra=` fields, nested or not.
        for key, value in list(vars(record).items()):
            if key not in _NOT_SCRUBBED:
                setattr(record, key, self.scrub(value))
        if record.exc_info:
            # Both formatters print exc_text when exc_info is gone; render it once, redacted.
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def secrets_from(environ: Mapping[str, str]) -> list[str]:
    """The values of the credential variables that are set."""
    return [environ[name] for name in SECRET_VARIABLES if environ.get(name)]


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record comes (as logging's last resort does),
    not to the stream that was current at set-up: tools and tests swap it."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601 in UTC
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(
    fmt: str,
    verbose: bool,
    *,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> logging.Handler:
    """Send the root logger's records to stderr (or `stream`) in `fmt`, secrets redacted.

    Calling it again replaces the handler it installed before (and leaves any other alone), so
    `main()` may run more than once in a process, as the tests do."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = _Stderr() if stream is None else logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(Redact(secrets_from(os.environ if environ is None else environ)))
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    sys.excepthook = _log_uncaught
    return handler


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """sys.excepthook: an exception nobody caught is written by the redacting handler (Python's
    own hook would print it, secrets and all, straight to stderr). Ctrl-C stays quiet-ish."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    logging.getLogger("factbot").critical("uncaught exception", exc_info=(kind, value, tb))
