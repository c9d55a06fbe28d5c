"""The files of an `/export`: cases.csv (one row a case, for any spreadsheet), the facts of
a case file (`case-<id>.md`) in words, and the zip they go in. Nothing here reads the
database or knows the chat: `bot.app.records.service` gathers the cases and calls these."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.db.records import CaseRecord
from bot.views import i18n, labels
from bot.views.formats import long_date, money, short_date
from bot.views.i18n import Words, _
from bot.views.rendering import totals
from conversations.answers import Charge
from conversations.cases import SYSTEM_ACTOR
from conversations.intake import REASONS_ABOUT_THE_BALANCE, Step
from conversations.regions import region_name
from conversations.texts import N_

# cases.csv's column names in English (`cases_csv` writes them in the reader's language; the
# values stay machine-readable: ISO dates, plain decimal amounts, numeric ids).
CSV_HEADER = (
    # Translators: a column of cases.csv in /export: the case number.
    N_("id"),
    # Translators: a column of cases.csv in /export: the day the case was opened.
    N_("created"),
    N_("status"),
    N_("reason"),
    N_("account"),
    N_("amount"),
    N_("currency"),
    N_("charge date"),
    N_("verdict"),
    N_("policy version"),
    N_("ticket"),
    N_("sent at"),
    N_("reply due"),
    # Translators: a column of cases.csv in /export: the Telegram user id of the case's owner.
    N_("owner id"),
    # Translators: a column of cases.csv in /export: the Telegram user id of the assignee.
    N_("assignee id"),
)

# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"):
# text the user typed (an account name, a ticket) gets a leading apostrophe instead.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# How a file kept as evidence was sent (the kind stored with it).
EVIDENCE_KINDS = Words({"photo": N_("photo"), "document": N_("document"), "video": N_("video")})


def cases_csv(records: Iterable[CaseRecord], tz: tzinfo) -> bytes:
    """cases.csv: one row a case, the header and the words (status, reason, verdict) in the
    reader's language; dates ISO, money as the exact decimal typed, ids as numbers."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([_(column) for column in CSV_HEADER])
    for case in records:
        a = case.answers
        writer.writerow(
            (
                case.id,
                case.created_at.astimezone(tz).date().isoformat(),
                labels.STATUS_WORDS.get(case.status, case.status),
                labels.REASONS.get(case.reason, case.reason),
                _cell(_account(a)),
                a.get("amount") or "",
                a.get("amount_currency") or "",
                a.get("charge_date") or "",
                labels.OUTCOME_WORDS.get(case.outcome, case.outcome),
                case.policy_version,
                _cell(case.ticket or ""),
                case.sent_at.astimezone(tz).isoformat(timespec="seconds") if case.sent_at else "",
                case.reply_due_on or "",
                case.owner_user_id,
                case.assignee_user_id or "",
            )
        )
    # With a byte-order mark, Excel reads the file as UTF-8 (names with accents, the "·").
    return text.getvalue().encode("utf-8-sig")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _account(a: Mapping[str, Any]) -> str:
    """`Northwind Apparel · 7289000011112221010`: the full ID (a spreadsheet is searched)."""
    advertiser_id = str(a.get("advertiser_id") or "")
    name = a.get("account_name")
    return f"{name} · {advertiser_id}" if name and advertiser_id else name or advertiser_id


def add_file(archive: zipfile.ZipFile, name: str, content: bytes, now: datetime) -> None:
    info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # a plain readable file once unpacked
    archive.writestr(info, content)


def _yes_no(step: Step) -> Callable[[Any], str]:
    choices = labels.CHOICES[step]
    return lambda value: choices["yes"] if value else choices["no"]


def _choice(step: Step) -> Callable[[Any], str]:
    return lambda value: labels.CHOICES[step].get(str(value), str(value))


def _when(day_key: str, time_key: str) -> Callable[[Mapping[str, Any]], str]:
    def shown(a: Mapping[str, Any]) -> str:
        at = a.get(time_key)
        return long_date(a[day_key]) + (f", {at}" if at else "")

    return shown


def _card(last4: Any) -> str:
    # Translators: the card's last four digits in the facts of an exported case file.
    return _("ending %(digits)s") % {"digits": last4}


