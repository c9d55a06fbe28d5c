"""The intake's screens, one function a screen: a question with its buttons, the list of
imported charges to pick from, "which item is this file?", and the words around them.

Each takes plain data (the domain's `Intake`, the rows it shows) and returns the `Reply`:
the template, its context and its keyboard. What to show is decided in bot/app/.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.views import callbacks, i18n, labels
from bot.views.callbacks import Kind as ButtonKind
from bot.views.formats import money, month_name, short_date
from bot.views.i18n import _
from bot.views.rendering import Renderer
from bot.views.replies import Button, Reply, Who, account_label, in_rows
from conversations.answers import IntakeAnswers
from conversations.facts import ChargeStatus
from conversations.intake import Intake, Kind, Note, Step
from conversations.regions import COMMON_REGIONS, region_name
from conversations.texts import N_

# The steps whose question can be answered by picking an imported charge.
PICKABLE = (Step.CHARGE_DATE, Step.OTHER_CHARGE)
# Telegram refuses a message longer than this: a longer text goes as a file.
MAX_MESSAGE_CHARS = 4096


@dataclass(frozen=True)
class Asking:
    """The intake (its token) and the step of it (its seq) a screen's buttons answer: a
    button of an earlier step is refused when pressed."""

    token: str
    seq: int

    def data(self, action: str, value: str = "") -> str:
        return callbacks.intake(self.token, self.seq, action, value)

    def button(self, label: str, action: str, value: str = "") -> Button:
        return Button(label, self.data(action, value))


def welcome(renderer: Renderer) -> Reply:
    """/start in private: what the bot does, and a way to begin."""
    new = Button(_("Look at a charge"), callbacks.menu(ButtonKind.NEW))
    return Reply(renderer.chat_text("start"), [[new]])


def answer_in_private(renderer: Renderer, name: str, url: str) -> Reply:
    """/new in a group that answers in private: the deep link to the private chat."""
    link = Button(_("Answer in private ›"), url=url)
    return Reply(renderer.chat_text("group_new", name=name), [[link]])


def in_progress(renderer: Renderer, at: Asking, intake: Intake) -> Reply:
    """/new while questions are being answered: continue them, or start over."""
    buttons = [[at.button(_("Continue"), "k"), at.button(_("Start over"), "o")]]
    return Reply(renderer.chat_text("in_progress", **in_progress_context(intake)), buttons)


def in_progress_context(intake: Intake) -> dict[str, Any]:
    """What the "in progress" line shows: the step the user is at."""
    number, total = intake.progress()
    step, stage = str(intake.step), intake.spec.stage
    return {"step": step, "stage": stage, "number": number, "total": total}


def cancelled(renderer: Renderer) -> Reply:
    """The intake ended by the user, with a way to begin again."""
    again = Button(_("Start again"), callbacks.menu(ButtonKind.NEW))
    return Reply(renderer.chat_text("cancelled"), [[again]])


def question(
    renderer: Renderer,
    at: Asking,
    intake: Intake,
    who: Who,
    *,
    accounts: Sequence[dict[str, Any]] = (),
    can_pick: bool = False,
    error: str | None = None,
    notes: list[Note] | None = None,
) -> Reply:
    """The current question (again), with its buttons: the saved `accounts` at the account
    question, "Pick from imported charges" when `can_pick`."""
    step = intake.step
    buttons = _answers(at, intake, accounts)
    if can_pick:
        buttons.append([at.button("📂 " + _("Pick from imported charges"), "L", "0:")])
    evidence = intake.answers.get("evidence") or []
    if step is Step.EVIDENCE:
        buttons.append(
            [at.button(done_label(len(evidence)), "d")] if evidence else [at.button(_("Skip"), "s")]
        )
    elif intake.spec.optional and intake.pending is None:
        buttons.append([at.button(_("Skip"), "s")])
    # No way back once the message is sent: the case is being followed.
    back = intake.history and step is not Step.TICKET
    nav = [at.button("⬅️ " + _("Back"), "b")] if back else []
    nav.append(at.button("✖️ " + _("Cancel"), "x"))
    buttons.append(nav)
    text = renderer.chat_text("question", **question_context(intake, error, notes))
    reply = Reply(text, buttons)
    if who.in_group:
        # Answering inside a group: address the member, and for a typed answer open
        # Telegram's reply field (privacy mode shows the bot only replies to itself).
        mention = f'<a href="tg://user?id={who.user_id}">{escape(who.first_name)}</a>'
        reply.text = f"{mention}, {reply.text}"
        typed = intake.spec.kind in (Kind.TEXT, Kind.DATE) and step not in labels.CHOICES
        if typed and intake.pending is None:
            reply.force_reply = True
            reply.buttons = []
            reply.text += "\n<i>" + _("Reply to this message; type skip, back or cancel.") + "</i>"
    return reply


def question_context(
    intake: Intake, error: str | None = None, notes: list[Note] | None = None
) -> dict[str, Any]:
    """What the question shows: the step, the answers so far, an error, the notes."""
    evidence = intake.answers.get("evidence") or []
    return {
        "step": str(intake.step),
        "stage": intake.spec.stage,
        "progress": None if _changing(intake) else intake.progress(),
        "a": IntakeAnswers.of(intake.answers),
        # Why the intake was started: only an account's questions show its ID, not a step.
        "purpose": intake.purpose,
        "error": error,
        "notes": notes or [],
        "pending": intake.pending is not None,
        "reason": str(intake.reason) if intake.reason else "",
        "evidence_count": len(evidence),
        "checklist": labels.checklist(str(intake.reason)),
        "covered": {e.get("covers") for e in evidence},
    }


def _answers(at: Asking, intake: Intake, accounts: Sequence[dict[str, Any]]) -> list[list[Button]]:
    """The buttons that answer the question (the choices, the accounts, the steps)."""
    step = intake.step
    if intake.pending is not None:
        return [
            [at.button(when_label(option), "c", str(i)) for i, option in enumerate(intake.pending)]
        ]
    if step is Step.ACCOUNT:
        rows = [[at.button(account_label(a), "a", str(a["ref"]))] for a in accounts[:8]]
        return [*rows, [at.button("➕ " + _("Add an account"), "n")]]
    if step is Step.EDIT:
        return [
            [at.button(labels.STEP_NAMES[editable], "E", str(editable))]
            for editable in intake.editable_steps()
        ]
    if step is Step.ACCOUNT_REGION:
        # Names in the chat's language (CLDR's, through Babel: not the catalogue's).
        regions = [
            at.button(region_name(code, i18n.current()), "c", code) for code in COMMON_REGIONS
        ]
        return in_rows(regions, 2)
    if step in labels.CHOICES:
        options = [
            (value, label)
            for value, label in labels.CHOICES[step].items()
            if not (value == "charge_day" and not intake.answers.get("charge_date"))
        ]
        width = 1 if max(len(label) for _, label in options) > 18 else 2
        if step is Step.ACCOUNT_CURRENCY:
            width = 3
        if step is Step.REASON:
            width = 2
        return in_rows([at.button(label, "c", value) for value, label in options], width)
    return []


def with_error(reply: Reply, error: str | None) -> Reply:
    """A screen shown again after an answer it couldn't take: the error above it."""
    if error:
        reply.text = f"⚠️ {escape(error)}\n\n{reply.text}"
    return reply


