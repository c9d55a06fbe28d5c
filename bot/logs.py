"""Logging set-up: one line per record on stderr, as text or JSON, with secrets redacted.

`LOG_FORMAT=json` writes one JSON object per line (time, level, logger, message, any
`extra=` fields, the traceback if any), for log collectors; `text` (the default) is for
people. Either way `SecretRedactor` sits on the handler, so it sees every record that is
written, whichever logger it came from (httpx puts the bot token in every request URL;
an exception can carry a URL too): the bot token and the webhook secret are replaced
wherever they appear — in the message, its arguments, string extras and the formatted
traceback — and so is anything shaped like a bot token.

An exception's text can quote what a user wrote (`int()` quotes the string it could not
read; a database error quotes the statement's values), so a logged traceback keeps each
frame (file, line, function, the line of code) and the exception's type, but not its
message — except Telegram's own errors, whose text is Telegram's description of what it
refused. Locals are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
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
# Exceptions whose text is kept: Telegram's description of why it refused a call ("Forbidden:
# bot was blocked by the user") says what went wrong and quotes nothing a user wrote.
_TEXT_KEPT_FROM = ("telegram.error",)
# Loggers whose message itself describes an exception (asyncio's "Task exception was never
# retrieved" adds the task's repr, with the exception's text): only their first line is kept.
_MESSAGE_QUOTES_EXCEPTION = ("asyncio",)


def exception_name(error: BaseException) -> str:
    """`module.Type` (just `Type` for built-ins), as a traceback's last line names it."""
    kind = type(error)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def describe_exception(error: BaseException) -> str:
    """A traceback without what the exception says: for each exception of the chain, its
    frames (file, line, function, the line of code) and its type (see the module's
    docstring for the one exception to that)."""
    return "".join(_described(error, set())).rstrip("\n")


def _described(error: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(error))
    lines: list[str] = []
    cause, context = error.__cause__, error.__context__
    if cause is not None and id(cause) not in seen:
        lines += _described(cause, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and not error.__suppress_context__ and id(context) not in seen:
        lines += _described(context, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if error.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        frames = traceback.StackSummary.extract(
            traceback.walk_tb(error.__traceback__), capture_locals=False
        )
        lines += frames.format()
    name = exception_name(error)
    if type(error).__module__.startswith(_TEXT_KEPT_FROM):
        name = "".join(traceback.format_exception_only(type(error), error)).rstrip("\n")
    lines.append(name + "\n")
    if isinstance(error, BaseExceptionGroup):
        for number, inner in enumerate(error.exceptions, 1):
            if id(inner) not in seen:
                lines.append(f"\n+---- {number} of {exception_name(error)} ----\n")
                lines += _described(inner, seen)
    return lines


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        return exc_info[1] if isinstance(exc_info[1], BaseException) else None
    return None


def record_extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a log call added with `extra=`."""
    return {key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS}


class SecretRedactor(logging.Filter):
    """Replaces the given secrets, and anything shaped like a bot token, in every record;
    writes a record's exception as `describe_exception` does (no exception text)."""

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
        error = _exception_of(record.exc_info)
        if error is not None and record.name.startswith(_MESSAGE_QUOTES_EXCEPTION):
            message = message.split("\n", 1)[0]
        record.msg = self.redact(message)
        record.args = None
        if error is not None:
            # Always written afresh: another handler may have formatted the record first,
            # with the exception's text, and cached that in exc_text.
            record.exc_text = describe_exception(error)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in record_extras(record).items():
            if isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class SafeTracebacks(logging.Formatter):
    """A formatter whose tracebacks hold no exception text (see `describe_exception`)."""

    def formatException(self, ei: Any) -> str:
        error = _exception_of(ei)
        return describe_exception(error) if error is not None else ""


class JsonFormatter(SafeTracebacks):
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
        handler.setFormatter(SafeTracebacks(TEXT_FORMAT))
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
