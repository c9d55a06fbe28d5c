"""TikTok's refund policy as data: load `policy.toml`, check it, hand out a frozen `Policy`.

The rulebook (POLICY.md) changes when TikTok changes its help pages. This module
knows the *shape* of the data, never its content, so a policy change is an edit
to policy.toml alone. Every mistake the file can hold (an unknown outcome, a
misspelt match key or value, a warning or source that isn't defined, a stray
placeholder) is caught here, at load time, with a message naming the entry and
the key — not later, as a wrong verdict in someone's chat.

Nothing is cached: the caller loads the policy once and passes it around.
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from dataclasses import field as dataclass_field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

from conversations.facts import Facts, Outcome
from conversations.regions import known_regions

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "policy.toml"

# In a match list, "unknown" stands for a fact that is None (not asked / not known).
UNKNOWN = "unknown"

# Who a request goes to; "" when nothing should be sent (Verdict.recipient).
RECIPIENTS = frozenset({"tiktok_support", "sales_rep", "account_manager", "agency"})

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_REGION_PATTERN = re.compile(r"^[A-Z]{2}$")
_MAX_REASONS = 3  # more than three "why" sentences stops being readable in a chat

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
# A source given as an address ("ads.tiktok.com/help/article/…"): shown as a link.
_ADDRESS = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S*")
_SITUATION_REQUIRED = (
    "id",
    "row",
    "outcome",
    "match",
    "title",
    "reasons",
    "sources",
    "where",
    "recipient",
)
_SITUATION_OPTIONAL = ("template", "instead", "warnings", "regions")
_NOTE_REQUIRED = ("id", "situations", "regions", "text", "sources")
_NOTE_OPTIONAL = ("elsewhere", "unknown")
# Outcomes that must say what to do instead (or first).
_NEEDS_INSTEAD = frozenset({Outcome.NOT_ELIGIBLE, Outcome.BLOCKED})


class PolicyError(ValueError):
    """The policy data file is not usable; the message names the file, entry and key."""


@dataclass(frozen=True)
class Timing:
    """How long things take (POLICY.md §3), and the charge-age warning steps."""

    reply_expected_business_days: int
    refund_expected_days: int
    verification_reversal_days: int
    verification_charge_min: Decimal
    verification_charge_currency: str
    invoice_copy_business_days: int
    invoice_payment_days: int
    lateness_warn_days: tuple[int, ...]  # ascending
    other_platform_dispute_days: tuple[int, ...]
    # Following a sent case (conversations/cases.py). The defaults are only for policy
    # files written before these keys existed; policy.toml states every one of them.
    followup_wait_business_days: int = 3  # the wait for an answer to a follow-up
    snooze_days: int = 2  # "remind me later" on an overdue case
    reminder_repeat_days: int = 3  # after a reminder nobody acted on, the next one
    escalate_after_followups: int = 2  # unanswered follow-ups before leading with escalation

    def placeholders(self) -> dict[str, object]:
        """The values texts may name as str.format placeholders, e.g. {refund_expected_days}."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class ImportRules:
    """Limits and thresholds for imported billing exports (`[import]`; conversations/billing/
    and conversations/anomalies.py). Our own choices: TikTok publishes none.

    The defaults are only for policy files written before the table existed; policy.toml
    states every one of them.
    """

    max_bytes: int = 10 * 1024 * 1024  # a larger export is refused before it is read
    max_rows: int = 200_000  # data rows in one export
    # Two equal charges on one card this close together may be a double charge...
    duplicate_window_minutes: int = 60
    # ...unless another equal charge lies within this many hours: a threshold-billing series.
    threshold_series_hours: int = 12
    # Card-verification charge amounts by currency, to spot one in an export with no "type"
    # column (POLICY.md §2 row 5 names 10 USD; TikTok publishes no local amounts).
    verification_amounts: Mapping[str, Decimal] = dataclass_field(
        default_factory=lambda: types.MappingProxyType({"USD": Decimal("10")})
    )


@dataclass(frozen=True)
class Lateness:
    """Charge-age warning texts, not yet formatted: they contain {days}."""

    fresh: str  # up to the first step of Timing.lateness_warn_days
    over: tuple[tuple[int, str], ...]  # (N, text for a charge more than N days old), ascending


