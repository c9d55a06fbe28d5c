"""Typed access to the parsed TOML: every error names the file, then the place in it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NoReturn

from conversations.policy.model import PolicyError
from conversations.texts import PolicyText

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class _Reader:
    """Reads values of the parsed TOML by type; every error names the file, then the place."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name

    def fail(self, where: str, message: str) -> NoReturn:
        raise PolicyError(f"{self.file_name}: {where}: {message}")

    # --- typed access to the TOML --------------------------------------------------

    def entry(
        self,
        raw: object,
        kind: str,
        index: int,
        required: tuple[str, ...],
        optional: tuple[str, ...],
    ) -> tuple[dict[str, object], str, str]:
        """Check what every entry of a list (a situation, a regional note) must be: a table
        with its required keys and no unknown ones, and a snake_case id. Return the table,
        the id and how errors name the entry."""
        if not isinstance(raw, dict):
            self.fail(f"{kind} #{index}", "must be a table")
        id_ = raw.get("id")
        where = f"{kind} {id_!r}" if isinstance(id_, str) else f"{kind} #{index}"
        self.no_unknown_keys(raw, frozenset(required + optional), where)
        for key in required:
            if key not in raw:
                self.fail(where, f"missing key {key!r}")
        id_ = self.text(raw, "id", where)
        if not _ID_PATTERN.match(id_):
            self.fail(where, "id must be snake_case: lower-case letters, digits and _")
        return raw, id_, where

    def no_unknown_keys(self, table: dict[str, object], known: frozenset[str], where: str) -> None:
        unknown = sorted(set(table) - known)
        if unknown:
            self.fail(where, f"unknown key(s) {unknown} (expected: {', '.join(sorted(known))})")

    def table(self, data: dict[str, object], key: str, where: str) -> dict[str, object]:
        value = data.get(key)
        if not isinstance(value, dict):
            self.fail(where, f"missing table [{key}]")
        return value

    def text(
        self, table: dict[str, object], key: str, where: str, *, allow_empty: bool = False
    ) -> str:
        if key not in table:
            self.fail(where, f"missing key {key!r}")
        text = self.as_text(table[key], f"{where} {key}")
        if not text and not allow_empty:
            self.fail(where, f"{key} must not be empty")
        return text

    def as_text(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            self.fail(where, f"must be a string, not {value!r}")
        return value.strip()

    def text_list(self, table: dict[str, object], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.fail(where, f"{key} must be a list of non-empty strings")
        return tuple(item.strip() for item in value)

    def days(
        self,
        table: dict[str, object],
        key: str,
        where: str,
        *,
        default: int | None = None,
        unit: str = "days",
    ) -> int:
        if key not in table:
            if default is not None:
                return default
            self.fail(where, f"missing key {key!r}")
        value = table[key]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.fail(where, f"{key} must be a whole number of {unit} above 0, not {value!r}")
        return value

    def days_list(self, table: dict[str, object], key: str, where: str) -> tuple[int, ...]:
        if key not in table:
            self.fail(where, f"missing key {key!r}")
        value = table[key]
        if not isinstance(value, list) or not value:
            self.fail(where, f"{key} must be a list of whole numbers of days")
        for item in value:
            if not isinstance(item, int) or isinstance(item, bool) or item <= 0:
                self.fail(where, f"{key} must be a list of whole numbers of days above 0")
        return tuple(value)

    def render(self, text: str, placeholders: Mapping[str, object], where: str) -> PolicyText:
        """`text` with the placeholders filled in, keeping what it was filled from (so the
        adapter can show it in another language)."""
        try:
            return PolicyText(text, placeholders)
        except KeyError as error:
            self.fail(
                where,
                f"unknown placeholder {{{error.args[0]}}} in {text!r} "
                f"(known: {', '.join(sorted(placeholders))})",
            )
        except (IndexError, ValueError, AttributeError, TypeError) as error:
            self.fail(where, f"cannot fill in the placeholders of {text!r}: {error}")
