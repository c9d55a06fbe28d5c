"""The policy as the rest of the domain reads it: the checked, final data."""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, fields
from dataclasses import field as dataclass_field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from conversations.facts import Outcome

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "policy.toml"

# In a match list, "unknown" stands for a fact that is None (not asked / not known).
UNKNOWN = "unknown"

# Who a request goes to; "" when nothing should be sent (Verdict.recipient).
RECIPIENTS = frozenset({"tiktok_support", "sales_rep", "account_manager", "agency"})

# A source given as an address ("ads.tiktok.com/help/article/…"): shown as a link.
_ADDRESS = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S*")


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
    # Following a sent case (conversations/cases/). The defaults are only for policy
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
    and conversations/anomalies/). Our own choices: TikTok publishes none.

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