@dataclass(frozen=True)
class Condition:
    """One `match` key: the fact `fact` must be one of `allowed` (or None, if `allows_unknown`)."""

    fact: str  # a Facts field name
    allowed: frozenset[StrEnum | bool]
    allows_unknown: bool


@dataclass(frozen=True)
class Situation:
    """One entry of the policy: when it applies and what the advertiser is told.

    Texts are final: timing placeholders are already filled in.
    """

    id: str
    row: int  # POLICY.md §2 row, 0 for entries outside the table
    outcome: Outcome
    match: tuple[Condition, ...]  # all must hold; empty matches everything
    title: str
    reasons: tuple[str, ...]
    sources: tuple[str, ...]
    where: str
    recipient: str
    template: str | None
    instead: str | None
    warnings: tuple[str, ...]  # keys of Policy.warnings
    regions: frozenset[str] | None  # None: any region


@dataclass(frozen=True)
class RegionalNote:
    """A difference by region (POLICY.md, "Regional differences"), shown with the verdicts
    of some situations: one text for an account in `regions`, another (optional) for one
    known to be elsewhere, and a hedged one ("If your account is in …") when the account's
    region isn't known. Texts are final: timing placeholders are filled in."""

    id: str
    situations: frozenset[str]  # ids of the situations whose verdict shows it
    regions: frozenset[str]  # ISO 3166 alpha-2 codes
    text: str
    elsewhere: str | None
    unknown: str | None
    sources: tuple[str, ...]

    def says(self, region: str | None) -> str | None:
        """What applies to an account in `region` (None: not known), or None for nothing."""
        if region is None:
            return self.unknown
        return self.text if region.upper() in self.regions else self.elsewhere


@dataclass(frozen=True)
class Policy:
    """The whole policy, checked. Load it with `load_policy`."""

    version: str
    timing: Timing
    situations: tuple[Situation, ...]  # in matching order; the last one matches everything
    warnings: Mapping[str, str]  # key -> final text
    lateness: Lateness
    sources: Mapping[str, str]  # key -> the page it stands for
    import_rules: ImportRules = ImportRules()  # the optional [import] table
    # key -> the page's name as an advertiser knows it ([source_titles]); a key without
    # one (a policy file written before the table existed) is shown by its key.
    source_titles: Mapping[str, str] = dataclass_field(
        default_factory=lambda: types.MappingProxyType({})
    )
    regional_notes: tuple[RegionalNote, ...] = ()  # the optional [[regional_note]] entries

    def page(self, key: str) -> tuple[str, str | None]:
        """A source as an advertiser reads it: the page's name, and its link when the
        rulebook gives an address (https), else None."""
        found = _ADDRESS.match(self.sources.get(key, ""))
        return self.source_titles.get(key, key), f"https://{found.group(0)}" if found else None


@dataclass(frozen=True)
class _FactKind:
    """What a `match` key may hold: values of an enum, or booleans; and whether None occurs."""

    enum: type[StrEnum] | None  # None: the fact is a bool
    nullable: bool


def load_policy(path: Path | None = None) -> Policy:
    """Read and check the policy data; raise PolicyError naming what is wrong."""
    path = DEFAULT_POLICY_PATH if path is None else path
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path.name}: not valid TOML: {error}") from error
    return _Loader(path.name).policy(data)


