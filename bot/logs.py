"""Logging set-up: one line per record on stderr, as text or JSON, with secrets redacted.

`LOG_FORMAT=json` writes one JSON object per line (time, level, logger, message, any
`extra=` fields, the traceback if any), for log collectors; `text` (the default) is for
people. Either way `SecretRedactor` sits on the handler, so it sees every record that is
written, whichever logger it came from (httpx puts the bot token in every request URL;
an exception can carry a URL too): the bot token and the webhook secret are replaced
wherever they appear — in the message, its arguments, string extras and the formatted
traceback — and so is anything shaped like a bot token.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from bot.config import Settings

REDACTED = "[REDACTED]"
# A bot token: the bot's numeric id, a colon, then 35 characters (Telegram's current shape;
# 30 or more here, to also catch older or test tokens of that shape).
TOKEN_SHAPE = re.compile(r"\d{5,16}:[A-Za-z0-9_-]{30,}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has: anything else on a record came from `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_TRACEBACKS = logging.Formatter()


def record_extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a log call added with `extra=`."""
    return {key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS}


class SecretRedactor(logging.Filter):
    """Replaces the given secrets, and anything shaped like a bot token, in every record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole; ignoring case,
        # because some messages are re-cased on the way (PTB's BadRequest lowercases all
        # but the first letter of Telegram's description).
        ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
        alternatives = [re.escape(s) for s in ordered] + [TOKEN_SHAPE.pattern]
        self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)

    def redact(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a log call whose arguments don't match its format
            message = f"{record.msg!s} {record.args!r}"
        # The message is formatted here, once, so that no argument is formatted later
        # unredacted; the record then carries plain text.
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in record_extras(record).items():
            if isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(record_extras(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def secrets_of(settings: Settings) -> list[str]:
    """The values that must never reach a log."""
    found = []
    for secret in (settings.telegram_bot_token, settings.webhook_secret):
        if secret is not None and secret.get_secret_value().strip():
            found.append(secret.get_secret_value().strip())
    return found


def log_handler(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing to `stream` (stderr) in the configured format, secrets redacted."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(SecretRedactor(secrets_of(settings)))
    return handler


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Make the root logger write through `log_handler` only, at the configured level."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(log_handler(settings, stream))
    root.setLevel(settings.log_level.upper())
    # python-telegram-bot's DEBUG lines carry whole updates ("Processing update …") and
    # request parameters, i.e. what users wrote; ours say which update, by id. Its INFO and
    # above (start, stop, errors) stay.
    logging.getLogger("telegram").setLevel(max(root.level, logging.INFO))
