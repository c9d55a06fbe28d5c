"""Loading the policy: the document, its tables ([timing], [import], [lateness]) and
its entries, put together as a `Policy`."""

from __future__ import annotations

import re
import tomllib
import types
from collections.abc import Mapping
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from pathlib import Path

from conversations.policy.entries import _EntryReader
from conversations.policy.model import (
    DEFAULT_POLICY_PATH,
    ImportRules,
    Lateness,
    Policy,
    PolicyError,
    Timing,
)
from conversations.texts import PolicyText

_TOP_KEYS = frozenset(
    {
        "version",
        "timing",
        "lateness",
        "warnings",
        "sources",
        "source_titles",
        "situation",
        "import",
        "regional_note",
    }
)


def load_policy(path: Path | None = None) -> Policy:
    """Read and check the policy data; raise PolicyError naming what is wrong."""
    path = DEFAULT_POLICY_PATH if path is None else path
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path.name}: not valid TOML: {error}") from error
    return _Loader(path.name).policy(data)


class _Loader(_EntryReader):
    """Turns the parsed TOML into a Policy; every error names the file, then the place in it."""

    # --- the document ----------------------------------------------------------

    def policy(self, data: dict[str, object]) -> Policy:
        self.no_unknown_keys(data, _TOP_KEYS, "top level")
        version = self.text(data, "version", "top level")
        timing = self.timing(self.table(data, "timing", "top level"))
        placeholders = timing.placeholders()
        lateness = self.lateness(self.table(data, "lateness", "top level"), timing)
        warnings = {
            key: self.render(
                self.as_text(value, f"[warnings] {key}"), placeholders, "[warnings] " + key
            )
            for key, value in self.table(data, "warnings", "top level").items()
        }
        sources = {
            key: self.as_text(value, f"[sources] {key}")
            for key, value in self.table(data, "sources", "top level").items()
        }
        titles = (
            {
                # Shown as written: a page's name has no placeholders.
                key: PolicyText(self.as_text(value, f"[source_titles] {key}"))
                for key, value in self.table(data, "source_titles", "top level").items()
            }
            if "source_titles" in data
            else {}
        )
        for key in titles.keys() - sources.keys():
            self.fail("[source_titles]", f"{key!r} is not a key of [sources]")
        if titles:
            for key in sources.keys() - titles.keys():
                self.fail("[source_titles]", f"source {key!r} needs a title")
        raw_situations = data.get("situation")
        if not isinstance(raw_situations, list) or not raw_situations:
            self.fail("top level", "there must be at least one [[situation]] entry")
        situations = tuple(
            self.situation(raw, index, placeholders, warnings, sources)
            for index, raw in enumerate(raw_situations, start=1)
        )
        self.ids_are_unique(situations)
        self.ends_with_catch_all(situations)
        raw_notes = data.get("regional_note", [])
        if not isinstance(raw_notes, list):
            self.fail("top level", "regional_note must be written [[regional_note]] entries")
        situation_ids = frozenset(s.id for s in situations)
        notes = tuple(
            self.regional_note(raw, index, placeholders, sources, situation_ids)
            for index, raw in enumerate(raw_notes, start=1)
        )
        raw_import = data.get("import", {})
        if not isinstance(raw_import, dict):
            self.fail("top level", "[import] must be a table")
        return Policy(
            version=version,
            timing=timing,
            situations=situations,
            warnings=types.MappingProxyType(warnings),
            lateness=lateness,
            sources=types.MappingProxyType(sources),
            import_rules=self.import_rules(raw_import),
            source_titles=types.MappingProxyType(titles),
            regional_notes=notes,
        )

    def timing(self, table: dict[str, object]) -> Timing:
        where = "[timing]"
        self.no_unknown_keys(table, frozenset(f.name for f in fields(Timing)), where)
        minimum = self.text(table, "verification_charge_min", where)
        try:
            verification_charge_min = Decimal(minimum)
        except InvalidOperation:
            verification_charge_min = Decimal("NaN")
        if not verification_charge_min.is_finite() or verification_charge_min < 0:
            self.fail(
                where, f'verification_charge_min must be an amount like "10", not {minimum!r}'
            )
        warn_days = self.days_list(table, "lateness_warn_days", where)
        if list(warn_days) != sorted(set(warn_days)):
            self.fail(where, "lateness_warn_days must go up, each step once, e.g. [7, 30, 60]")
        return Timing(
            reply_expected_business_days=self.days(table, "reply_expected_business_days", where),
            refund_expected_days=self.days(table, "refund_expected_days", where),
            verification_reversal_days=self.days(table, "verification_reversal_days", where),
            verification_charge_min=verification_charge_min,
            verification_charge_currency=self.text(table, "verification_charge_currency", where),
            invoice_copy_business_days=self.days(table, "invoice_copy_business_days", where),
            invoice_payment_days=self.days(table, "invoice_payment_days", where),
            lateness_warn_days=warn_days,
            other_platform_dispute_days=self.days_list(table, "other_platform_dispute_days", where),
            followup_wait_business_days=self.days(
                table,
                "followup_wait_business_days",
                where,
                default=Timing.followup_wait_business_days,
            ),
            snooze_days=self.days(table, "snooze_days", where, default=Timing.snooze_days),
            reminder_repeat_days=self.days(
                table, "reminder_repeat_days", where, default=Timing.reminder_repeat_days
            ),
            escalate_after_followups=self.days(
                table,
                "escalate_after_followups",
                where,
                default=Timing.escalate_after_followups,
                unit="follow-ups",
            ),
        )

    def import_rules(self, table: dict[str, object]) -> ImportRules:
        where = "[import]"
        self.no_unknown_keys(table, frozenset(f.name for f in fields(ImportRules)), where)
        rules = ImportRules(
            max_bytes=self.days(
                table, "max_bytes", where, default=ImportRules.max_bytes, unit="bytes"
            ),
            max_rows=self.days(table, "max_rows", where, default=ImportRules.max_rows, unit="rows"),
            duplicate_window_minutes=self.days(
                table,
                "duplicate_window_minutes",
                where,
                default=ImportRules.duplicate_window_minutes,
                unit="minutes",
            ),
            threshold_series_hours=self.days(
                table,
                "threshold_series_hours",
                where,
                default=ImportRules.threshold_series_hours,
                unit="hours",
            ),
            verification_amounts=self.verification_amounts(table, where),
        )
        # A series is recognised by an equal charge *outside* the duplicate window; with a
        # window as long as the series span, no pair could ever be told apart from a series.
        if rules.duplicate_window_minutes >= rules.threshold_series_hours * 60:
            self.fail(
                where,
                "duplicate_window_minutes must be shorter than threshold_series_hours, "
                f"not {rules.duplicate_window_minutes} minutes against "
                f"{rules.threshold_series_hours} hours",
            )
        return rules

    def verification_amounts(self, table: dict[str, object], where: str) -> Mapping[str, Decimal]:
        raw = table.get("verification_amounts")
        if raw is None:
            return ImportRules().verification_amounts
        if not isinstance(raw, dict):
            self.fail(where, "verification_amounts must be a table of currency = amount")
        amounts: dict[str, Decimal] = {}
        for code, text in raw.items():
            try:
                amount = Decimal(str(text))
            except InvalidOperation:
                amount = Decimal(0)
            if not (isinstance(code, str) and re.fullmatch(r"[A-Z]{3}", code)) or not amount > 0:
                self.fail(where, f"verification_amounts: {code} = {text!r} is no currency amount")
            amounts[code] = amount
        return types.MappingProxyType(amounts)

    def lateness(self, table: dict[str, object], timing: Timing) -> Lateness:
        where = "[lateness]"
        # One text per warning step, named after it, so a change of steps in
        # [timing] cannot silently leave a step without its text.
        expected = frozenset({"fresh", *(f"over_{n}" for n in timing.lateness_warn_days)})
        if set(table) != expected:
            self.fail(
                where,
                f"needs exactly the keys {sorted(expected)} to match "
                f"lateness_warn_days = {list(timing.lateness_warn_days)}; found {sorted(table)}",
            )
        placeholders = {**timing.placeholders(), "days": 0}

        def checked(key: str) -> str:
            text = self.as_text(table[key], f"{where} {key}")
            self.render(text, placeholders, f"{where} {key}")  # only to check the placeholders
            return text

        return Lateness(
            fresh=checked("fresh"),
            over=tuple((n, checked(f"over_{n}")) for n in timing.lateness_warn_days),
        )