class _Loader:
    """Turns the parsed TOML into a Policy; every error names the file, then the place in it."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name

    def fail(self, where: str, message: str) -> NoReturn:
        raise PolicyError(f"{self.file_name}: {where}: {message}")

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
                key: self.as_text(value, f"[source_titles] {key}")
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

    def situation(
        self,
        raw: object,
        index: int,
        placeholders: Mapping[str, object],
        warnings: Mapping[str, str],
        sources: Mapping[str, str],
    ) -> Situation:
        raw, id_, where = self.entry(
            raw, "situation", index, _SITUATION_REQUIRED, _SITUATION_OPTIONAL
        )

        outcome_text = self.text(raw, "outcome", where)
        try:
            outcome = Outcome(outcome_text)
        except ValueError:
            self.fail(
                where, f"unknown outcome {outcome_text!r} (expected one of: {_names(Outcome)})"
            )

        row = raw["row"]
        if not isinstance(row, int) or isinstance(row, bool) or row < 0:
            self.fail(where, "row must be a POLICY.md §2 row number, or 0 for an extra entry")

        def render(key: str, text: str) -> str:
            return self.render(text, placeholders, f"{where} {key}")

        reasons = self.text_list(raw, "reasons", where)
        if not 1 <= len(reasons) <= _MAX_REASONS:
            self.fail(where, f"reasons must hold 1 to {_MAX_REASONS} sentences, not {len(reasons)}")

        source_keys = self.text_list(raw, "sources", where)
        if not source_keys:
            self.fail(where, "sources must name at least one source key")
        for key in source_keys:
            if key not in sources:
                self.fail(where, f"unknown source {key!r} (define it in [sources])")

        warning_keys = self.text_list(raw, "warnings", where) if "warnings" in raw else ()
        for key in warning_keys:
            if key not in warnings:
                self.fail(where, f"warning {key!r} is not defined in [warnings]")

        where_to = self.text(raw, "where", where, allow_empty=True)
        recipient = self.text(raw, "recipient", where, allow_empty=True)
        if recipient and recipient not in RECIPIENTS:
            self.fail(
                where,
                f"unknown recipient {recipient!r} (expected one of: "
                f'{", ".join(sorted(RECIPIENTS))}, or "" when nothing is sent)',
            )
        if bool(where_to) != bool(recipient):
            self.fail(where, "where and recipient go together: set both, or leave both empty")
        template = self.text(raw, "template", where) if "template" in raw else None
        if template is not None and not recipient:
            self.fail(where, f"template {template!r} needs a where and a recipient to send it to")
        instead = render("instead", self.text(raw, "instead", where)) if "instead" in raw else None
        if outcome in _NEEDS_INSTEAD and instead is None:
            self.fail(where, f"a {outcome.value} entry must say what to do instead (key 'instead')")

        return Situation(
            id=id_,
            row=row,
            outcome=outcome,
            match=self.match(raw["match"], where),
            title=render("title", self.text(raw, "title", where)),
            reasons=tuple(render("reasons", reason) for reason in reasons),
            sources=source_keys,
            where=render("where", where_to),
            recipient=recipient,
            template=template,
            instead=instead,
            warnings=warning_keys,
            regions=self.regions(raw, where) if "regions" in raw else None,
        )

    def match(self, raw: object, where: str) -> tuple[Condition, ...]:
        if not isinstance(raw, dict):
            self.fail(where, 'match must be a table, e.g. { reason = "duplicate" }')
        kinds = _matchable_facts()
        conditions = []
        for key, value in raw.items():
            kind = kinds.get(key)
            if kind is None:
                self.fail(where, f"unknown match key {key!r} (expected one of: {', '.join(kinds)})")
            conditions.append(self.condition(key, kind, value, f"{where} match.{key}"))
        return tuple(conditions)

    def condition(self, fact: str, kind: _FactKind, value: object, where: str) -> Condition:
        values = value if isinstance(value, list) else [value]
        if not values:
            self.fail(where, "an empty list matches nothing; leave the key out to match anything")
        allowed: set[StrEnum | bool] = set()
        allows_unknown = False
        for item in values:
            if item == UNKNOWN:
                if not kind.nullable:
                    self.fail(where, f"{fact} is always known, so {UNKNOWN!r} cannot be used")
                allows_unknown = True
            elif kind.enum is None:
                if not isinstance(item, bool):
                    self.fail(where, f"{item!r} is not a boolean: write true or false, unquoted")
                allowed.add(item)
            else:
                if not isinstance(item, str) or item not in {m.value for m in kind.enum}:
                    extra = f", {UNKNOWN}" if kind.nullable else ""
                    self.fail(
                        where,
                        f"{item!r} is not a {kind.enum.__name__} value "
                        f"(expected one of: {_names(kind.enum)}{extra})",
                    )
                allowed.add(kind.enum(item))
        return Condition(fact=fact, allowed=frozenset(allowed), allows_unknown=allows_unknown)

    def regions(self, raw: dict[str, object], where: str) -> frozenset[str]:
        regions = self.text_list(raw, "regions", where)
        if not regions:
            self.fail(where, "regions must list at least one country; leave it out for all")
        known = known_regions()
        for code in regions:
            if not _REGION_PATTERN.match(code):
                self.fail(where, f'region {code!r} is not an upper-case ISO 3166 code like "JP"')
            if code not in known:
                # A typo ("JA" for Japan) would silently limit the entry to no account.
                self.fail(where, f"region {code!r} is not a country's ISO 3166 code")
        return frozenset(regions)

    def regional_note(
        self,
        raw: object,
        index: int,
        placeholders: Mapping[str, object],
        sources: Mapping[str, str],
        situation_ids: frozenset[str],
    ) -> RegionalNote:
        raw, id_, where = self.entry(raw, "regional_note", index, _NOTE_REQUIRED, _NOTE_OPTIONAL)
        names = self.text_list(raw, "situations", where)
        if not names:
            self.fail(where, "situations must name at least one situation id")
        for name in names:
            if name not in situation_ids:
                self.fail(where, f"unknown situation {name!r}")
        source_keys = self.text_list(raw, "sources", where)
        for key in source_keys:
            if key not in sources:
                self.fail(where, f"unknown source {key!r} (define it in [sources])")

        def optional(key: str) -> str | None:
            if key not in raw:
                return None
            return self.render(self.text(raw, key, where), placeholders, f"{where} {key}")

        return RegionalNote(
            id=id_,
            situations=frozenset(names),
            regions=self.regions(raw, where),
            text=self.render(self.text(raw, "text", where), placeholders, f"{where} text"),
            elsewhere=optional("elsewhere"),
            unknown=optional("unknown"),
            sources=source_keys,
        )

    # --- checks across entries -------------------------------------------------

    def ids_are_unique(self, situations: tuple[Situation, ...]) -> None:
        seen: set[str] = set()
        for situation in situations:
            if situation.id in seen:
                self.fail(
                    f"situation {situation.id!r}", "this id is used twice; ids must be unique"
                )
            seen.add(situation.id)

    def ends_with_catch_all(self, situations: tuple[Situation, ...]) -> None:
        # Every valid case must get a verdict, and an entry after a catch-all
        # could never be reached: so exactly the last entry matches everything.
        for situation in situations[:-1]:
            if _matches_everything(situation):
                self.fail(
                    f"situation {situation.id!r}",
                    "matches everything, so the entries after it can never be reached; "
                    "only the last entry may have an empty match",
                )
        last = situations[-1]
        if not _matches_everything(last):
            self.fail(
                f"situation {last.id!r}",
                "the last entry must be a catch-all (match = {} and no regions), "
                "so every case gets a verdict",
            )

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

    def render(self, text: str, placeholders: Mapping[str, object], where: str) -> str:
        try:
            return text.format_map(placeholders)
        except KeyError as error:
            self.fail(
                where,
                f"unknown placeholder {{{error.args[0]}}} in {text!r} "
                f"(known: {', '.join(sorted(placeholders))})",
            )
        except (IndexError, ValueError, AttributeError, TypeError) as error:
            self.fail(where, f"cannot fill in the placeholders of {text!r}: {error}")


def _matches_everything(situation: Situation) -> bool:
    return not situation.match and situation.regions is None


def _names(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


def _matchable_facts() -> dict[str, _FactKind]:
    """The Facts fields a `match` may name: the enum and boolean ones, read from Facts itself.

    Reading them from the dataclass keeps the file format in step with facts.py.
    """
    hints = typing.get_type_hints(Facts)
    kinds: dict[str, _FactKind] = {}
    for field in fields(Facts):
        hint = hints[field.name]
        nullable = False
        if isinstance(hint, types.UnionType):
            members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
            nullable = len(members) < len(typing.get_args(hint))
            if len(members) != 1:
                continue
            hint = members[0]
        if hint is bool:
            kinds[field.name] = _FactKind(enum=None, nullable=nullable)
        elif isinstance(hint, type) and issubclass(hint, StrEnum):
            kinds[field.name] = _FactKind(enum=hint, nullable=nullable)
    return kinds
