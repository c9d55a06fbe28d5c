"""The policy data file: the real policy.toml is complete and well worded, and a broken
file is refused at load time with a message that says what is wrong and where."""
# Over 400 lines: one broken-policy case per rule of the loader, side by side.

from __future__ import annotations

import dataclasses
import pickle
import tomllib
from pathlib import Path

import pytest

from bot.views.i18n_extract import policy_texts
from conversations.facts import Billing, Outcome
from conversations.policy import DEFAULT_POLICY_PATH, Policy, PolicyError, load_policy
from conversations.texts import PolicyText

# The support-message templates the renderers know (one file each in templates/).
TEMPLATE_NAMES = frozenset(
    {
        "balance_refund",
        "balance_refund_bc",
        "duplicate_charge",
        "unrecognised_charge",
        "charge_after_pause",
        "not_delivered",
        "invalid_traffic",
        "invoice_correction",
        "agency_refund",
        "other_issue",
    }
)

# POLICY.md §2 rows whose verdict is marked [I]: their wording must hedge.
INFERRED_ROWS = frozenset({4, 6, 7, 8, 9, 12})
HEDGES = ("usually", "often", "publishes no", "does not publish", "probably")

MINIMAL = """\
version = "test"

[timing]
reply_expected_business_days = 5
refund_expected_days = 60
verification_reversal_days = 15
verification_charge_min = "10"
verification_charge_currency = "USD"
invoice_copy_business_days = 5
invoice_payment_days = 30
lateness_warn_days = [7, 30]
other_platform_dispute_days = [30, 60]

[lateness]
fresh = "Soon."
over_7 = "{days} days old."
over_30 = "{days} days old, hurry."

[warnings]
chargeback = "No chargeback."

[sources]
T1 = "page one"

[[situation]]
id = "duplicate"
row = 5
outcome = "needs_review"
match = { reason = "duplicate", billing = ["automatic", "manual"], is_admin = [true, "unknown"] }
title = "Worth asking."
reasons = ["Refund within {refund_expected_days} days."]
sources = ["T1"]
where = "Support"
recipient = "tiktok_support"
template = "duplicate_charge"
warnings = ["chargeback"]

[[situation]]
id = "anything_else"
row = 0
outcome = "not_eligible"
match = {}
title = "No."
reasons = ["Because."]
sources = ["T1"]
where = ""
recipient = ""
instead = "Do something else."
"""


REGIONAL_NOTE = """
[[regional_note]]
id = "promo"
situations = ["duplicate"]
regions = ["JP", "VN"]
sources = ["T1"]
text = "Self-serve here."
elsewhere = "Not here."
unknown = "If your account is in Japan or Vietnam, self-serve."
"""


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def broken(old: str, new: str) -> str:
    """MINIMAL with its first `old` replaced by `new` (failing loudly if `old` is absent)."""
    assert old in MINIMAL, f"test setup: {old!r} is not in MINIMAL"
    return MINIMAL.replace(old, new, 1)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


# --- the real policy.toml ---------------------------------------------------------


def test_default_path_is_the_file_next_to_the_module(policy: Policy) -> None:
    """load_policy() without a path reads conversations/policy.toml."""
    assert DEFAULT_POLICY_PATH.name == "policy.toml"
    assert DEFAULT_POLICY_PATH.parent.name == "conversations"
    assert load_policy(DEFAULT_POLICY_PATH) == policy


def test_version_and_timing_match_the_rulebook(policy: Policy) -> None:
    """The version and every [timing] value are the ones POLICY.md gives."""
    timing = policy.timing
    assert policy.version == "2026-11-26"
    assert timing.reply_expected_business_days == 5
    assert timing.refund_expected_days == 60
    assert timing.verification_reversal_days == 15
    assert str(timing.verification_charge_min) == "10"
    assert timing.verification_charge_currency == "USD"
    assert timing.invoice_copy_business_days == 5
    assert timing.invoice_payment_days == 30
    assert timing.lateness_warn_days == (7, 30, 60)
    assert timing.other_platform_dispute_days == (30, 60)


