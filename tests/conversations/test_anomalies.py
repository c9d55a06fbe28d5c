"""Suspicious-charge checks over imported rows: a double charge is flagged but threshold
billing is not, an unreversed card verification is flagged once its days have passed,
charges after a pause are flagged with a hedge; and the [import] policy table they read."""
# Over 400 lines: each anomaly check with its near misses, side by side.

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.exports import parse_export
from conversations.anomalies import (
    CHARGED_AFTER_PAUSE,
    DUPLICATE_CHARGE,
    VERIFICATION_NOT_REVERSED,
    Flag,
    charges_after_pause,
    duplicate_charges,
    find_anomalies,
    unreversed_verifications,
)
from conversations.billing import ChargeRow
from conversations.policy import (
    DEFAULT_POLICY_PATH,
    ImportRules,
    Policy,
    PolicyError,
    load_policy,
)

DATA = Path(__file__).resolve().parent.parent / "data"
ACCOUNT = "7301234567890123456"


def charge(
    when: str,
    amount: str = "50.00",
    *,
    card: str | None = "1881",
    document: str | None = None,
    kind: str | None = "payment",
    status: str | None = "success",
    account: str | None = None,
    currency: str = "USD",
) -> ChargeRow:
    """A row as an import would give it; `when` is "YYYY-MM-DD HH:MM"."""
    return ChargeRow(
        happened_at=datetime.fromisoformat(when),
        amount=Decimal(amount),
        currency=currency,
        card_last4=card,
        document=document,
        status=status,
        ad_account=account,
        payment_method=f"Visa ••{card}" if card else None,
        kind=kind,
    )


def rows_of(name: str) -> list[ChargeRow]:
    """The rows of a file in tests/data."""
    return parse_export((DATA / name).read_bytes(), name).rows


def with_rules(policy: Policy, **changes: Any) -> Policy:
    """The policy with some [import] values changed."""
    return dataclasses.replace(
        policy, import_rules=dataclasses.replace(policy.import_rules, **changes)
    )


# --- duplicate_charge ------------------------------------------------------------------------

# 50.00 USD six times over two days at irregular hours, two of them 35 minutes apart while
# spend was fast: how automatic payment at a 50 USD billing threshold looks.
THRESHOLD_SERIES = [
    charge("2026-11-09 01:47", document="D1"),
    charge("2026-11-09 09:13", document="D2"),
    charge("2026-11-09 14:05", document="D3"),
    charge("2026-11-09 14:40", document="D4"),
    charge("2026-11-10 06:22", document="D5"),
    charge("2026-11-10 20:58", document="D6"),
]


def test_threshold_billing_raises_no_flag(policy: Policy) -> None:
    """Six equal charges over two days, even two of them 35 minutes apart, are not flagged."""
    assert duplicate_charges(THRESHOLD_SERIES, policy) == []


def test_pair_six_minutes_apart_is_flagged(policy: Policy) -> None:
    """Two equal charges on one card 6 minutes apart, with none around them, are flagged."""
    pair = [
        charge("2026-11-12 10:02", "120.00", document="D7"),
        charge("2026-11-12 10:08", "120.00", document="D8"),
    ]
    [flag] = duplicate_charges(pair, policy)
    assert flag.rule == DUPLICATE_CHARGE
    assert flag.rows == tuple(pair)
    assert flag.source_keys == ("T5", "T6", "T11")
    assert flag.explanation.startswith(
        "Two charges of 120.00 USD on the card ending 1881 6 minutes apart "
        "(2026-11-12 10:02, 2026-11-12 10:08), each with its own document number, "
        "and no other charge of that amount within 12 hours of them."
    )
    assert "may be a double charge" in flag.explanation


def test_export_with_a_series_and_a_pair_flags_only_the_pair(policy: Policy) -> None:
    """From a real-shaped file: the 50.00 series passes, the 120.00 pair is flagged."""
    rows = rows_of("billing_threshold_series.csv")
    [flag] = duplicate_charges(rows, policy)
    assert [row.document for row in flag.rows] == ["BDUS2026111201", "BDUS2026111202"]
    assert [row.line for row in flag.rows] == [8, 9]