# The answers as a reader of the case file sees them: (English label, answer key, how to
# show it, whether it is given the whole answers), in the order the intake asks. The label
# is translated when the file is built; the callable gets the whole answers when one value
# isn't enough (a date with its time, an amount with its currency).
_FACTS: tuple[tuple[str, str, Callable[[Any], str] | None, bool], ...] = (
    (
        labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_BILLING],
        "billing",
        lambda v: labels.BILLING_WORDS.get(v, v),
        False,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_BC], "in_bc", _yes_no(Step.ACCOUNT_BC), False),
    (labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_BC_ID], "bc_id", None, False),
    (labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_CURRENCY], "currency", None, False),
    (N_("Account status"), "account_status", _choice(Step.ACCOUNT_STATUS), False),
    (
        labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_PAID_VIA],
        "paid_via",
        _choice(Step.ACCOUNT_PAID_VIA),
        False,
    ),
    (
        labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_REGION],
        "region",
        lambda code: region_name(code, i18n.current()),
        False,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.REASON], "reason", _choice(Step.REASON), False),
    (
        labels.STEP_NAMES_ENGLISH[Step.CHARGE_DATE],
        "charge_date",
        _when("charge_date", "charge_time"),
        True,
    ),
    (N_("Amount"), "amount", lambda a: money(a["amount"], a.get("amount_currency")), True),
    (labels.STEP_NAMES_ENGLISH[Step.CHARGE_CARD], "card_last4", _card, False),
    (labels.STEP_NAMES_ENGLISH[Step.CHARGE_INVOICE], "invoice_number", None, False),
    (labels.STEP_NAMES_ENGLISH[Step.CHARGE_CAMPAIGNS], "campaign_ids", ", ".join, False),
    (
        labels.STEP_NAMES_ENGLISH[Step.OTHER_CHARGE],
        "other_date",
        _when("other_date", "other_time"),
        True,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.OTHER_INVOICE], "other_invoice", None, False),
    # A case started from an import's flag: every charge of it, and their total.
    (N_("Charges"), "charges", lambda c: _charges(c), False),
    (labels.STEP_NAMES_ENGLISH[Step.PAUSED_ON], "paused_on", long_date, False),
    (
        labels.STEP_NAMES_ENGLISH[Step.SPEND_AFTER_PAUSE],
        "spend_after_pause",
        _choice(Step.SPEND_AFTER_PAUSE),
        False,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.WANT], "wants", _choice(Step.WANT), False),
    (labels.STEP_NAMES_ENGLISH[Step.APPEAL], "appeal", _choice(Step.APPEAL), False),
    (labels.STEP_NAMES_ENGLISH[Step.ADMIN], "is_admin", _yes_no(Step.ADMIN), False),
    (
        labels.STEP_NAMES_ENGLISH[Step.ADDED_BALANCE],
        "added_balance",
        _choice(Step.ADDED_BALANCE),
        False,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.NOTICED], "noticed", long_date, False),
    # Free text last: it may run over several lines.
    (labels.STEP_NAMES_ENGLISH[Step.INVOICE_PROBLEM], "invoice_problem", None, False),
    (labels.STEP_NAMES_ENGLISH[Step.STORY], "story", None, False),
)


def _charges(charges: list[dict[str, Any]]) -> str:
    """One line per charge (`6 Nov 2026 09:10 · 40.00 USD · BDP1`), then the total."""
    lines = []
    for charge in charges:
        at = f" {charge['time']}" if charge.get("time") else ""
        document = f" · {charge['invoice']}" if charge.get("invoice") else ""
        shown = money(charge["amount"], charge["currency"])
        lines.append(f"{short_date(charge['date'])}{at} · {shown}{document}")
    typed = [Charge.of(charge) for charge in charges]
    lines.append(_("Total: %(amounts)s") % {"amounts": " + ".join(totals(typed))})
    return "\n".join(lines)


def facts(a: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The case's answers in words; unanswered ones left out."""
    out: list[dict[str, Any]] = []
    if a.get("advertiser_id"):
        account = _account(a)
        out.append({"label": labels.STEP_NAMES[Step.ACCOUNT], "value": account, "lines": [account]})
    for label, key, show, whole in _FACTS:
        value = a.get(key)
        if value is None or value == "" or value == []:
            continue
        if key == "amount" and a.get("reason") in REASONS_ABOUT_THE_BALANCE:
            label = labels.STEP_NAMES[Step.BALANCE]  # the same answer key, asked differently
        else:
            label = _(label)
        text = show(a if whole else value) if show else str(value)
        # Free text may run over several lines: the case file quotes it as a block.
        out.append({"label": label, "value": text, "lines": text.splitlines()})
    return out


def message_body(case: CaseRecord) -> str | None:
    """The message without its `Subject:` line (the case file shows the subject apart)."""
    if not case.message:
        return None
    first, _sep, rest = case.message.partition("\n")
    return rest.strip("\n") if first.startswith("Subject: ") else case.message.strip("\n")


def fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`, so it can't close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def person(user_id: int | None, names: Mapping[int, tuple[str, str | None]]) -> dict[str, Any]:
    first, username = names.get(user_id or 0, ("", None))
    return {"id": user_id, "name": first, "username": username}


def actor(user_id: int, case: CaseRecord, names: Mapping[int, tuple[str, str | None]]) -> str:
    """Who did it, for a group's timeline (a private chat's is all the user's own)."""
    if user_id == SYSTEM_ACTOR:
        # Translators: who did it, in an exported case's timeline.
        return _("the bot")
    if user_id in names:
        return names[user_id][0]
    if user_id == case.owner_user_id and not names:
        return ""
    # Translators: someone the bot knows only by their Telegram user id.
    return _("user %(id)s") % {"id": user_id}


def utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def tidy(text: str, fence: str) -> str:
    """No runs of blank lines where optional sections were left out (but the message inside
    its fence stays exactly as sent); one final newline."""
    out: list[str] = []
    inside = False
    for line in text.strip("\n").splitlines():
        if line.startswith(fence):
            inside = not inside
        elif not inside:
            line = line.rstrip()
            if line == "" and out and out[-1] == "":
                continue
        out.append(line)
    return "\n".join(out) + "\n"