def test_every_rulebook_row_has_an_entry(policy: Policy) -> None:
    """Each of the twelve rows of POLICY.md §2 is represented by at least one situation."""
    assert {s.row for s in policy.situations} - {0} == set(range(1, 13))


def test_rows_have_the_rulebook_outcomes(policy: Policy) -> None:
    """Each row's entries carry the verdict POLICY.md §2 gives for that row."""
    expected = {
        1: {Outcome.ELIGIBLE},
        2: {Outcome.ELIGIBLE},
        3: {Outcome.BLOCKED},
        4: {Outcome.NOT_ELIGIBLE},
        5: {Outcome.NEEDS_REVIEW},
        6: {Outcome.NOT_ELIGIBLE, Outcome.NEEDS_REVIEW},
        7: {Outcome.NEEDS_REVIEW},
        8: {Outcome.NEEDS_REVIEW},
        9: {Outcome.NOT_ELIGIBLE},
        10: {Outcome.NOT_ELIGIBLE},
        11: {Outcome.NEEDS_REVIEW},
        12: {Outcome.BLOCKED},
    }
    for row, outcomes in expected.items():
        found = {s.outcome for s in policy.situations if s.row == row}
        assert found == outcomes, f"row {row}"


def test_templates_are_known_names(policy: Policy) -> None:
    """Every template named in policy.toml is one of the ten support-message templates."""
    used = {s.template for s in policy.situations if s.template is not None}
    assert used <= TEMPLATE_NAMES, used - TEMPLATE_NAMES


def test_not_refundable_rows_send_no_message(policy: Policy) -> None:
    """Rows 4, 9 and 10 (never refunded) offer no message and no place to send one."""
    for situation in policy.situations:
        if situation.row in {4, 9, 10}:
            assert situation.template is None, situation.id
            assert situation.where == situation.recipient == "", situation.id


def test_not_eligible_and_blocked_say_what_to_do_instead(policy: Policy) -> None:
    """A "no" or "not yet" always comes with what to do instead or first."""
    for situation in policy.situations:
        if situation.outcome in {Outcome.NOT_ELIGIBLE, Outcome.BLOCKED}:
            assert situation.instead, situation.id


def test_worth_asking_and_eligible_say_where_to_send(policy: Policy) -> None:
    """A "yes" or "worth asking" always names a place, a recipient and a message."""
    for situation in policy.situations:
        if situation.outcome in {Outcome.ELIGIBLE, Outcome.NEEDS_REVIEW}:
            assert situation.where, situation.id
            assert situation.recipient, situation.id
            assert situation.template, situation.id


def test_last_situation_is_the_catch_all(policy: Policy) -> None:
    """The last entry matches everything, so every case gets a verdict."""
    last = policy.situations[-1]
    assert last.id == "something_else"
    assert last.match == ()
    assert last.regions is None


def test_inferred_rows_are_hedged(policy: Policy) -> None:
    """Rows POLICY.md marks as inference [I] word their verdict as a hedge, never a promise."""
    for situation in policy.situations:
        if situation.row in INFERRED_ROWS:
            text = " ".join((situation.title, *situation.reasons)).lower()
            assert any(hedge in text for hedge in HEDGES), situation.id


def test_menu_paths_are_quoted_as_in_the_rulebook(policy: Policy) -> None:
    """The balance refund and appeal paths are TikTok's menu paths, word for word."""
    by_id = {s.id: s for s in policy.situations}
    # Row 1's self-serve path comes first; the message is for when the option is missing.
    first = by_id["unspent_balance"].instead
    assert first is not None
    assert (
        "Tools → Settings → Account setup → Basic information → More actions → "
        "Close Account and Refund"
    ) in first
    assert by_id["unspent_balance"].where == "Ads Manager → ? → Advertiser Support"
    instead = by_id["suspended_appeal_first"].instead
    assert instead is not None
    assert "? → Advertiser Support → Account Review → Account Suspension Appeal" in instead


def test_texts_are_final_and_one_line(policy: Policy) -> None:
    """Situation texts and warnings have their placeholders filled and fit on one line."""
    texts = [*policy.warnings.values()]
    for s in policy.situations:
        texts += [s.title, *s.reasons, s.where, s.instead or ""]
    for text in texts:
        assert "{" not in text and "}" not in text, text
        assert "\n" not in text, text