def test_pair_inside_a_threshold_series_is_left_alone(policy: Policy) -> None:
    """The rule's known limit: an equal charge within 12 hours makes a close pair a series."""
    rows = [
        charge("2026-11-12 01:00", "120.00", document="D6"),
        charge("2026-11-12 10:02", "120.00", document="D7"),
        charge("2026-11-12 10:08", "120.00", document="D8"),
    ]
    assert duplicate_charges(rows, policy) == []
    # The same charge 13 hours before the pair instead of 9: outside the series span.
    earlier = dataclasses.replace(rows[0], happened_at=datetime(2026, 11, 11, 21, 0))
    assert len(duplicate_charges([earlier, *rows[1:]], policy)) == 1


def test_burst_of_three_is_one_flag(policy: Policy) -> None:
    """Three equal charges within minutes are one flag naming all three."""
    rows = [charge(f"2026-11-12 10:0{minute}", document=f"D{minute}") for minute in (1, 3, 7)]
    [flag] = duplicate_charges(rows, policy)
    assert len(flag.rows) == 3
    assert flag.explanation.startswith("3 charges of 50.00 USD")


def test_failed_refund_and_verification_rows_are_not_charges(policy: Policy) -> None:
    """A failed try before a success, a refund or a verification never makes a pair."""
    for other in (
        charge("2026-11-12 10:02", status="failed"),
        charge("2026-11-12 10:02", kind="refund"),
        charge("2026-11-12 10:02", kind="verification"),
        charge("2026-11-12 10:02", status="processing"),
    ):
        assert duplicate_charges([other, charge("2026-11-12 10:05")], policy) == []


def test_different_card_account_or_amount_is_no_pair(policy: Policy) -> None:
    """Charges on two cards, two ad accounts or of two amounts are not the same charge."""
    first = charge("2026-11-12 10:02", account=ACCOUNT)
    for second in (
        charge("2026-11-12 10:05", card="4444", account=ACCOUNT),
        charge("2026-11-12 10:05", account="7301234567890123457"),
        charge("2026-11-12 10:05", "50.01", account=ACCOUNT),
        charge("2026-11-12 10:05", currency="EUR", account=ACCOUNT),
    ):
        assert duplicate_charges([first, second], policy) == []


def test_same_transaction_from_two_imports_is_not_a_pair(policy: Policy) -> None:
    """The same document number imported twice is one charge, not a double charge."""
    first = charge("2026-11-12 10:02", document="D1")
    again = charge("2026-11-12 10:02", document="D1")
    assert duplicate_charges([first, again], policy) == []


def test_pair_without_documents_says_so(policy: Policy) -> None:
    """A pair from an export without document numbers is flagged, saying there are none."""
    [flag] = duplicate_charges([charge("2026-11-12 10:02"), charge("2026-11-12 10:02:40")], policy)
    assert "at the same minute" in flag.explanation
    assert "the export shows no document numbers" in flag.explanation


def test_window_and_series_come_from_the_policy(policy: Policy) -> None:
    """A 5-minute window lets a 6-minute pair pass; a 1-hour series span flags a near pair."""
    pair = [charge("2026-11-12 10:02", document="A"), charge("2026-11-12 10:08", document="B")]
    assert duplicate_charges(pair, with_rules(policy, duplicate_window_minutes=5)) == []
    series = [charge("2026-11-12 08:00", document="C"), *pair]
    assert duplicate_charges(series, policy) == []
    assert len(duplicate_charges(series, with_rules(policy, threshold_series_hours=1))) == 1


# --- verification_not_reversed ---------------------------------------------------------------

VERIFICATION = charge("2026-11-02 09:14", "10.00", kind="verification", document="V1")


def test_unreversed_verification_is_flagged_once_its_days_have_passed(policy: Policy) -> None:
    """No refund 16 days after a verification charge: flagged; on day 15: not yet."""
    later = charge("2026-11-25 10:00", document="P1")
    assert unreversed_verifications([VERIFICATION, later], policy, today=date(2026, 11, 17)) == []
    [flag] = unreversed_verifications([VERIFICATION, later], policy, today=date(2026, 11, 18))
    assert flag == Flag(
        VERIFICATION_NOT_REVERSED,
        (VERIFICATION,),
        "A card verification charge of 10.00 USD on the card ending 1881 on 2026-11-02. "
        "TikTok reverses these within 15 days, and no refund of that amount shows by "
        "2026-11-17. Ask Advertiser Support to reverse it.",
        ("T5",),
    )


