"""Spotting charges in imported billing rows that are worth a second look.

This package owns three checks over `ChargeRow`s (conversations/billing/), each a pure
function of the rows, the policy and the dates passed in. A check never calls a charge
wrong on its own say: every `Flag` names its rule, the rows it is about, an explanation
in plain words (hedged where POLICY.md only infers), and the rulebook's source keys.

- `duplicate_charge` (POLICY.md §2 row 5). Automatic payment charges the card each time
  spend reaches the billing threshold, which TikTok says "may result in multiple charges"
  [T5, T6]: equal charges hours apart are normal. The rule: successful charges of the same
  amount and currency on the same card (and ad account) form a *burst* when each follows
  the previous one within `[import].duplicate_window_minutes`. A burst of two or more is
  flagged unless another equal charge lies within `[import].threshold_series_hours`
  before or after it — then the burst reads as part of a threshold series and is left
  alone. Rows with the same fingerprint count once (the same transaction imported twice).
  Known limit: a true double charge in the middle of a busy threshold series is not
  flagged; the person can still pick that charge by hand.
- `verification_not_reversed` (row 5, [T5]). A card verification charge with no refund
  of the same amount, currency and card within `[timing].verification_reversal_days`,
  once that many full days have passed by `today`. A row is a verification charge when
  the export labels it so, or — exports often have no "type" column — when it is the
  first row of its card in the export, a charge of exactly `[import].verification_amounts`
  in its currency (10 USD), with no document number (verification charges get no invoice).
  Currencies not in that table are not guessed at: TikTok publishes no local amounts.
- `charged_after_pause` (row 6, [T6, T16]). Charges dated after a recorded pause date.
  Matching is on the row's ad account (or the account the whole export belongs to):
  transactions exports rarely carry campaign IDs, so a pause recorded for a campaign
  matches nothing. Spend before a pause is usually billed later, so the explanation says
  so; only spend after the pause is a billing error.

The package's parts: `checks` (the three checks) and `flags` (what they report, and its
wording). Underscored names are private to the package.
"""

from conversations.anomalies.checks import (
    charges_after_pause,
    duplicate_charges,
    find_anomalies,
    unreversed_verifications,
)
from conversations.anomalies.flags import (
    CHARGED_AFTER_PAUSE,
    DUPLICATE_CHARGE,
    VERIFICATION_NOT_REVERSED,
    Flag,
)

__all__ = [
    "CHARGED_AFTER_PAUSE",
    "DUPLICATE_CHARGE",
    "VERIFICATION_NOT_REVERSED",
    "Flag",
    "charges_after_pause",
    "duplicate_charges",
    "find_anomalies",
    "unreversed_verifications",
]