def test_texts_carry_what_they_were_filled_from(policy: Policy) -> None:
    """Every text a verdict shows is a PolicyText: the English text, plus the text as
    written in policy.toml (the catalogue's key) and the numbers filled into it, so the
    adapter translates it without reading the English back."""
    raw = tomllib.loads(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    written = {text.strip() for text, _where in policy_texts(raw)}
    texts = [*policy.warnings.values(), *policy.source_titles.values()]
    for s in policy.situations:
        texts += [s.title, *s.reasons, s.where, *([s.instead] if s.instead else [])]
    for note in policy.regional_notes:
        texts += [t for t in (note.text, note.elsewhere, note.unknown) if t]
    for text in texts:
        assert isinstance(text, PolicyText), text
        if not text:
            continue  # a situation that sends nothing has no "where"
        assert text.template in written, text.template
        shown = text.template.format_map(text.params) if text.params else text.template
        assert shown == text
    verification = policy.warnings["verification_charge"]
    assert isinstance(verification, PolicyText)
    assert "{verification_reversal_days}" in verification.template
    assert verification.params["verification_reversal_days"] == 15
    copied = pickle.loads(pickle.dumps(verification))
    assert (copied, copied.template, copied.params) == (
        verification,
        verification.template,
        verification.params,
    )


def test_warning_texts_take_numbers_from_timing(policy: Policy) -> None:
    """The verification-charge warning shows the amount and days from [timing]."""
    assert policy.warnings["verification_charge"] == (
        "Adding a card triggers a verification charge of at least 10 USD, which TikTok "
        "reverses within 15 days. If that's the charge, it comes back on its own."
    )


def test_required_warnings_exist(policy: Policy) -> None:
    """The warnings POLICY.md §6 asks for are defined, in the agreed wording."""
    assert policy.warnings["closes_account"] == (
        "Refunding the balance closes the ad account for good."
    )
    assert policy.warnings["credits_not_refunded"] == (
        "Ad credits, coupons and spend that delivered are not refunded."
    )
    assert "Try TikTok support first." in policy.warnings["chargeback"]
    for key in ("taxes_excluded", "verification_charge", "bc_transfer_wait", "invoice_due"):
        assert policy.warnings[key], key


def test_policy_is_frozen(policy: Policy) -> None:
    """A loaded policy cannot be changed by the code that uses it."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.version = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.warnings["chargeback"] = "changed"  # type: ignore[index]


# --- loading a small valid file ---------------------------------------------------------


def test_minimal_policy_loads_and_fills_placeholders(tmp_path: Path) -> None:
    """A valid file loads, and timing placeholders in texts are filled in."""
    policy = load_policy(write_policy(tmp_path, MINIMAL))
    first = policy.situations[0]
    assert first.reasons == ("Refund within 60 days.",)
    assert first.outcome is Outcome.NEEDS_REVIEW
    assert first.instead is None
    assert policy.lateness.over == ((7, "{days} days old."), (30, "{days} days old, hurry."))


def test_match_values_become_typed_conditions(tmp_path: Path) -> None:
    """Match values are read as enum members and booleans, with "unknown" kept apart."""
    policy = load_policy(write_policy(tmp_path, MINIMAL))
    conditions = {c.fact: c for c in policy.situations[0].match}
    assert conditions["billing"].allowed == {Billing.AUTOMATIC, Billing.MANUAL}
    assert not conditions["billing"].allows_unknown
    assert conditions["is_admin"].allowed == {True}
    assert conditions["is_admin"].allows_unknown


def test_regions_are_read(tmp_path: Path) -> None:
    """An entry's `regions` list is kept as a set of country codes."""
    text = broken("row = 5\n", 'row = 5\nregions = ["JP", "VN"]\n')
    policy = load_policy(write_policy(tmp_path, text))
    assert policy.situations[0].regions == frozenset({"JP", "VN"})
    assert policy.situations[1].regions is None


def test_regional_notes_are_read_and_say_what_applies(tmp_path: Path) -> None:
    """A [[regional_note]] is kept with its regions, and says its text in them, `elsewhere`
    in another country, and `unknown` when the account's country isn't known."""
    text = MINIMAL + REGIONAL_NOTE
    [note] = load_policy(write_policy(tmp_path, text)).regional_notes
    assert note.situations == frozenset({"duplicate"})
    assert note.regions == frozenset({"JP", "VN"})
    assert note.says("JP") == note.says("vn") == "Self-serve here."
    assert note.says("US") == "Not here."
    assert note.says(None) == "If your account is in Japan or Vietnam, self-serve."


def test_the_real_regional_notes_follow_policy_md(policy: Policy) -> None:
    """POLICY.md's regional differences are in the data: promo codes self-serve in exactly
    VN, JP, TW, MY, ID and TH [T13]; invoice timing for Japan and Latin America [T10]; the
    unknown-region texts hedge as "If your account is in …"."""
    notes = {note.id: note for note in policy.regional_notes}
    promo = notes["promo_codes_self_serve"]
    assert promo.regions == frozenset({"VN", "JP", "TW", "MY", "ID", "TH"})
    assert promo.situations == frozenset({"ad_credits"}) and promo.sources == ("T13",)
    assert notes["invoice_timing_japan"].regions == frozenset({"JP"})
    assert {"BR", "MX", "AR", "CO"} <= notes["invoice_timing_latin_america"].regions
    for note in notes.values():
        assert note.unknown is not None and note.unknown.startswith("If your account is in")


# --- refusing a broken file -----------------------------------------------------------------

INVALID = [
    pytest.param(
        'outcome = "needs_review"',
        'outcome = "maybe"',
        ["situation 'duplicate'", "unknown outcome 'maybe'", "needs_review"],
        id="unknown-outcome",
    ),
    pytest.param(
        'billing = ["automatic", "manual"]',
        'billing_option = "manual"',
        ["situation 'duplicate'", "unknown match key 'billing_option'", "billing"],
        id="unknown-match-key",
    ),
    pytest.param(
        '["automatic", "manual"]',
        '"monthly"',
        ["match.billing", "'monthly' is not a Billing value", "invoicing"],
        id="match-value-not-in-enum",
    ),
    pytest.param(
        'is_admin = [true, "unknown"]',
        'is_admin = "yes"',
        ["match.is_admin", "not a boolean"],
        id="boolean-written-as-string",
    ),
    pytest.param(
        'reason = "duplicate",',
        'reason = ["duplicate", "unknown"],',
        ["reason is always known"],
        id="unknown-for-a-fact-that-is-always-known",
    ),
    pytest.param(
        '["automatic", "manual"]',
        "[]",
        ["match.billing", "empty list matches nothing"],
        id="empty-match-list",
    ),
    pytest.param(
        'warnings = ["chargeback"]',
        'warnings = ["nope"]',
        ["situation 'duplicate'", "warning 'nope' is not defined in [warnings]"],
        id="undefined-warning",
    ),
    pytest.param(
        'sources = ["T1"]',
        'sources = ["T99"]',
        ["situation 'duplicate'", "unknown source 'T99'", "[sources]"],
        id="unknown-source-key",
    ),
    pytest.param(
        'id = "anything_else"',
        'id = "duplicate"',
        ["situation 'duplicate'", "used twice"],
        id="duplicate-id",
    ),
    pytest.param(
        'id = "duplicate"',
        'id = "Duplicate charge"',
        ["snake_case"],
        id="id-not-snake-case",
    ),
    pytest.param(
        "{refund_expected_days}",
        "{refund_days}",
        ["situation 'duplicate' reasons", "unknown placeholder {refund_days}"],
        id="unknown-placeholder-in-situation",
    ),
    pytest.param(
        'chargeback = "No chargeback."',
        'chargeback = "No {nope}."',
        ["[warnings] chargeback", "unknown placeholder {nope}"],
        id="unknown-placeholder-in-warning",
    ),
    pytest.param(
        'over_30 = "{days} days old, hurry."',
        'over_31 = "{days} days old, hurry."',
        ["[lateness]", "over_30", "lateness_warn_days"],
        id="lateness-texts-do-not-match-steps",
    ),
    pytest.param(
        "lateness_warn_days = [7, 30]",
        "lateness_warn_days = [30, 7]",
        ["lateness_warn_days must go up"],
        id="lateness-steps-out-of-order",
    ),
    pytest.param(
        "match = {}",
        'match = { reason = "other" }',
        ["situation 'anything_else'", "last entry must be a catch-all"],
        id="no-catch-all",
    ),
    pytest.param(
        'match = { reason = "duplicate", billing = ["automatic", "manual"], '
        'is_admin = [true, "unknown"] }',
        "match = {}",
        ["situation 'duplicate'", "can never be reached"],
        id="catch-all-before-the-end",
    ),
    pytest.param(
        'instead = "Do something else."\n',
        "",
        ["situation 'anything_else'", "must say what to do instead"],
        id="not-eligible-without-instead",
    ),
    pytest.param(
        'where = "Support"\nrecipient = "tiktok_support"',
        'where = ""\nrecipient = ""',
        ["template 'duplicate_charge' needs a where and a recipient"],
        id="template-with-nowhere-to-send",
    ),
    pytest.param(
        'recipient = "tiktok_support"',
        'recipient = "tiktok"',
        ["unknown recipient 'tiktok'", "account_manager"],
        id="unknown-recipient",
    ),
    pytest.param(
        "row = 5\n",
        'row = 5\nregions = ["jp"]\n',
        ["region 'jp'", "ISO 3166"],
        id="region-not-an-iso-code",
    ),
    pytest.param(
        "row = 5\n",
        'row = 5\nregions = ["JP", "XX"]\n',
        ["situation 'duplicate'", "region 'XX' is not a country's ISO 3166 code"],
        id="region-no-country-has",
    ),
    pytest.param(
        'instead = "Do something else."\n',
        'instead = "Do something else."\n' + REGIONAL_NOTE.replace('"VN"', '"JA"'),
        ["regional_note 'promo'", "region 'JA' is not a country's ISO 3166 code"],
        id="note-region-no-country-has",
    ),
    pytest.param(
        'instead = "Do something else."\n',
        'instead = "Do something else."\n'
        + REGIONAL_NOTE.replace('situations = ["duplicate"]', 'situations = ["dupe"]'),
        ["regional_note 'promo'", "unknown situation 'dupe'"],
        id="note-for-an-unknown-situation",
    ),
    pytest.param(
        'instead = "Do something else."\n',
        'instead = "Do something else."\n' + REGIONAL_NOTE.replace('regions = ["JP", "VN"]\n', ""),
        ["regional_note 'promo'", "missing key 'regions'"],
        id="note-without-regions",
    ),
    pytest.param(
        "row = 5\n",
        'row = 5\ncolour = "red"\n',
        ["situation 'duplicate'", "unknown key(s) ['colour']"],
        id="unknown-situation-key",
    ),
    pytest.param(
        'reasons = ["Because."]',
        'reasons = ["One.", "Two.", "Three.", "Four."]',
        ["reasons must hold 1 to 3 sentences"],
        id="too-many-reasons",
    ),
    pytest.param(
        "invoice_payment_days = 30\n",
        "",
        ["[timing]", "missing key 'invoice_payment_days'"],
        id="missing-timing-value",
    ),
    pytest.param(
        'verification_charge_min = "10"',
        'verification_charge_min = "ten"',
        ["verification_charge_min must be an amount"],
        id="charge-minimum-not-an-amount",
    ),
    pytest.param(
        'version = "test"',
        'version = "test',
        ["not valid TOML"],
        id="toml-syntax-error",
    ),
]


@pytest.mark.parametrize(("old", "new", "fragments"), INVALID)
def test_broken_policy_is_refused_with_a_helpful_message(
    tmp_path: Path, old: str, new: str, fragments: list[str]
) -> None:
    """Each kind of mistake raises PolicyError naming the file, the entry and the problem."""
    path = write_policy(tmp_path, broken(old, new))
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    message = str(raised.value)
    assert message.startswith("policy.toml: "), message
    for fragment in fragments:
        assert fragment in message, message
