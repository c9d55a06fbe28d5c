"""Importing the Ads Manager transactions export: which account, which column, the
report, and the charges worth a look.

- `service`: the import's steps as the transport calls them (`ImportService`): the chat's
  claim, storing the rows, the report and its flags;
- `questions`: what is asked before the rows can be stored (`ImportQuestions`): which
  account, which column, the file waiting in `pending_inputs` meanwhile;
- `charges`: which cases are about which charges.

Their screens are bot/views/import_screens.py.
"""

from bot.app.imports.charges import ChargeKey, case_charges, cases_about, flag_reason, stored_charge
from bot.app.imports.questions import ImportJob, ImportQuestions
from bot.app.imports.service import CLAIM_LEASE, AccountFacts, ImportService, looks_like_export

__all__ = [
    "CLAIM_LEASE",
    "AccountFacts",
    "ChargeKey",
    "ImportJob",
    "ImportQuestions",
    "ImportService",
    "case_charges",
    "cases_about",
    "flag_reason",
    "looks_like_export",
    "stored_charge",
]
