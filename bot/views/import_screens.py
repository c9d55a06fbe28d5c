"""The screens of an import (bot/app/imports/): which account, which column, the report
and the charges worth a look. One function a screen: its template, the template's values
and its buttons, from plain data; every button made with the codec (bot/views/callbacks.py),
as "m:imp:<action>[:<value>]".
"""

from __future__ import annotations

from typing import Any

from bot.views import callbacks
from bot.views.callbacks import Kind
from bot.views.i18n import Words, _
from bot.views.phrases import said
from bot.views.rendering import Renderer
from bot.views.replies import Button, Reply, account_label
from conversations.anomalies import Flag
from conversations.billing import FAILED, FIELDS, REQUIRED_FIELDS, ColumnQuestion, ImportReport
from conversations.texts import N_

MAX_SKIPPED_SHOWN = 5
MAX_FAILED_SHOWN = 5
# Column choices: the most a question offers, and the longest label a button shows.
MAX_CANDIDATES_SHOWN = 12
MAX_LABEL = 60
CHOICE_WORDS = Words(
    {
        "day_first": N_("Day first (03/11 = 3 Nov)"),
        "month_first": N_("Month first (03/11 = Mar 11)"),
    }
)


def short_id(account: dict[str, Any]) -> str:
    """`7289…1010`: an advertiser ID as a button shows it."""
    advertiser_id = str(account.get("advertiser_id") or "")
    return f"{advertiser_id[:4]}…{advertiser_id[-4:]}" if len(advertiser_id) > 8 else advertiser_id


def _cancel_row() -> list[Button]:
    return [Button("✖️ " + _("Cancel"), callbacks.menu(Kind.IMPORT, "x"))]


def help_screen(renderer: Renderer) -> Reply:
    """/import: how to get the export out of Ads Manager and send it."""
    return Reply(renderer.chat_text("import_help"))


def new_account(
    renderer: Renderer, filename: str, found: dict[str, Any], saved: list[dict[str, Any]]
) -> Reply:
    """The file names an account not saved here (`found`): save it, or pick another of the
    `saved` ones (the first three are named)."""
    save = "✅ " + _("Yes, save %(account)s") % {"account": short_id(found)}
    buttons = [
        [Button(save, callbacks.menu(Kind.IMPORT, "new"))],
        [Button(_("Another account"), callbacks.menu(Kind.IMPORT, "other"))],
        _cancel_row(),
    ]
    return Reply(
        renderer.chat_text("import_new_account", **new_account_context(filename, found, saved)),
        buttons,
    )


def new_account_context(
    filename: str, found: dict[str, Any], saved: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "filename": filename,
        "account": account_label(found),
        "saved": [account_label(a) for a in saved[:3]],
    }


def which_account(renderer: Renderer, filename: str, accounts: list[dict[str, Any]]) -> Reply:
    """Which saved account the file is for (the first ten), or a new one."""
    buttons = [
        [Button(account_label(a), callbacks.menu(Kind.IMPORT, "acc", str(a["ref"])))]
        for a in accounts[:10]
    ]
    buttons.append([Button("➕ " + _("Add an account"), callbacks.menu(Kind.IMPORT, "add"))])
    buttons.append(_cancel_row())
    return Reply(renderer.chat_text("import_which_account", **filename_context(filename)), buttons)


def filename_context(filename: str) -> dict[str, Any]:
    """A screen that names only the file."""
    return {"filename": filename}


def column_question(renderer: Renderer, question: ColumnQuestion) -> Reply:
    """Which column holds a field (or which way the file writes its dates): a button a
    candidate, by its place in `question.candidates`; "None of these" for a field the
    import can do without."""
    buttons = [
        [
            Button(
                said(CHOICE_WORDS.get(candidate, candidate))[:MAX_LABEL],
                callbacks.menu(Kind.IMPORT, "map", str(i)),
            )
        ]
        for i, candidate in enumerate(question.candidates[:MAX_CANDIDATES_SHOWN])
    ]
    if question.field not in (*REQUIRED_FIELDS, "date_order"):
        buttons.append([Button(_("None of these"), callbacks.menu(Kind.IMPORT, "map", "-"))])
    buttons.append(_cancel_row())
    return Reply(renderer.chat_text("import_question", **question_context(question)), buttons)


def question_context(question: ColumnQuestion) -> dict[str, Any]:
    return {
        "field": question.field,
        "field_name": said(FIELDS.get(question.field, question.field)),
        "sample": question.sample,
    }


def done(
    renderer: Renderer,
    filename: str,
    report: ImportReport,
    added: int,
    already: int,
    account: dict[str, Any] | None,
) -> Reply:
    """How many charges came in, how many were there already, and what was skipped."""
    context = done_context(filename, report, added, already, account)
    return Reply(renderer.chat_text("import_done", **context))


def done_context(
    filename: str,
    report: ImportReport,
    added: int,
    already: int,
    account: dict[str, Any] | None,
) -> dict[str, Any]:
    failed = [row for row in report.rows if row.status == FAILED]
    return {
        "filename": filename,
        "added": added,
        "already": already,
        "skipped": report.skipped[:MAX_SKIPPED_SHOWN],
        "skipped_count": len(report.skipped),
        # Failed payments are kept (a re-import stays "already here") but named, and
        # never offered as a charge to dispute: they took no money.
        "failed": failed[:MAX_FAILED_SHOWN],
        "failed_count": len(failed),
        "account": account_label(account) if account else "",
    }


def flag_with_case(renderer: Renderer, flag: Flag, case_id: int, case_token: str) -> Reply:
    """A charge worth a look that a case is already about (a re-import raises the same
    flag): that case."""
    text = renderer.chat_text("import_flag", **flag_context(flag, case_id))
    label = _("Open case #%(id)s") % {"id": case_id}
    return Reply(text, [[Button(label, callbacks.show_case(case_token))]])


def flag_to_start(renderer: Renderer, flag: Flag, flag_id: int | None) -> Reply:
    """A charge worth a look, with its rule and rows, and a button that starts a case from
    the kept flag `flag_id` (none when its charges weren't stored)."""
    buttons = []
    if flag_id is not None:
        data = callbacks.menu(Kind.IMPORT, "case", f"f:{flag_id}")
        buttons = [[Button(_("Start a case from this"), data)]]
    return Reply(renderer.chat_text("import_flag", **flag_context(flag, None)), buttons)


def flag_context(flag: Flag, case_id: int | None) -> dict[str, Any]:
    """A flag, and the case already about it (None: none yet)."""
    return {"flag": flag, "case_id": case_id}


def expired(renderer: Renderer) -> Reply:
    """A button of an import that is no longer waiting (or one the bot never made)."""
    return Reply(renderer.chat_text("import_expired"))


def cancelled(renderer: Renderer) -> Reply:
    return Reply(renderer.chat_text("import_cancelled"))


def refused(renderer: Renderer, message: str) -> Reply:
    """The file can't be read: why."""
    return Reply(renderer.chat_text("import_refused", **refused_context(message)))


def refused_context(message: str) -> dict[str, Any]:
    return {"message": message}