def test_reversed_verification_is_not_flagged(policy: Policy) -> None:
    """A refund of the same amount on the same card within 15 days reverses it."""
    reversal = charge("2026-11-12 13:45", "10.00", kind="refund", document="V1R")
    assert (
        unreversed_verifications([VERIFICATION, reversal], policy, today=date(2026, 12, 30)) == []
    )


def test_verification_reversed_in_the_same_export_file_is_not_flagged(policy: Policy) -> None:
    """In tests/data/billing_title_lines.csv the 10.00 verification is reversed 10 days on."""
    rows = rows_of("billing_title_lines.csv")
    assert unreversed_verifications(rows, policy, today=date(2026, 12, 30)) == []


@pytest.mark.parametrize(
    "reversal",
    [
        charge("2026-11-12 13:45", "10.00", kind="refund", card="4444"),
        charge("2026-11-12 13:45", "12.00", kind="refund"),
        charge("2026-11-20 13:45", "10.00", kind="refund"),
        charge("2026-11-12 13:45", "10.00", kind="refund", status="failed"),
    ],
    ids=["other-card", "other-amount", "too-late", "failed"],
)
def test_refund_that_does_not_match_leaves_the_flag(policy: Policy, reversal: ChargeRow) -> None:
    """A refund on another card, of another amount, after 15 days or failed is no reversal."""
    flags = unreversed_verifications([VERIFICATION, reversal], policy, today=date(2026, 12, 30))
    assert [flag.rule for flag in flags] == [VERIFICATION_NOT_REVERSED]


def test_one_refund_reverses_one_verification(policy: Policy) -> None:
    """Two verifications and one matching refund: one stays flagged."""
    second = charge("2026-11-03 09:14", "10.00", kind="verification", document="V2")
    reversal = charge("2026-11-12 13:45", "10.00", kind="refund", document="V1R")
    flags = unreversed_verifications(
        [VERIFICATION, second, reversal], policy, today=date(2026, 12, 30)
    )
    assert [flag.rows for flag in flags] == [(second,)]


def test_export_ending_before_the_deadline_is_said(policy: Policy) -> None:
    """When the rows stop before the 15 days are up, the flag says to check a later export."""
    [flag] = unreversed_verifications([VERIFICATION], policy, today=date(2026, 12, 30))
    assert "This export ends on 2026-11-02" in flag.explanation
    assert "check that before asking" in flag.explanation


def test_verification_marked_reversed_is_not_flagged(policy: Policy) -> None:
    """A verification row whose own status says "Reversed" needs no refund row."""
    reversed_ = dataclasses.replace(VERIFICATION, status="reversed")
    assert unreversed_verifications([reversed_], policy, today=date(2026, 12, 30)) == []


# --- charged_after_pause ------------------------------------------------------------------------


def test_charges_after_the_pause_are_flagged_with_a_hedge() -> None:
    """Charges dated after the pause day are one flag per account; the pause day itself isn't."""
    rows = [
        charge("2026-11-09 23:00", account=ACCOUNT, document="P0"),
        charge("2026-11-10 08:00", account=ACCOUNT, document="P1"),
        charge("2026-11-12 08:00", "25.50", account=ACCOUNT, document="P2"),
        charge("2026-11-12 09:00", account="7301234567890123457", document="P3"),
    ]
    [flag] = charges_after_pause(rows, {ACCOUNT: date(2026, 11, 9)})
    assert flag.rule == CHARGED_AFTER_PAUSE
    assert [row.document for row in flag.rows] == ["P1", "P2"]
    assert flag.source_keys == ("T6", "T16")
    assert flag.explanation.startswith(
        f"2 charges (75.50 USD) on ad account {ACCOUNT} after it was paused on 2026-11-09, "
        "the first on 2026-11-10."
    )
    assert "usually billed later" in flag.explanation


def test_rows_without_an_account_use_the_export_account() -> None:
    """An export without an ad account column matches the account it was imported for."""
    rows = [charge("2026-11-10 08:00", document="P1")]
    assert charges_after_pause(rows, {ACCOUNT: date(2026, 11, 9)}) == []
    [flag] = charges_after_pause(rows, {ACCOUNT: date(2026, 11, 9)}, account=ACCOUNT)
    assert flag.rows == tuple(rows)


