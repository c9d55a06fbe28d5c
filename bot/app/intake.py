"""What the bot does with each thing a user says or taps, independent of transport.

A handler (Telegram or terminal) turns an update into one call here and sends
the `Reply`s it gets back. Each call loads the intake row, attaches it to the
shared machine, applies the input, saves the row, and renders the next screen.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.followup import NOT_ALLOWED, OPEN_DRAFT, SENT_DRAFT, SHOW_CASE_PREFIX, FollowUpService
from bot.app.imports import ImportJob, ImportService, case_charges, cases_about, flag_reason
from bot.db.records import CaseRecord, IntakeRow, new_token
from bot.db.store import Store
from bot.views import i18n, labels
from bot.views.formats import money, month_name, short_date
from bot.views.i18n import N_, _
from bot.views.phrases import error_text
from bot.views.policy_texts import PolicyTexts
from bot.views.rendering import Renderer, SupportMessage
from bot.views.replies import Button, ButtonResult, Document, Reply, Who, account_label, in_rows
from conversations.answers import IntakeAnswers
from conversations.billing import ExportTitle
from conversations.cases import CaseStatus
from conversations.eligibility import assess
from conversations.errors import InputError
from conversations.facts import ChargeStatus, Reason, Verdict
from conversations.findings import NearbyCharge, others_near_pair, raised_promptly
from conversations.inputs import whole_number
from conversations.intake import (
    ACCOUNT_STEPS,
    CHOICES_WITH_TYPING,
    SPECS,
    Intake,
    Kind,
    Note,
    Step,
    attached,
)
from conversations.policy import Policy
from conversations.regions import COMMON_REGIONS, region_name
from conversations.signatures import parse_signature

log = logging.getLogger(__name__)

CALLBACK_PREFIX = "i"
# In the intake's answers while the review screen waits for a typed signature.
SIGNING = "_signing"
# The intake's buttons beside a typed question (Back, Cancel, Skip, "Pick from imported
# charges"): they move around the question rather than answer it.
AROUND_A_QUESTION = frozenset({"b", "x", "s", "L"})
# How long a group's "answer in private" link stays usable.
LINK_LIFETIME = timedelta(days=2)
MAX_INPUT_CHARS = 4096


class RefundService:
    """The intake and the case list, as a user meets them in a chat."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        renderer: Renderer,
        clock: Callable[[], datetime],
        timezone: str = "UTC",
    ) -> None:
        self.store = store
        self.policy = policy
        self.renderer = renderer
        self.clock = clock
        self.followup = FollowUpService(store, policy, renderer, clock, timezone)
        self.imports = ImportService(store, policy, renderer, clock)
        self.policy_texts = PolicyTexts(policy)

    def today(self, who: Who | None = None, team_id: int | None = None) -> date:
        """Today in the team's time zone (a group's case answered in private counts in the
        group's), else the chat's, else the default zone."""
        chat = team_id if team_id is not None else (who.chat_id if who else None)
        tz = (
            self.followup.schedule(chat).tz
            if chat is not None
            else ZoneInfo(self.followup.default_timezone)
        )
        return self.clock().astimezone(tz).date()

    # --- commands ----------------------------------------------------------------

    def start(self, who: Who, payload: str = "") -> list[Reply]:
        """Greet and explain what the bot does; a deep link from a group starts its case."""
        # Someone who blocked the bot and comes back gets their reminders again.
        self.store.unblock_chat(who.chat_id)
        if who.in_group:
            self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
            return [self._reply("group_start")]
        if payload:
            return self._start_from_link(who, payload)
        return [self._reply("start", buttons=[[Button(_("Look at a charge"), "m:new")]])]

    def _start_from_link(self, who: Who, payload: str) -> list[Reply]:
        team_id, refusal = self.store.use_link(payload[:64], who.user_id, LINK_LIFETIME)
        if team_id is None:
            return [self._reply("link_refused", why=refusal)]
        replies: list[Reply] = []
        row = self.store.load_intake(who.chat_id, who.user_id)
        if row is not None and not row.intake.finished:
            # One intake per chat at a time: the earlier one is cancelled, and said so.
            replies += self._cancel(row, who)
        replies.append(self._reply("team_intake", title=self.store.team_title(team_id)))
        return replies + self._begin(who, team_id=team_id)

    # --- language --------------------------------------------------------------------

    def language_for(self, who: Who) -> str:
        """The language to answer this update in (chosen on the chat's first contact)."""
        return self.followup.first_contact(who)

    def language(self, who: Who) -> list[Reply]:
        """/language: the languages, each in its own name, as buttons."""
        return [self._language_reply(who)]

    def _language_reply(self, who: Who, *, changed: bool = False, refused: bool = False) -> Reply:
        current = i18n.current()
        buttons = [
            [Button(("• " if code == current else "") + lang.name, f"m:lang:{code}")]
            for code, lang in i18n.LANGUAGES.items()
        ]
        return self._reply(
            "language",
            buttons=[] if changed or refused else buttons,
            name=i18n.LANGUAGES[current].name,
            changed=changed,
            refused=refused,
            is_group=who.in_group,
        )

    def language_button(self, who: Who, data: str) -> ButtonResult:
        """A language picked under /language: the user's own chat, or a group by an admin."""
        code = data.removeprefix("m:lang:")
        if code not in i18n.LANGUAGES:
            return ButtonResult(_("That button isn't one I know."), [])
        if who.in_group and not who.is_admin:
            return ButtonResult(
                _("Only a group admin can change the group's language."),
                [self._language_reply(who, refused=True)],
            )
        self.followup.set_language(who, code)
        with i18n.speaking(code):
            return ButtonResult(
                i18n.LANGUAGES[code].name, [self._language_reply(who, changed=True)]
            )

    def help(self, who: Who) -> list[Reply]:
        return [self._reply("help", is_group=who.in_group)]

    # --- teams in groups -------------------------------------------------------------

    def remember_member(self, who: Who) -> None:
        self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        self.store.remember_member(who.chat_id, who.user_id, who.first_name, who.username)

    def bot_added(self, who: Who) -> list[Reply]:
        """Added to a group: it becomes the team's workspace."""
        self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        self.store.unblock_chat(who.chat_id)
        return [self._reply("group_start")]

    def accepts_export(self, who: Who) -> bool:
        """Whether a billing export sent now is an import (not evidence): no intake is
        running, or it is at a "which charge?" question."""
        row = self.store.load_intake(who.chat_id, who.user_id)
        return row is None or row.intake.finished or row.intake.step in PICKABLE

    def start_from_charges(self, who: Who, data: str) -> ButtonResult:
        """ "Start a case from this" under an import's flag: the account, the reason and
        every charge of the flag filled in (and the pause date it was measured against);
        only what's missing is asked."""
        # m:imp:case:f:<flag id>, or (buttons from before flags were kept)
        # m:imp:case:<reason>:<account>:<charge ids joined by ".">
        parts = data.split(":")
        paused_on: str | None = None
        if len(parts) == 5 and parts[3] == "f":
            flag_id = whole_number(parts[4])
            flag = self.store.import_flag(who.chat_id, flag_id) if flag_id is not None else None
            if flag is None:
                return ButtonResult(_("That charge isn't here any more."), [])
            reason = FLAG_REASONS.get(flag_reason(str(flag["rule"])))
            account_id: int | None = int(flag["account_id"])
            ids = [int(i) for i in flag["charge_ids"]]
            paused_on = flag["paused_on"]
        else:
            account_id = whole_number(parts[4]) if len(parts) == 6 else None
            if account_id is None:
                return ButtonResult(_("That button isn't one I know."), [])
            reason = FLAG_REASONS.get(parts[3])
            ids = [i for i in map(whole_number, parts[5].split(".")) if i is not None]
        account = self.store.get_account(who.chat_id, account_id) if account_id else None
        charges = self.store.transaction_rows(account["ref"], ids) if account else []
        if reason is None or account is None or not charges:
            return ButtonResult(_("That charge isn't here any more."), [])
        keys = [
            c
            for charge in charges
            for c in case_charges(_charge_answers(charge) | {"account_ref": account["ref"]})
        ]
        earlier = cases_about(self.store, who.chat_id, keys)
        if earlier:  # a flag raised again by a re-import: its case is already there
            return ButtonResult(None, [self._already_a_case(earlier[-1])])
        replies: list[Reply] = []
        old = self._load_once(who)
        if old is not None and not old.intake.finished:
            replies += self._cancel(old, who)
        row = self._new_row(who)
        with attached(row.intake):
            row.intake.choose(reason, self.today(who))
            values = _charge_answers(charges[0])
            if len(charges) > 1:
                # Every charge of the flag, for the review, the message and the case.
                values["charges"] = [_listed_charge(charge) for charge in charges]
            if reason == Reason.DUPLICATE and len(charges) > 1:
                values.update(_charge_answers(charges[1], other=True))
            if reason == Reason.AFTER_PAUSE and paused_on:
                values["paused_on"] = paused_on  # changeable from "Change an answer"
            # The charges first, so that picking the account asks only the account facts
            # still missing (no currency: the charge has one) and passes over the rest.
            row.intake.prefill(values)
            row.intake.use_account(account)
            replies += self._after_change(row, who, [], previous=Step.REASON)
        return ButtonResult(None, replies)

    def _charge_list(self, row: IntakeRow, who: Who, value: str) -> Reply:
        """The account's charges, newest first, a page at a time, by month or amount."""
        page_text, month, amount = [*value.split(":"), "", ""][:3]
        page = whole_number(page_text, most_digits=6) or 0
        account_id = int(row.intake.answers["account_ref"])
        # Failed payments took no money: never offered as a charge to dispute.
        charges, total = self.store.list_transactions(
            account_id,
            month=month or None,
            offset=page * PAGE,
            limit=PAGE,
            amount=amount or None,
            charges_only=True,
        )
        buttons = [[Button(_charge_label(c), self._data(row, "T", str(c["id"])))] for c in charges]
        months = self.store.transaction_months(account_id, charges_only=True)[:3]
        everything = ("• " if not month and not amount else "") + _("All")
        buttons.append(
            [
                Button(
                    ("• " if m == month else "") + short_month(m), self._data(row, "L", f"0:{m}")
                )
                for m in months
            ]
            + [Button(everything, self._data(row, "L", "0:"))]
        )
        # The amounts charged most often (this month): one tap narrows the list.
        amounts = self.store.frequent_amounts(
            account_id, month=month or None, limit=3, charges_only=True
        )
        if len(amounts) > 1 or amount:
            buttons.append(
                [
                    Button(
                        ("• " if a == amount else "") + money(a, c),
                        self._data(row, "L", f"0:{month}:{a}"),
                    )
                    for a, c in amounts
                ]
            )
        nav = []
        if page > 0:
            nav.append(Button(_("‹ Newer"), self._data(row, "L", f"{page - 1}:{month}:{amount}")))
        if (page + 1) * PAGE < total:
            nav.append(Button(_("Older ›"), self._data(row, "L", f"{page + 1}:{month}:{amount}")))
        nav.append(Button("⌨️ " + _("Type it instead"), self._data(row, "k")))
        buttons.append(nav)
        text = self.renderer.chat_text(
            "charge_list",
            total=total,
            page=page + 1,
            pages=max(1, -(-total // PAGE)),
            month=short_month(month) if month else "",
            amount=money(amount, charges[0]["currency"]) if amount and charges else amount,
        )
        return Reply(text, buttons)

    def import_account(
        self, who: Who, job: ImportJob, title: ExportTitle
    ) -> ImportJob | list[Reply]:
        """The account a downloaded export goes into (see `ImportService.decide`); with no
        account saved and none named by the file, its questions, and the import goes on
        once it is saved."""
        decided = self.imports.decide(who, job, title)
        if isinstance(decided, ImportJob) or decided:
            return decided
        intro = Reply(self.renderer.chat_text("import_add_account", filename=job.filename))
        return [intro, *self._account_for_import(who, None)]

    def import_button(self, who: Who, data: str) -> ImportJob | list[Reply]:
        """A button of a waiting import: "Yes, save 7289…" and "Add an account" ask the
        new account's questions (from what the file says); the rest is the import's."""
        parts = data.split(":")
        action = parts[2] if len(parts) > 2 else ""
        if action in ("new", "add", "other"):
            found = self.imports.found_account(who)
            pending = self.store.pending_import(who.chat_id, who.user_id)
            if pending is None:
                return [self._reply("import_expired")]
            if action == "other":
                answer = self.imports.on_button(who, data)
                if isinstance(answer, ImportJob) or answer:
                    return answer  # the saved accounts to pick from
            if action != "new" or found is None:
                found = None
            # The file waits for the account; what the file said is kept for "Yes, save".
            question = {"kind": "account"}
            if found is not None:
                question |= {
                    "advertiser_id": found["advertiser_id"],
                    "name": found["account_name"],
                    "currency": found["currency"],
                }
            self.store.save_pending_import(
                who.chat_id,
                who.user_id,
                file_id=pending["file_id"],
                filename=pending["filename"],
                account_id=None,
                mapping=dict(pending["mapping"]),
                question=question,
            )
            return self._account_for_import(who, found)
        return self.imports.on_button(who, data)

    def _account_for_import(self, who: Who, found: dict[str, Any] | None) -> list[Reply]:
        """The new-account questions for a waiting import, from what its file says (the
        advertiser ID, name and currency it names are not asked)."""
        replies: list[Reply] = []
        row = self._load_once(who)
        if row is not None and not row.intake.finished:
            replies += self._cancel(row, who)
        row = self._new_row(who)
        with attached(row.intake):
            row.intake.answers["_purpose"] = "account"
            row.intake.begin_new_account()
            known = {k: v for k, v in (found or {}).items() if v}
            if known:
                row.intake.prefill(known)
        row.intake.history.clear()
        return replies + self._save_and_ask(row, who)

    def _account_intake(self, who: Who, account: dict[str, Any] | None) -> list[Reply]:
        """An intake that only adds (or edits) an ad account, then ends."""
        replies: list[Reply] = []
        row = self._load_once(who)
        if row is not None and not row.intake.finished:
            replies += self._cancel(row, who)
        row = self._new_row(who)
        with attached(row.intake):
            if account is None:
                row.intake.answers["_purpose"] = "account"
                row.intake.begin_new_account()
            else:
                row.intake.edit_account(account)
        row.intake.history.clear()
        return replies + self._save_and_ask(row, who)

    def bot_removed(self, who: Who) -> None:
        """Removed from a group: its reminders stop; the team's data stays."""
        self.store.block_chat(who.chat_id, self.clock())

    def accounts(self, who: Who) -> list[Reply]:
        """The team's ad accounts; admins (and the owner of a private chat) can remove one."""
        self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        listed = self.store.list_accounts(who.chat_id)
        buttons: list[list[Button]] = []
        for a in listed[:10]:
            row = [Button(f"✏️ {account_label(a)}", f"m:acc:ed:{a['ref']}")]
            if who.is_admin:
                row.append(Button("🗑 " + _("Remove"), f"m:acc:rm:{a['ref']}"))
            buttons.append(row)
        buttons.append([Button("➕ " + _("Add an account"), "m:acc:add")])
        return [
            self._reply(
                "accounts",
                buttons=buttons,
                accounts=listed,
                labels=labels.BILLING_WORDS,
                is_admin=who.is_admin,
            )
        ]

    def account_button(self, who: Who, data: str) -> ButtonResult:
        """Add, edit (any member) or remove (admins only) one of the team's accounts."""
        _prefix, _kind, action, ref_text = [*data.split(":"), "", "", "", ""][:4]
        if action == "add":
            return ButtonResult(None, self._account_intake(who, None))
        ref = whole_number(ref_text)
        if action == "ed" and ref is not None:
            account = self.store.get_account(who.chat_id, ref)
            if account is None:
                return ButtonResult(_("That account is gone."), [])
            return ButtonResult(None, self._account_intake(who, account))
        if action != "rm" or ref is None:
            return ButtonResult(_("That button isn't one I know."), [])
        if not who.is_admin:
            return ButtonResult(_("Only a group admin can remove an account."), [])
        if not self.store.remove_account(who.chat_id, ref):
            return ButtonResult(_("That account is already gone."), [])
        return ButtonResult(_("Removed."), self.accounts(who))

    def new(self, who: Who, bot_username: str = "") -> list[Reply]:
        """Start an intake, or offer to continue the one in progress. In a group, the
        questions move to a private chat through a deep link, unless the team answers in
        the group."""
        self.store.unblock_chat(who.chat_id)
        if who.in_group:
            self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
            if not self.store.team_flags(who.chat_id)["answer_in_group"]:
                token = self.store.create_link(who.chat_id, who.user_id)
                url = f"https://t.me/{bot_username}?start={token}"
                return [
                    self._reply(
                        "group_new",
                        buttons=[[Button(_("Answer in private ›"), url=url)]],
                        name=who.first_name,
                    )
                ]
        row = self._load_once(who)
        # Only questions being answered count as "in progress": a case at its verdict (a
        # draft, a "not refundable", a blocked one) stays as it is, reachable from /cases.
        if row is not None and row.intake.asking:
            return [
                self._reply(
                    "in_progress",
                    buttons=[
                        [
                            Button(_("Continue"), self._data(row, "k")),
                            Button(_("Start over"), self._data(row, "o")),
                        ]
                    ],
                    step=str(row.intake.step),
                    stage=row.intake.spec.stage,
                    number=row.intake.progress()[0],
                    total=row.intake.progress()[1],
                )
            ]
        return self._begin(who)

    def cancel(self, who: Who) -> list[Reply]:
        """End the intake politely; a drafted case is marked cancelled."""
        row = self._load_once(who)
        if row is None or row.intake.finished:
            return [self._reply("nothing_to_cancel")]
        return self._cancel_by_user(row, who)

    def _cancel_by_user(self, row: IntakeRow, who: Who) -> list[Reply]:
        """The user stopped the questions: an export that waited for the account being
        added is dropped too (it isn't read later, when some other account is added)."""
        if row.intake.only_account:
            self.imports.drop_waiting_for_account(who)
        return self._cancel(row, who)

    def show_case_button(self, who: Who, data: str) -> ButtonResult:
        """A case tapped in the /cases list: shown as /case N shows it, if this chat may
        see it."""
        case = self.followup.visible_case(who, data.removeprefix(SHOW_CASE_PREFIX))
        if case is None:
            return ButtonResult(_("That case isn't here."), [])
        return ButtonResult(None, self._case_replies(who, case))

    def show_case(self, who: Who, argument: str) -> list[Reply]:
        """One case: answers, verdict, message, timeline, and what can be done now."""
        number = whole_number(argument.strip().lstrip("#"), most_digits=9)
        if number is None:
            return [self._reply("case_usage")]
        case = self.store.get_case(who.chat_id, number)
        if case is None and not who.in_group:
            # In private, also the team cases this user owns or is assigned.
            other = self.store.get_case_any(number)
            if other is not None and who.user_id in (other.owner_user_id, other.assignee_user_id):
                case = other
        if case is None:
            return [self._reply("case_not_found", number=number)]
        return self._case_replies(who, case)

    def _case_replies(self, who: Who, case: CaseRecord) -> list[Reply]:
        """The case as /case N shows it (the caller made sure this chat may see it)."""
        events = self.store.case_events(case.id)
        # People in the timeline are stored by id and named as the team knows them now.
        names = self.store.member_names(case.team_id)
        track = self.store.load_track(case.id)
        tz = self.followup.schedule(who.chat_id).tz
        view = self.followup.case_view(case)
        context: dict[str, Any] = {
            "events": [
                {
                    "at": e.at.astimezone(tz),
                    "what": labels.EVENT_WORDS.get(e.what, e.what),
                    "detail": labels.event_detail(e.what, e.detail, e.person_user_id, names),
                }
                for e in events
                if e.what not in labels.QUIET_EVENTS
            ],
            "track": track,
            "next_ping": track.next_ping_at.astimezone(tz) if track.next_ping_at else None,
        }
        buttons = self.followup.buttons(case, track, drafts=not who.in_group)
        reply = self._reply("case", buttons=buttons, case=view, **context)
        if len(reply.text) > MAX_INPUT_CHARS and case.message:
            # Too long for one Telegram message: the support message goes as a file.
            reply = self._reply("case", buttons=buttons, case={**view, "message": None}, **context)
            reply.document = Document(
                filename=f"refund-request-case-{case.id}.txt",
                content=case.message.encode("utf-8"),
                caption=_("Case #%(id)s: the message that was sent.") % {"id": case.id},
            )
        return [reply]

    # --- inputs --------------------------------------------------------------------

    def on_text(self, who: Who, text: str) -> list[Reply]:
        """Take typed text as the answer to the current question."""
        row = self._load_once(who)
        if row is not None and row.intake.step is Step.REVIEW and row.intake.answers.get(SIGNING):
            # "Sign it" was tapped under the message: this is the signature.
            return self._signature_typed(row, who, text)
        if row is None or not row.intake.asking:
            # Past the questions (or none): a case's "Ticket number" waits for this first.
            adding = self.followup.on_case_text(who, text)
            if adding is not None:
                return adding
        if row is None or row.intake.finished:
            # In a group, replies to the bot from someone without a case are chatter.
            return [] if who.in_group else [self._reply("idle")]
        if len(text) > MAX_INPUT_CHARS:
            return [
                self._ask(
                    row,
                    who,
                    error=_(
                        "That's %(count)s characters — too long for me. "
                        "Please send something shorter."
                    )
                    % {"count": f"{len(text):,}"},
                )
            ]
        intake = row.intake
        try:
            with attached(intake):
                step = intake.step
                spec = SPECS[step]
                if spec.kind in (Kind.CHOICE, Kind.MENU) and step not in CHOICES_WITH_TYPING:
                    value = self._match_label(row, who, text)
                    if value is None:
                        return [
                            self._ask(row, who, error=_("Please tap one of the buttons below."))
                        ]
                    return self._apply_button(row, who, value).replies
                if intake.pending is not None:
                    value = self._match_label(row, who, text)
                    if value is not None:
                        return self._apply_button(row, who, value).replies
                word = _fold(text)
                if word in _typed("cancel"):
                    return self._cancel(row, who)
                if word in _typed("back"):
                    if intake.back():
                        self._bump(row)
                    return self._save_and_ask(row, who)
                if step is Step.EVIDENCE and word in _typed("done") | _typed("skip"):
                    intake.evidence_done()
                    return self._after_change(row, who, [], previous=step)
                if spec.optional and word in _typed("skip"):
                    intake.skip()
                    return self._after_change(row, who, [], previous=step)
                notes = intake.submit_text(
                    text, self.today(who, _team(row, who)), locale=i18n.current()
                )
        except InputError as error:
            return [self._ask(row, who, error=error_text(error))]
        return self._after_change(row, who, notes, previous=step)

    def on_unreadable(self, who: Who) -> list[Reply]:
        """A sticker, voice note, location…: said so, and the question asked again (nothing
        changes)."""
        note = _(
            "I can't read that kind of message — please type your answer, or send a photo or file."
        )
        row = self.store.load_intake(who.chat_id, who.user_id)
        if row is None or row.intake.finished:
            return [self._reply("idle", note=note)]
        return [self._ask(row, who, error=note)]

    def on_file(
        self, who: Who, file_id: str, kind: str, caption: str | None, name: str | None
    ) -> list[Reply]:
        """Keep a photo or document as evidence for the case in progress."""
        row = self._load_once(who)
        if row is None or not row.intake.asking:
            adding = self.followup.on_case_file(who, file_id, kind, caption, name)
            if adding is not None:
                return adding
        if row is None or row.intake.finished:
            return [self._reply("file_without_case")]
        intake = row.intake
        warn_card = False
        try:
            count, warn_card = intake.add_evidence(file_id, kind, caption, name)
        except InputError as error:
            return [self._ask(row, who, error=error_text(error))]
        self.store.save_intake(who.chat_id, who.user_id, row)
        if row.case_id is not None:
            self.store.save_evidence(row.case_id, who.user_id, intake.answers["evidence"])
        checklist = labels.checklist(str(intake.reason))
        if intake.step is Step.EVIDENCE and len(checklist) > 0:
            # Which item of the checklist is it? One tap; the checklist then shows it ticked.
            index = count - 1
            buttons = [
                [Button(label[:60], self._data(row, "V", f"{index}:{key}"))]
                for key, label in checklist
            ]
            buttons.append([Button(_("Something else"), self._data(row, "V", f"{index}:other"))])
            buttons.append([Button(_done_label(count), self._data(row, "d"))])
            notes = [Note("card_in_file")] if warn_card else []
            return [self._reply("evidence_which", buttons=buttons, notes=notes)]
        if intake.step is Step.EVIDENCE:
            return [self._ask(row, who, notes=[Note("card_in_file")] if warn_card else [])]
        return [
            self._reply(
                "file_kept",
                count=count,
                card_warning=warn_card,
                at_review=intake.step is Step.REVIEW,
            )
        ]

    def on_button(self, who: Who, data: str) -> ButtonResult:
        """Apply a tapped button, if it belongs to the question being asked now."""
        if data == "m:new":
            return ButtonResult(None, self.new(who))
        parts = data.split(":", 4)
        row = self._load_once(who)
        if len(parts) < 4 or parts[0] != CALLBACK_PREFIX or row is None:
            return ButtonResult(_("This menu has expired."), [self._reply("expired_idle")])
        _prefix, token, seq, action = parts[:4]
        value = parts[4] if len(parts) > 4 else ""
        if token != row.token or seq != str(row.seq) or row.intake.finished:
            if row.intake.finished:
                return ButtonResult(_("This case is finished."), [self._reply("expired_idle")])
            return ButtonResult(
                _("That button is from an earlier step."),
                [self._ask(row, who, notes=[Note("expired")])],
            )
        try:
            with attached(row.intake):
                return self._apply_action(row, who, action, value)
        except InputError as error:
            return ButtonResult(None, [self._ask(row, who, error=error_text(error))])

    def case_button(self, who: Who, data: str) -> ButtonResult:
        """A case's button. A drafted case's two ("Open the draft", "I've sent it") work on
        the intake; every other one is the follow-up's."""
        parts = data.split(":")
        if len(parts) != 3 or parts[2] not in (OPEN_DRAFT, SENT_DRAFT):
            return self.followup.on_button(who, data)
        case = self.followup.visible_case(who, parts[1])
        if case is None:
            return ButtonResult(_("That case isn't here."), [])
        if not self.followup.may_change(who, case):
            return ButtonResult(_(NOT_ALLOWED), [])
        track = self.store.load_track(case.id)
        if track.status is not CaseStatus.DRAFTED:
            return ButtonResult(None, [self.followup.case_card(case, track)])
        if parts[2] == SENT_DRAFT and not case.message:
            return ButtonResult(_("Nothing to send yet."), [])
        row = self._load_once(who)
        # Questions answered beyond the first would be lost by opening the draft over them.
        busy = row is not None and row.intake.asking and bool(row.intake.history)
        if row is not None and busy and row.case_id != case.id:
            if parts[2] == OPEN_DRAFT:
                # Opening the draft would replace the questions being answered.
                return ButtonResult(_("Finish or /cancel the case you're answering first."), [])
            # Sent meanwhile: followed from now on; its ticket can be added from /case.
            track = self.followup.start(case.id, who, case.team_id)
            due = track.reply_due_at
            done = self._reply(
                "done",
                case_id=case.id,
                ticket=None,
                due=self.followup.local_date(due, case.team_id) if due else None,
                days=self.followup.schedule(case.team_id).reply_wait,
            )
            return ButtonResult(None, [done])
        if row is None or row.case_id != case.id or row.intake.step is not Step.REVIEW:
            # The draft back at its verdict, with all its buttons (its answers as saved).
            row = IntakeRow(
                intake=Intake(state=Step.REVIEW, answers=dict(case.answers)),
                token=new_token(),
                is_new=True,
                case_id=case.id,
                team_id=case.team_id if case.team_id != who.chat_id else None,
                last_update=who.known_update_id,
            )
        if parts[2] == SENT_DRAFT:
            with attached(row.intake):
                return self._apply_action(row, who, "S", "")
        self._bump(row)
        return ButtonResult(None, self._review(row, who))

    # --- internals -----------------------------------------------------------------

    @staticmethod
    def _new_row(who: Who, team_id: int | None = None) -> IntakeRow:
        """A new intake, marked with the update that started it (so a redelivery of that
        update is recognised)."""
        return IntakeRow(
            intake=Intake(),
            token=new_token(),
            is_new=True,
            team_id=team_id,
            last_update=who.known_update_id,
        )

    def _load_once(self, who: Who) -> IntakeRow | None:
        """The intake row, marked with the update applied to it. (A redelivered update
        never gets here: the handler's transaction records every update's id, see
        `Store.run_update`.)"""
        row = self.store.load_intake(who.chat_id, who.user_id)
        update_id = who.known_update_id
        if row is not None and update_id:
            row.last_update = update_id
        return row

    def _begin(self, who: Who, team_id: int | None = None) -> list[Reply]:
        self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        # A case's "Ticket number" left unanswered must not take this intake's answers.
        self.store.clear_case_input(who.chat_id, who.user_id)
        row = self._new_row(who, team_id)
        # What went wrong comes first; the account after it (only what that reason needs).
        # Whether there are accounts to pick from tells how many questions lie ahead.
        if self.store.list_accounts(_team(row, who)):
            row.intake.answers["_saved_accounts"] = True
        return self._save_and_ask(row, who)

    def _cancel(self, row: IntakeRow, who: Who) -> list[Reply]:
        with attached(row.intake):
            row.intake.abandon()
        sent = False
        if row.case_id is not None:
            # A case already sent to TikTok stays followed: cancelling only ends the questions.
            sent = self.store.load_track(row.case_id).status is not CaseStatus.DRAFTED
            if not sent:
                self.store.set_case_status(row.case_id, who.user_id, "cancelled", self.clock())
        self._save(row, who)
        if sent:
            # Only the ticket question ends: the reminder still comes, so it is still said.
            return [
                self._reply(
                    "done",
                    case_id=row.case_id,
                    ticket=None,
                    due=row.intake.answers.get("reply_due_on"),
                    days=self.followup.schedule(_team(row, who)).reply_wait,
                )
            ]
        cancelled = self._reply("cancelled", buttons=[[Button(_("Start again"), "m:new")]])
        return self._with_card(row, who, [cancelled])

    def _apply_action(self, row: IntakeRow, who: Who, action: str, value: str) -> ButtonResult:
        intake = row.intake
        step = intake.step
        if action == "c":
            return self._apply_button(row, who, value)
        if action == "s":
            intake.skip()
        elif action == "d":
            intake.evidence_done()
        elif action == "b":
            if not intake.back():
                return ButtonResult(_("This is the first question."), [])
        elif action == "x":
            return ButtonResult(None, self._cancel_by_user(row, who))
        elif action == "k":
            return ButtonResult(None, [self._ask(row, who)])
        elif action == "V":
            index_text, _sep, what = value.partition(":")
            index = whole_number(index_text, most_digits=4)
            if step is not Step.EVIDENCE or index is None:
                return ButtonResult(_("That button is from an earlier step."), [])
            intake.tag_evidence(index, what[:32])
            self._save(row, who)
            if row.case_id is not None:
                self.store.save_evidence(row.case_id, who.user_id, intake.answers["evidence"])
            return ButtonResult(None, [self._ask(row, who)])
        elif action == "L":
            if step not in PICKABLE or "account_ref" not in intake.answers:
                return ButtonResult(_("That list is from an earlier step."), [])
            return ButtonResult(None, [self._charge_list(row, who, value)])
        elif action == "T":
            charge_id = whole_number(value)
            if step not in PICKABLE or charge_id is None:
                return ButtonResult(_("That list is from an earlier step."), [])
            picked = self.store.transaction_rows(int(intake.answers["account_ref"]), [charge_id])
            if not picked:
                return ButtonResult(_("That charge isn't here any more."), [])
            if picked[0].get("status") == ChargeStatus.FAILED:
                return ButtonResult(_("That payment failed: no money was taken."), [])
            if step is Step.CHARGE_DATE:
                intake.answers.pop("charges", None)  # one charge picked instead of a flag's
            intake.prefill(_charge_answers(picked[0], other=step is Step.OTHER_CHARGE))
        elif action == "o":
            # Starting over never destroys a drafted case (one being changed): it stays a
            # draft, in /cases. An intake with no case yet just ends.
            if row.case_id is None:
                self._cancel(row, who)
            return ButtonResult(None, self._begin(who))
        elif action == "a":
            ref = whole_number(value)
            account = self.store.get_account(_team(row, who), ref) if ref is not None else None
            if account is None:
                return ButtonResult(_("That account is gone."), [self._ask(row, who)])
            intake.use_account(account)
        elif action == "n":
            intake.begin_new_account()
        elif action == "e":
            intake.start_edit()
        elif action == "E":
            if value not in Step.__members__.values():
                return ButtonResult(_("That answer can't be changed."), [])
            intake.edit_step(Step(value))
        elif action == "S":
            if row.case_id is None:
                return ButtonResult(_("Nothing to send yet."), [])
            intake.sent()
            # The ticket typed next is this case's, not one another case's button asked for.
            self.store.clear_case_input(who.chat_id, who.user_id)
            track = self.followup.start(row.case_id, who, _team(row, who))
            if track.reply_due_at is not None:
                intake.answers["reply_due_on"] = self.followup.local_date(
                    track.reply_due_at, _team(row, who)
                )
        elif action == "C":
            intake.finish_without_sending()
            if row.case_id is not None:
                self.store.set_case_status(row.case_id, who.user_id, "closed", self.clock())
            self._save(row, who)
            closed = self._reply("closed", case_id=row.case_id)
            return ButtonResult(None, self._with_card(row, who, [closed]))
        elif action == "r":
            return ButtonResult(_("Written again."), self._review(row, who))
        elif action == "W" and row.intake.step is Step.REVIEW and value in i18n.LANGUAGES:
            # The message to TikTok in another language (English unless asked): kept, so
            # "write again" and the .txt file follow it.
            row.intake.answers["_message_language"] = value
            self._bump(row)
            return ButtonResult(i18n.LANGUAGES[value].name, self._review(row, who))
        elif action == "f":
            return ButtonResult(None, [self._message_file(row, who)], keep_buttons=True)
        elif action == "G" and step is Step.REVIEW:
            if value == "no":
                # Asked once: the messages stay signed with the account's name (/settings
                # can still add a signature).
                self.store.set_signature(who.user_id, "", self.clock())
                intake.answers.pop(SIGNING, None)
                return ButtonResult(_("Not signed."), self._review(row, who))
            intake.answers[SIGNING] = True
            self._bump(row)
            self._save(row, who)
            return ButtonResult(None, [self._signature_prompt(row, who)])
        else:
            return ButtonResult(_("That button isn't one I know."), [])
        replies = self._after_change(row, who, [], previous=step)
        if action == "S":
            replies = self._with_card(row, who, replies)
        return ButtonResult(None, replies)

    def _apply_button(self, row: IntakeRow, who: Who, value: str) -> ButtonResult:
        step = row.intake.step
        notes = row.intake.choose(value, self.today(who, _team(row, who)))
        return ButtonResult(None, self._after_change(row, who, notes, previous=step))

    def _after_change(
        self, row: IntakeRow, who: Who, notes: list[Note], previous: Step
    ) -> list[Reply]:
        intake = row.intake
        if (
            previous in ACCOUNT_STEPS
            and intake.step not in ACCOUNT_STEPS
            and "advertiser_id" in intake.answers
        ):
            # Leaving the account questions: keep the account for next time with what is
            # known of it (an upsert, so going back and changing an answer updates it, and a
            # fact asked for a later reason is added to it).
            intake.answers["account_ref"] = self.store.save_account(_team(row, who), intake.answers)
            if intake.only_account:
                self._save(row, who)
                saved = self._reply("account_saved", answers=IntakeAnswers.of(intake.answers))
                # An export that waited for this account is read now.
                saved.resume_import = self.imports.account_saved(
                    who, int(intake.answers["account_ref"])
                )
                return [saved]
        if intake.step is Step.ACCOUNT and not intake.answers.get("_saved_accounts"):
            # No account to pick from: straight to the new account's questions.
            intake.begin_new_account(from_menu=False)
        if intake.step is Step.DONE:
            return self._finish(row, who, previous)
        if intake.step is Step.REVIEW:
            self._bump(row)
            replies = self._review(row, who)
            if notes:
                replies.insert(0, self._reply("notes", notes=notes, answers=intake.answers))
            return replies
        if intake.step is not previous or intake.pending is not None:
            self._bump(row)
        return self._save_and_ask(row, who, notes=notes)

    def _finish(self, row: IntakeRow, who: Who, previous: Step) -> list[Reply]:
        ticket = row.intake.answers.get("ticket")
        if row.case_id is not None and ticket:
            self.store.set_case_ticket(row.case_id, who.user_id, ticket, self.clock())
        self._save(row, who)
        done = self._reply(
            "done",
            case_id=row.case_id,
            ticket=ticket,
            due=row.intake.answers.get("reply_due_on"),
            days=self.followup.schedule(_team(row, who)).reply_wait,
        )
        return self._with_card(row, who, [done])

    def _bump(self, row: IntakeRow) -> None:
        """A new question: buttons of the previous one stop working."""
        row.seq += 1

    def _save(self, row: IntakeRow, who: Who) -> None:
        self.store.save_intake(who.chat_id, who.user_id, row)

    def _save_and_ask(
        self, row: IntakeRow, who: Who, notes: list[Note] | None = None
    ) -> list[Reply]:
        self._save(row, who)
        return [self._ask(row, who, notes=notes or [])]

    def _verdict(self, intake: Intake, who: Who | None = None) -> Verdict:
        return assess(
            intake.facts(),
            self.policy,
            self.today(who),
            others_nearby=self._others_nearby(intake),
        )

    def _others_nearby(self, intake: Intake) -> int | None:
        """For a duplicate pair picked or typed on an account with imported charges: how
        many other successful charges of the same amount lie near it (a threshold series);
        None when there is nothing imported to compare with."""
        a = intake.answers
        ref = a.get("account_ref")
        if intake.reason is not Reason.DUPLICATE or not a.get("charge_date") or not ref:
            return None
        if not self.store.has_transactions(int(ref)):
            return None
        month = str(a["charge_date"])[:7]
        rows, _total = self.store.list_transactions(int(ref), month=month, offset=0, limit=500)
        return others_near_pair(intake.facts(), [_imported_charge(r) for r in rows], self.policy)

    def _support_message(
        self, intake: Intake, verdict: Verdict, who: Who | None = None
    ) -> SupportMessage | None:
        if verdict.template is None:
            return None
        # Written in English (what TikTok support reads everywhere) unless the user asked
        # for it in their own language.
        with i18n.speaking(intake.answers.get("_message_language") or i18n.DEFAULT_LANGUAGE):
            return self.renderer.support_message(
                verdict.template, **self._message_context(intake, verdict, who)
            )

    def _message_context(
        self, intake: Intake, verdict: Verdict, who: Who | None = None
    ) -> dict[str, Any]:
        return {
            "a": IntakeAnswers.of(intake.answers),
            "verdict": verdict,
            "today": self.today(who).isoformat(),
            "reason": intake.reason,
            "billing_words": labels.BILLING_WORDS,
            "reason_label": labels.REASONS.get(str(intake.reason), ""),
            "reason_phrase": labels.REASON_PHRASES.get(str(intake.reason), ""),
            "evidence_words": dict(labels.checklist(str(intake.reason))),
            # Who signs it: the person writing it, once they gave a signature ("" = declined).
            "signature": (self.store.signature(who.user_id) or None) if who else None,
            # "We noticed this on … and are raising it promptly" only when it is true.
            "raised_promptly": raised_promptly(
                date.fromisoformat(intake.answers["noticed"])
                if intake.answers.get("noticed")
                else None,
                self.today(who),
                self.policy,
            ),
        }

    def _review(self, row: IntakeRow, who: Who) -> list[Reply]:
        """Judge the answers, keep the draft case, and show the verdict and the message —
        after a word when another case is already about the same charge."""
        replies = self._review_replies(row, who)
        earlier = cases_about(
            self.store, _team(row, who), case_charges(row.intake.answers), besides=row.case_id
        )
        if earlier:
            replies.insert(0, self._already_a_case(earlier[-1]))
        return self._with_card(row, who, replies)

    def _already_a_case(self, case: CaseRecord) -> Reply:
        """A word that this charge already has a case, with a way to open it."""
        text = "📂 " + _(
            "Case #%(id)s is already about this charge. Open it to carry on there; "
            "a second request for the same charge can slow both down."
        ) % {"id": case.id}
        label = _("Open case #%(id)s") % {"id": case.id}
        return Reply(text, [[Button(label, SHOW_CASE_PREFIX + str(case.token))]])

    def _with_card(self, row: IntakeRow, who: Who, replies: list[Reply]) -> list[Reply]:
        """A team case answered in private also updates its card in the team's group."""
        team = _team(row, who)
        if team != who.chat_id and row.case_id is not None:
            case = self.store.get_case(team, row.case_id)
            if case is not None:
                replies.append(self.followup.card(case))
        return replies

    def _review_replies(self, row: IntakeRow, who: Who) -> list[Reply]:
        intake = row.intake
        # Showing the message again ends a "sign it" question left open.
        intake.answers.pop(SIGNING, None)
        verdict = self._verdict(intake, who)
        message = self._support_message(intake, verdict, who)
        row.case_id = self.store.save_draft_case(
            case_id=row.case_id,
            team_id=_team(row, who),
            owner_user_id=who.user_id,
            answers=intake.answers,
            outcome=verdict.outcome,
            situation=verdict.situation,
            policy_version=verdict.policy_version,
            subject=message.subject if message else None,
            message=message.as_text() if message else None,
            now=self.clock(),
        )
        self.store.save_evidence(row.case_id, who.user_id, intake.answers.get("evidence") or [])
        self._save(row, who)
        shown = self.policy_texts.verdict(verdict)
        verdict_reply = self._reply(
            "verdict",
            verdict=shown,
            answers=IntakeAnswers.of(intake.answers),
            reason_label=self._reason_label(intake),
            pages=self.policy_texts.pages(verdict),
            # The last step of the path the questions counted (none for a reopened case).
            progress=intake.progress() if intake.history else None,
        )
        actions: list[list[Button]] = []
        if message is not None:
            actions.append(
                [
                    Button("📄 " + _("Copy as file"), self._data(row, "f")),
                    Button("🔄 " + _("Write again"), self._data(row, "r")),
                ]
            )
            actions.append(
                [
                    Button("✏️ " + _("Change an answer"), self._data(row, "e")),
                    Button("✅ " + _("I've sent it"), self._data(row, "S")),
                ]
            )
            if self.store.signature(who.user_id) is None:
                # Asked once, optional: a name and a way to reach them under every message.
                actions.insert(
                    1, [Button("✍️ " + _("Sign it with your name"), self._data(row, "G"))]
                )
            actions.append([Button("✖️ " + _("Cancel"), self._data(row, "x"))])
            switch = self._message_language_button(row, message)
            if switch is not None:
                actions.insert(0, [switch])
            text = self.renderer.chat_text(
                "message", message=message, verdict=shown, case_id=row.case_id
            )
            if len(text) > MAX_INPUT_CHARS:
                return [
                    verdict_reply,
                    Reply(
                        self.renderer.chat_text("message_long", verdict=shown, case_id=row.case_id),
                        actions,
                        self._document(row, message),
                    ),
                ]
            return [verdict_reply, Reply(text, actions)]
        actions.append(
            [
                Button("✏️ " + _("Change an answer"), self._data(row, "e")),
                Button("👍 " + _("Close the case"), self._data(row, "C")),
            ]
        )
        return [
            verdict_reply,
            self._reply("no_message", buttons=actions, verdict=shown, case_id=row.case_id),
        ]

    def _signature_prompt(self, row: IntakeRow, who: Who, error: str | None = None) -> Reply:
        """Ask for the signature (one question), with a way not to sign and a way back."""
        reply = self._reply(
            "signature",
            buttons=[
                [Button(_("Don't sign my messages"), self._data(row, "G", "no"))],
                [Button("⬅️ " + _("Back to the message"), self._data(row, "k"))],
            ],
            error=error,
            is_group=who.in_group,
        )
        if who.in_group:
            # Privacy mode shows the bot only replies to itself.
            reply.force_reply = True
            reply.buttons = []
        return reply

    def _signature_typed(self, row: IntakeRow, who: Who, text: str) -> list[Reply]:
        """Keep the typed signature (checked like every answer) and write the message again."""
        word = _fold(text)
        if word in _typed("back") | _typed("cancel"):
            return self._review(row, who)
        if word in _typed("skip"):
            self.store.set_signature(who.user_id, "", self.clock())
            return self._review(row, who)
        try:
            if len(text) > MAX_INPUT_CHARS:
                raise InputError("That's too long for a signature — a name and an email will do.")
            signature = parse_signature(text)
        except InputError as error:
            return [self._signature_prompt(row, who, error=error_text(error))]
        self.store.set_signature(who.user_id, signature, self.clock())
        self._bump(row)
        signed = self._reply("signature_saved", signature=signature)
        return [signed, *self._review(row, who)]

    def _message_language_button(self, row: IntakeRow, message: SupportMessage) -> Button | None:
        """The message in the chat's language, or back in English (see i18n.message_switch)."""
        switch = i18n.message_switch(message.language)
        if switch is None:
            return None
        target, label = switch
        return Button(label, self._data(row, "W", target))

    def _document(self, row: IntakeRow, message: SupportMessage) -> Document:
        return Document(
            filename=f"refund-request-case-{row.case_id}.txt",
            content=message.as_text().encode("utf-8"),
            caption=_("Case #%(id)s: the message to send, as a file.") % {"id": row.case_id},
        )

    def _message_file(self, row: IntakeRow, who: Who) -> Reply:
        verdict = self._verdict(row.intake, who)
        message = self._support_message(row.intake, verdict, who)
        if message is None:
            return self._reply("no_message_file")
        return Reply(text="", document=self._document(row, message))

    def _reason_label(self, intake: Intake) -> str:
        return labels.REASONS.get(str(intake.reason), "") if intake.reason else ""

    def _ask(
        self,
        row: IntakeRow,
        who: Who,
        error: str | None = None,
        notes: list[Note] | None = None,
    ) -> Reply:
        """The current question (again), with its buttons."""
        intake = row.intake
        step = intake.step
        if step is Step.REVIEW:
            # Asked again (an expired button, "continue", typing): show the review screen.
            review = self._review(row, who)[-1]
            if error:
                review.text = f"⚠️ {_escape(error)}\n\n{review.text}"
            return review
        buttons: list[list[Button]] = []
        context: dict[str, Any] = {}
        if intake.pending is not None:
            buttons.append(
                [
                    Button(_when_label(option), self._data(row, "c", str(i)))
                    for i, option in enumerate(intake.pending)
                ]
            )
        elif step is Step.ACCOUNT:
            accounts = self.store.list_accounts(_team(row, who))
            for account in accounts[:8]:
                buttons.append(
                    [Button(account_label(account), self._data(row, "a", str(account["ref"])))]
                )
            buttons.append([Button("➕ " + _("Add an account"), self._data(row, "n"))])
        elif step is Step.EDIT:
            for editable in intake.editable_steps():
                buttons.append(
                    [Button(labels.STEP_NAMES[editable], self._data(row, "E", str(editable)))]
                )
        elif step is Step.ACCOUNT_REGION:
            # Names in the chat's language (CLDR's, through Babel: not the catalogue's).
            buttons += in_rows(
                [
                    Button(region_name(code, i18n.current()), self._data(row, "c", code))
                    for code in COMMON_REGIONS
                ],
                2,
            )
        elif step in labels.CHOICES:
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
            buttons += in_rows(
                [Button(label, self._data(row, "c", value)) for value, label in options], width
            )
        if (
            step in PICKABLE
            and intake.pending is None
            and intake.answers.get("account_ref")
            and self.store.has_transactions(int(intake.answers["account_ref"]))
        ):
            buttons.append(
                [Button("📂 " + _("Pick from imported charges"), self._data(row, "L", "0:"))]
            )
        if step is Step.EVIDENCE:
            count = len(intake.answers.get("evidence") or [])
            buttons.append(
                [Button(_done_label(count), self._data(row, "d"))]
                if count
                else [Button(_("Skip"), self._data(row, "s"))]
            )
        elif intake.spec.optional and intake.pending is None:
            buttons.append([Button(_("Skip"), self._data(row, "s"))])
        # No way back once the message is sent: the case is being followed.
        back = intake.history and step is not Step.TICKET
        nav = [Button("⬅️ " + _("Back"), self._data(row, "b"))] if back else []
        nav.append(Button("✖️ " + _("Cancel"), self._data(row, "x")))
        buttons.append(nav)
        context.update(
            step=str(step),
            stage=intake.spec.stage,
            progress=None if _changing(intake) else intake.progress(),
            a=intake.answers,
            error=error,
            notes=notes or [],
            pending=intake.pending is not None,
            reason=str(intake.reason) if intake.reason else "",
            evidence_count=len(intake.answers.get("evidence") or []),
            checklist=labels.checklist(str(intake.reason)),
            covered={e.get("covers") for e in intake.answers.get("evidence") or []},
            is_group=who.chat_kind != "private",
        )
        reply = Reply(self.renderer.chat_text("question", **context), buttons)
        if who.in_group:
            # Answering inside a group: address the member, and for a typed answer open
            # Telegram's reply field (privacy mode shows the bot only replies to itself).
            mention = f'<a href="tg://user?id={who.user_id}">{_escape(who.first_name)}</a>'
            reply.text = f"{mention}, {reply.text}"
            typed = intake.spec.kind in (Kind.TEXT, Kind.DATE) and step not in labels.CHOICES
            if typed and intake.pending is None:
                reply.force_reply = True
                reply.buttons = []
                reply.text += (
                    "\n<i>" + _("Reply to this message; type skip, back or cancel.") + "</i>"
                )
        return reply

    def _match_label(self, row: IntakeRow, who: Who, text: str) -> str | None:
        """A typed answer that names one of the offered buttons counts as tapping it."""
        wanted = _fold(text)
        if not wanted:
            return None
        intake = row.intake
        if intake.pending is not None:
            for i, option in enumerate(intake.pending):
                if _fold(_when_label(option)) == wanted:
                    return str(i)
            return None
        for value, label in labels.CHOICES.get(intake.step, {}).items():
            if wanted in (_fold(label), _fold(value)):
                return value
        return None

    def _data(self, row: IntakeRow, action: str, value: str = "") -> str:
        data = f"{CALLBACK_PREFIX}:{row.token}:{row.seq}:{action}"
        return f"{data}:{value}" if value else data

    def _reply(
        self, name: str, /, buttons: list[list[Button]] | None = None, **context: Any
    ) -> Reply:
        return Reply(self.renderer.chat_text(name, **context), buttons or [])


def is_a_choice(button_data: list[str]) -> bool:
    """Whether a keyboard asks to choose (so the terminal may press a button by its number)
    rather than surrounds a typed question, where "2" is the answer ($2, the 2nd)."""
    parts = [data.split(":") for data in button_data]
    around = [p for p in parts if p[0] == CALLBACK_PREFIX and p[3:4] and p[3] in AROUND_A_QUESTION]
    return len(around) < len(button_data)


PAGE = 5
PICKABLE = (Step.CHARGE_DATE, Step.OTHER_CHARGE)
FLAG_REASONS = {"d": Reason.DUPLICATE, "u": Reason.UNRECOGNISED, "p": Reason.AFTER_PAUSE}


def short_month(month: str) -> str:
    """`2026-11` → `Nov 2026`, in the reader's language."""
    return month_name(month)


# Translators: words a person may type instead of tapping a button (lower case, one word if
# you can): skip a question, go back, cancel the case, finish sending files.
TYPED_WORDS = (N_("skip"), N_("back"), N_("cancel"), N_("done"))


def _typed(word: str) -> frozenset[str]:
    """A command word a person may type instead of tapping (skip, back, cancel, done): the
    English word always works, and so does its translation."""
    return frozenset({word, _fold(_(word))})


def _done_label(count: int) -> str:
    # Translators: a button under the evidence question; %(count)s is how many files were sent.
    return "✅ " + _("Done (%(count)s)") % {"count": count}


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


def _imported_charge(row: Mapping[str, Any]) -> NearbyCharge:
    """A stored transaction as the duplicate check reads it."""
    at = time.fromisoformat(row["happened_at_time"]) if row.get("happened_at_time") else None
    return NearbyCharge(
        day=date.fromisoformat(row["happened_on"]) if row.get("happened_on") else None,
        at=at,
        amount=Decimal(str(row["amount"])),
        currency=str(row["currency"]),
        took_money=str(row.get("status") or "success") == ChargeStatus.SUCCESS
        and str(row.get("kind") or "") not in ("refund", "verification"),
    )


def _charge_answers(charge: Mapping[str, Any], other: bool = False) -> dict[str, Any]:
    """An imported charge as the intake's answers (the other one of a duplicate pair)."""
    if other:
        return {
            "other_date": charge["happened_on"],
            "other_time": charge.get("happened_at_time"),
            "other_invoice": charge.get("invoice_number"),
        }
    return {
        "charge_date": charge["happened_on"],
        "charge_time": charge.get("happened_at_time"),
        "amount": charge["amount"],
        "amount_currency": charge["currency"],
        "amount_text": money(charge["amount"], charge["currency"]),
        "card_last4": charge.get("card_last4"),
        "invoice_number": charge.get("invoice_number"),
        "charge_status": charge.get("status"),
    }


def _listed_charge(charge: Mapping[str, Any]) -> dict[str, Any]:
    """One of several imported charges a case is about, as kept in its answers."""
    return {
        "date": charge["happened_on"],
        "time": charge.get("happened_at_time"),
        "amount": charge["amount"],
        "currency": charge["currency"],
        "invoice": charge.get("invoice_number"),
        "card": charge.get("card_last4"),
    }


def _team(row: IntakeRow, who: Who) -> int:
    """The team an intake's case belongs to: a group's, or the chat's own."""
    return row.team_id if row.team_id is not None else who.chat_id


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def _when_label(option: dict[str, str | None]) -> str:
    label = short_date(option["day"])
    return f"{label}, {option['at']}" if option.get("at") else label


def _changing(intake: Intake) -> bool:
    """Whether the user is changing an answer of a judged case (or is past the questions):
    the question then has no place in the path's count."""
    past = {Step.REVIEW, Step.EDIT}
    return intake.step in (Step.TICKET, Step.EDIT) or any(Step(s) in past for s in intake.history)