def charge_list(
    renderer: Renderer,
    at: Asking,
    charges: Sequence[Mapping[str, Any]],
    *,
    total: int,
    page: int,
    page_size: int,
    month: str,
    amount: str,
    months: Sequence[str],
    amounts: Sequence[tuple[str, str]],
) -> Reply:
    """A page of the account's charges, with the months and the frequent amounts (its
    `amounts`: amount and currency) that narrow the list."""
    buttons = [[at.button(_charge_label(c), "T", str(c["id"]))] for c in charges]
    everything = ("• " if not month and not amount else "") + _("All")
    buttons.append(
        [at.button(("• " if m == month else "") + month_name(m), "L", f"0:{m}") for m in months]
        + [at.button(everything, "L", "0:")]
    )
    if len(amounts) > 1 or amount:
        buttons.append(
            [
                at.button(("• " if a == amount else "") + money(a, c), "L", f"0:{month}:{a}")
                for a, c in amounts
            ]
        )
    nav = []
    if page > 0:
        nav.append(at.button(_("‹ Newer"), "L", f"{page - 1}:{month}:{amount}"))
    if (page + 1) * page_size < total:
        nav.append(at.button(_("Older ›"), "L", f"{page + 1}:{month}:{amount}"))
    nav.append(at.button("⌨️ " + _("Type it instead"), "k"))
    buttons.append(nav)
    context = charge_list_context(charges, total, page, page_size, month, amount)
    text = renderer.chat_text("charge_list", **context)
    return Reply(text, buttons)