def test_campaign_pauses_match_nothing() -> None:
    """A pause recorded for a campaign ID can't be matched: exports carry no campaign IDs."""
    rows = [charge("2026-11-10 08:00", account=ACCOUNT, document="P1")]
    assert charges_after_pause(rows, {"1790000000000000001": date(2026, 11, 9)}) == []


def test_refunds_after_the_pause_are_not_flagged() -> None:
    """Money back after a pause is not a charge after it."""
    rows = [charge("2026-11-10 08:00", account=ACCOUNT, kind="refund")]
    assert charges_after_pause(rows, {ACCOUNT: date(2026, 11, 9)}) == []


# --- all together ---------------------------------------------------------------------------


def test_find_anomalies_runs_every_check(policy: Policy) -> None:
    """One call gives the duplicate, verification and pause flags, each naming its rule."""
    rows = [
        *rows_of("billing_title_lines.csv"),
        charge("2026-11-20 10:00", "10.00", kind="verification", document="V9"),
    ]
    flags = find_anomalies(
        rows, policy, today=date(2026, 12, 30), paused={"acme": date(2026, 11, 3)}, account="acme"
    )
    assert [flag.rule for flag in flags] == [
        DUPLICATE_CHARGE,
        VERIFICATION_NOT_REVERSED,
        CHARGED_AFTER_PAUSE,
    ]
    documents = [[row.document for row in flag.rows] for flag in flags]
    assert documents == [
        ["BDUS2026110901", "BDUS2026110902"],
        ["V9"],  # the file's own verification of 2 Nov is reversed on 12 Nov
        ["BDUS2026110402", "BDUS2026110901", "BDUS2026110902"],  # not the failed try
    ]
    assert find_anomalies(rows, policy, today=date(2026, 12, 30))[-1].rule != CHARGED_AFTER_PAUSE


def test_every_flag_names_rows_and_known_sources(policy: Policy) -> None:
    """No flag without rows, an explanation and source keys defined in the policy."""
    rows = [*rows_of("billing_threshold_series.csv"), VERIFICATION]
    flags = find_anomalies(
        rows, policy, today=date(2026, 12, 30), paused={"x": date(2026, 11, 1)}, account="x"
    )
    assert {flag.rule for flag in flags} == {
        DUPLICATE_CHARGE,
        VERIFICATION_NOT_REVERSED,
        CHARGED_AFTER_PAUSE,
    }
    for flag in flags:
        assert flag.rows and flag.explanation
        assert set(flag.source_keys) <= set(policy.sources)


# --- the [import] policy table -------------------------------------------------------------------


def test_import_rules_are_read_from_the_policy(policy: Policy) -> None:
    """policy.toml's [import] values are loaded, and match parse_export's defaults."""
    assert policy.import_rules == ImportRules(
        max_bytes=10 * 1024 * 1024,
        max_rows=200_000,
        duplicate_window_minutes=60,
        threshold_series_hours=12,
    )


def _policy_text(old: str, new: str) -> str:
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} is not in policy.toml"
    return text.replace(old, new, 1)


def test_policy_without_an_import_table_uses_the_defaults(tmp_path: Path) -> None:
    """A policy file written before [import] existed still loads, with the defaults."""
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    start = text.index("[import]")
    end = text.index("\n[", start + 1)
    path = tmp_path / "policy.toml"
    path.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    assert load_policy(path).import_rules == ImportRules()


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (
            "duplicate_window_minutes = 60",
            "duplicate_window_minutes = 0",
            "[import]: duplicate_window_minutes must be a whole number of minutes above 0",
        ),
        (
            "max_rows = 200000",
            'max_rows = "lots"',
            "[import]: max_rows must be a whole number of rows above 0",
        ),
        (
            "threshold_series_hours = 12",
            "threshold_series_hours = 1",
            "duplicate_window_minutes must be shorter than threshold_series_hours",
        ),
        (
            "max_bytes = 10485760",
            "max_megabytes = 10",
            "[import]: unknown key(s) ['max_megabytes']",
        ),
    ],
    ids=["zero-window", "rows-not-a-number", "window-not-shorter-than-series", "unknown-key"],
)
def test_broken_import_table_is_refused(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    """A wrong [import] value is refused at load time, naming the table and the key."""
    path = tmp_path / "policy.toml"
    path.write_text(_policy_text(old, new), encoding="utf-8")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert str(raised.value).startswith("policy.toml: ")
    assert fragment in str(raised.value)
