"""Which questions an intake asks: the reasons each question serves, and the conditions
of the transition table (`Conditions`, a part of `Intake`)."""

from __future__ import annotations

from collections.abc import Callable

from conversations.facts import AccountStatus, Appeal, Billing, PaidVia, Reason, SpendAfterPause
from conversations.intake.core import IntakeCore
from conversations.intake.steps import ACCOUNT_QUESTIONS, Step

REASONS_ABOUT_A_CHARGE = frozenset(
    {
        Reason.DUPLICATE,
        Reason.UNRECOGNISED,
        Reason.AFTER_PAUSE,
        Reason.NOT_DELIVERED,
        Reason.INVALID_TRAFFIC,
        Reason.WRONG_INVOICE,
        Reason.OTHER,
    }
)
REASONS_ABOUT_THE_BALANCE = frozenset({Reason.UNUSED_BALANCE, Reason.SUSPENDED})
REASONS_WITH_A_STORY = frozenset({Reason.NOT_DELIVERED, Reason.INVALID_TRAFFIC, Reason.OTHER})
# Reasons whose verdict the reason alone decides, whoever was paid (POLICY.md rows 4, 9,
# 10): no message is written, so no account is asked for.
REASONS_DECIDED_BY_THE_REASON = frozenset(
    {Reason.POOR_RESULTS, Reason.AD_CREDITS, Reason.REJECTED_UNSPENT}
)
# Reasons whose verdict depends on the billing option (POLICY.md rows 1, 2, 5, 11).
REASONS_BY_BILLING = frozenset(
    {
        Reason.UNUSED_BALANCE,
        Reason.SUSPENDED,
        Reason.DUPLICATE,
        Reason.UNRECOGNISED,
        Reason.WRONG_INVOICE,
    }
)
# Reasons whose verdict on monthly invoicing is the account manager's look at the invoice,
# with a note on when invoices appear in the account's region (policy.toml
# "charge_query_invoicing"); a wrong invoice has the note whatever the billing option.
REASONS_ABOUT_INVOICING = frozenset({Reason.DUPLICATE, Reason.UNRECOGNISED})
# Reasons whose message asks for something the reason leaves open (POLICY.md §1.5): money
# back, a credit, a corrected invoice or an explanation. A wrong invoice asks for a
# corrected one; a balance asks for the money back.
REASONS_WITH_A_WANT = frozenset(
    {
        Reason.DUPLICATE,
        Reason.UNRECOGNISED,
        Reason.AFTER_PAUSE,
        Reason.NOT_DELIVERED,
        Reason.INVALID_TRAFFIC,
        Reason.OTHER,
    }
)


class Conditions(IntakeCore):
    """The conditions of the transition table, named after the rule they check, and
    `asks`, which decides the account's questions."""

    # Conditions of the transition table, named after the rule they check.
    def adds_an_account(self) -> bool:
        return self.only_account

    def lacks_reason(self) -> bool:
        return not self.only_account and self.reason is None

    def lacks_account(self) -> bool:
        return self.needs_an_account() and "advertiser_id" not in self.answers

    def needs_an_account(self) -> bool:
        """Whether this reason's verdict or message needs the ad account at all."""
        reason = self.reason
        return reason is not None and reason not in REASONS_DECIDED_BY_THE_REASON

    def asks(self, step: Step) -> bool:
        """Whether the account question `step` is asked: not answered yet, and either the
        account is being added on its own (/accounts: all of them) or this reason's verdict
        or message needs the fact (POLICY.md §1, §2)."""
        a = self.answers
        if self.answered(step):
            return False
        if step is Step.ACCOUNT_BC_ID:
            # Only for an account in a Business Center, once that is known.
            return a.get("in_bc") is True
        if self.only_account:
            return True
        reason = self.reason
        if step is Step.ACCOUNT_REGION and reason is Reason.AD_CREDITS:
            # No account is asked for ad credits, but where promo codes are self-serve
            # depends on the account's country (policy.toml [[regional_note]]).
            return True
        if not self.needs_an_account() or "advertiser_id" not in a:
            return False
        by_agency = a.get("paid_via") == PaidVia.AGENCY
        about_the_balance = reason in REASONS_ABOUT_THE_BALANCE
        if step is Step.ACCOUNT_PAID_VIA:
            return True  # an agency-paid account goes to the agency, whatever the reason
        if step is Step.ACCOUNT_STATUS:
            # Suspended or closed changes a balance's verdict (the agency's wording too);
            # "Account suspended, money left" says it already.
            return reason is Reason.UNUSED_BALANCE
        if step is Step.ACCOUNT_BILLING:
            return not by_agency and reason in REASONS_BY_BILLING
        if step is Step.ACCOUNT_BC:
            # The balance's route (and the message) goes through a Business Center.
            return (
                not by_agency
                and about_the_balance
                and a.get("billing") in (Billing.MANUAL, Billing.AUTOMATIC)
            )
        if step is Step.ACCOUNT_CURRENCY:
            # The amount questions read an amount in the account's currency.
            return "amount" not in a and (reason in REASONS_ABOUT_A_CHARGE or about_the_balance)
        if step is Step.ACCOUNT_REGION:
            # When invoices appear differs in Japan and Latin America: a note under the
            # verdicts of a wrong invoice, and of a charge queried on monthly invoicing.
            return not by_agency and (
                reason is Reason.WRONG_INVOICE
                or (reason in REASONS_ABOUT_INVOICING and a.get("billing") == Billing.INVOICING)
            )
        return False  # the name: only /accounts asks it

    def asks_want(self) -> bool:
        """What the advertiser wants, asked where the reason leaves it open (POLICY.md
        §1.5); after a pause, only once spend after it is shown (else nothing is sent)."""
        if self.reason is Reason.AFTER_PAUSE:
            return self.answers.get("spend_after_pause") == SpendAfterPause.YES
        return self.reason in REASONS_WITH_A_WANT

    def is_about_a_charge(self) -> bool:
        return self.reason in REASONS_ABOUT_A_CHARGE

    def is_about_the_balance(self) -> bool:
        return self.reason in REASONS_ABOUT_THE_BALANCE

    def pays_by_card(self) -> bool:
        return self.answers.get("billing") != Billing.INVOICING

    def is_duplicate(self) -> bool:
        return self.reason is Reason.DUPLICATE

    def is_after_pause(self) -> bool:
        return self.reason is Reason.AFTER_PAUSE

    def is_wrong_invoice(self) -> bool:
        return self.reason is Reason.WRONG_INVOICE

    def needs_story(self) -> bool:
        return self.reason in REASONS_WITH_A_STORY

    def account_is_suspended(self) -> bool:
        return (
            self.reason is Reason.SUSPENDED
            or self.answers.get("account_status") == AccountStatus.SUSPENDED
        )

    def is_not_admin(self) -> bool:
        return self.answers.get("is_admin") is False

    def pays_automatically(self) -> bool:
        return self.answers.get("billing") == Billing.AUTOMATIC

    def appeal_was_won(self) -> bool:
        return self.answers.get("appeal") == Appeal.WON


def _asks_method(step: Step) -> Callable[[Conditions], bool]:
    def asks(self: Conditions) -> bool:
        return self.asks(step)

    asks.__name__ = f"asks_{step}"
    return asks


# One condition per account question (the transition table names them: asks_account_bc, ...).
for _step in ACCOUNT_QUESTIONS:
    setattr(Conditions, f"asks_{_step}", _asks_method(_step))