def charge_list_context(
    charges: Sequence[Mapping[str, Any]],
    total: int,
    page: int,
    page_size: int,
    month: str,
    amount: str,
) -> dict[str, Any]:
    """What the page of charges says: how many, which page, and what narrows them."""
    return {
        "total": total,
        "page": page + 1,
        "pages": max(1, -(-total // page_size)),
        "month": month_name(month) if month else "",
        "amount": money(amount, charges[0]["currency"]) if amount and charges else amount,
    }


def evidence_which(
    renderer: Renderer, at: Asking, reason: str, count: int, notes: list[Note]
) -> Reply:
    """A file just sent: which item of the reason's checklist is it? (One tap; the
    checklist then shows it ticked.)"""
    index = count - 1
    buttons = [
        [at.button(label[:60], "V", f"{index}:{key}")] for key, label in labels.checklist(reason)
    ]
    buttons.append([at.button(_("Something else"), "V", f"{index}:other")])
    buttons.append([at.button(done_label(count), "d")])
    return Reply(renderer.chat_text("evidence_which", notes=notes), buttons)


def done_label(count: int) -> str:
    # Translators: a button under the evidence question; %(count)s is how many files were sent.
    return "✅ " + _("Done (%(count)s)") % {"count": count}


def when_label(option: Mapping[str, str | None]) -> str:
    """One of the dates (and times) an answer could mean, as its button says it."""
    label = short_date(option["day"])
    return f"{label}, {option['at']}" if option.get("at") else label


def _charge_label(charge: Mapping[str, Any]) -> str:
    day = short_date(charge["happened_on"]) if charge.get("happened_on") else "—"
    at = f" {charge['happened_at_time']}" if charge.get("happened_at_time") else ""
    card = f" · ••{charge['card_last4']}" if charge.get("card_last4") else ""
    # A charge that took no money says so on its button (POLICY.md §1.4).
    status = _STATUS_LABELS.get(str(charge.get("status") or ""))
    shown = f" · {_(status)}" if status else ""
    return f"{day}{at} · {money(charge['amount'], charge['currency'])}{card}{shown}"


# Translators: the status of an imported charge, on its button in the list of charges.
_STATUS_LABELS: dict[str, str] = {
    ChargeStatus.FAILED: N_("Failed"),
    ChargeStatus.PROCESSING: N_("Processing"),
}


def _changing(intake: Intake) -> bool:
    """Whether the user is changing an answer of a judged case (or is past the questions):
    the question then has no place in the path's count."""
    past = {Step.REVIEW, Step.EDIT}
    return intake.step in (Step.TICKET, Step.EDIT) or any(Step(s) in past for s in intake.history)


def escape(text: str) -> str:
    return html.escape(text, quote=False)
