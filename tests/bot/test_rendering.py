"""Every template, rendered under StrictUndefined with what the bot really passes it.

Support messages are rendered for every path through the intake (reason × billing ×
Business Center × status × who was paid × the appeal, admin and spend answers), with
the answers the shared machine collects. Chat templates are rendered with realistic
contexts, and user text in them is data: escaped, never evaluated.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app.intake import RefundService
from bot.db.records import CaseEvent
from bot.db.store import Store
from bot.views import labels
from bot.views.formats import long_date, money, short_date, weekday_date
from bot.views.rendering import TEMPLATES_DIR, Renderer, SupportMessage
from conversations.anomalies import Flag
from conversations.answers import IntakeAnswers
from conversations.billing import ChargeRow, Skipped
from conversations.cases import CaseStatus, CaseTrack, Ping, PingKind, Schedule
from conversations.eligibility import assess
from conversations.facts import (
    AccountStatus,
    AddedBalance,
    Appeal,
    Billing,
    Finding,
    Money,
    PaidVia,
    Reason,
    SpendAfterPause,
    Verdict,
    Want,
)
from conversations.intake import SPECS, Intake, Kind, Note, Step, attached
from conversations.policy import Policy, load_policy
from tests.helpers import DEFAULT_NOW, Clock, plain

TODAY = DEFAULT_NOW.date()
ADVERTISER_ID = "7289000011112221010"
BC_ID = "7290000000000000001"
STORY = "Campaign 1790000000000001 showed no delivery on 8 November, but we were billed."
INVOICE_PROBLEM = "Billed 1,200 USD but our spend was 950 USD."
# User text that is HTML, an entity and template syntax at once.
HOSTILE = "Ads <b>bold</b> & {{ 7*7 }} {% if true %}x{% endif %}"
HOSTILE_ESCAPED = "Ads &lt;b&gt;bold&lt;/b&gt; &amp; {{ 7*7 }} {% if true %}x{% endif %}"


# --- driving the intake through the shared machine -------------------------------------


@dataclass(frozen=True)
class Route:
    """One way through the intake: the account, the reason and the optional answers."""

    reason: Reason
    billing: Billing
    in_bc: bool
    status: AccountStatus
    paid_via: PaidVia
    full: bool  # every optional question answered (and evidence sent), or all skipped

    def describe(self) -> str:
        return (
            f"{self.reason}/{self.billing}/{'bc' if self.in_bc else 'no-bc'}/{self.status}/"
            f"{self.paid_via}/{'full' if self.full else 'bare'}"
        )


Action = Callable[[Intake], object]


def _text(text: str) -> Action:
    return lambda intake: intake.submit_text(text, TODAY)


def _choose(value: str) -> Action:
    return lambda intake: intake.choose(value, TODAY)


def _skip(intake: Intake) -> None:
    intake.skip()


def _evidence(intake: Intake) -> None:
    intake.add_evidence("photo-file-1", "photo", "Finance → Transactions", None)
    intake.add_evidence("doc-file-1", "document", None, "card-statement-nov.pdf")
    intake.evidence_done()


def _actions(step: Step, path: Route) -> list[Action]:
    """What a person on `path` answers at `step`; several actions fork the path."""
    full = path.full
    if step is Step.ACCOUNT:
        return [lambda intake: intake.begin_new_account()]
    table: dict[Step, list[Action]] = {
        Step.ACCOUNT_ID: [_text(ADVERTISER_ID)],
        Step.ACCOUNT_NAME: [_text("Northwind Apparel") if full else _skip],
        Step.ACCOUNT_BILLING: [_choose(path.billing)],
        Step.ACCOUNT_BC: [_choose("yes" if path.in_bc else "no")],
        Step.ACCOUNT_BC_ID: [_text(BC_ID) if full else _skip],
        Step.ACCOUNT_CURRENCY: [_choose("USD")],
        Step.ACCOUNT_STATUS: [_choose(path.status)],
        Step.ACCOUNT_PAID_VIA: [_choose(path.paid_via)],
        Step.ACCOUNT_REGION: [_choose("JP") if full else _skip],
        Step.REASON: [_choose(path.reason)],
        Step.CHARGE_DATE: [_text("2026-11-09 10:02" if full else "2026-11-09")],
        Step.CHARGE_AMOUNT: [_text("$189.90" if full else "189.9")],
        Step.BALANCE: [_text("420 USD" if full else "420")],
        Step.CHARGE_CARD: [_text("1881") if full else _skip],
        Step.CHARGE_INVOICE: [_text("BDUS2026550101") if full else _skip],
        Step.CHARGE_CAMPAIGNS: [_text("1790000000000001, 1790000000000002") if full else _skip],
        Step.OTHER_CHARGE: [_text("2026-11-09 10:08" if full else "2026-11-10")],
        Step.OTHER_INVOICE: [_text("BDUS2026550102") if full else _skip],
        Step.PAUSED_ON: [_text("2026-11-05")],
        Step.SPEND_AFTER_PAUSE: [_choose(value) for value in SpendAfterPause],
        Step.INVOICE_PROBLEM: [_text(INVOICE_PROBLEM)],
        Step.STORY: [_text(STORY)],
        # What the advertiser wants: every request when full, money back when bare.
        Step.WANT: [_choose(value) for value in Want] if full else [_choose(Want.MONEY_BACK)],
        Step.APPEAL: [_choose(value) for value in Appeal],
        Step.ADMIN: [_choose("yes"), _choose("no")],
        Step.ADDED_BALANCE: [_choose(value) for value in AddedBalance],
        Step.NOTICED: [_choose("yesterday") if full else _text("2026-11-20")],
        Step.EVIDENCE: [_evidence if full else _skip],
    }
    return table[step]


def _clone(intake: Intake) -> Intake:
    return Intake(
        state=intake.state,
        answers=copy.deepcopy(intake.answers),
        history=list(intake.history),
        editing=intake.editing,
        pending=copy.deepcopy(intake.pending),
    )


def _act(intake: Intake, action: Action) -> None:
    # One update of the service: attach, apply, detach.
    with attached(intake):
        action(intake)
        assert intake.pending is None, f"an ISO date was ambiguous at {intake.step}"


def _walk(intake: Intake, path: Route) -> Iterator[Intake]:
    """Every intake at the review screen that `path` can lead to."""
    guard = 0
    while intake.step is not Step.REVIEW:
        guard += 1
        assert guard < 40, f"{path.describe()} never reached the review at {intake.step}"
        step = intake.step
        actions = _actions(step, path)
        if len(actions) > 1:
            for action in actions:
                branch = _clone(intake)
                _act(branch, action)
                yield from _walk(branch, path)
            return
        before = intake.step
        _act(intake, actions[0])
        assert intake.step is not before, f"{path.describe()} stuck at {before}"
    yield intake


@dataclass(frozen=True)
class Rendered:
    path: Route
    intake: Intake
    situation: str
    template: str | None
    message: SupportMessage | None
    context: dict[str, Any]

    def describe(self) -> str:
        a = self.intake.answers
        extra = [
            f"{key}={a[key]}" for key in ("appeal", "is_admin", "spend_after_pause") if key in a
        ]
        return " ".join([self.path.describe(), *extra, f"→ {self.situation}"])


@cache
def _service() -> RefundService:
    """A service on an in-memory database, for its support-message context."""
    return RefundService(
        store=Store.open("sqlite://"),
        policy=_policy(),
        renderer=Renderer(),
        clock=Clock(DEFAULT_NOW),
    )


def message_context(intake: Intake, verdict: Verdict) -> dict[str, Any]:
    """The context the service passes to a support template (Review.message_context)."""
    return _service().review.message_context(intake, verdict)


def _typed(answers: dict[str, Any]) -> IntakeAnswers:
    """Answers as the service hands them to a template: typed, and only keys the intake
    writes (a fixture's misspelt key fails here)."""
    return IntakeAnswers.of(answers, strict=True)


def _strict_renderer() -> Renderer:
    """The real renderer, except that a formatting filter given None fails instead of
    printing its "—" placeholder (a missing answer would otherwise slip through)."""
    renderer = Renderer()

    def refuse_none(name: str, real: Callable[..., str]) -> Callable[..., str]:
        def checked(value: Any, *args: Any) -> str:
            if value is None or any(arg is None for arg in args):
                raise AssertionError(f"the {name} filter was given None")
            return real(value, *args)

        return checked

    for env in (renderer.support, renderer.chat):
        env.filters["money"] = refuse_none("money", money)
        env.filters["long_date"] = refuse_none("long_date", long_date)
        env.filters["short_date"] = refuse_none("short_date", short_date)
    return renderer


PATHS = [
    Route(reason, billing, in_bc, status, paid_via, full)
    for reason, billing, in_bc, status, paid_via, full in itertools.product(
        Reason, Billing, (False, True), AccountStatus, PaidVia, (True, False)
    )
]


@cache
def _policy() -> Policy:
    return load_policy()


@cache
def rendered_for(reason: Reason) -> tuple[Rendered, ...]:
    """Every path of `reason` through the intake, judged and (where a template is named)
    rendered with the service's context."""
    renderer = _strict_renderer()
    out: list[Rendered] = []
    for path in (p for p in PATHS if p.reason is reason):
        for intake in _walk(Intake(), path):
            verdict = assess(intake.facts(), _policy(), TODAY)
            context = message_context(intake, verdict)
            message = None
            if verdict.template is not None:
                message = renderer.support_message(verdict.template, **context)
            out.append(
                Rendered(path, intake, verdict.situation, verdict.template, message, context)
            )
    return tuple(out)


def _all_rendered() -> Iterator[Rendered]:
    for reason in Reason:
        yield from rendered_for(reason)


def _with_message(reason: Reason) -> Iterator[tuple[Rendered, SupportMessage]]:
    for item in rendered_for(reason):
        if item.message is not None:
            yield item, item.message


def _fail_on(problems: list[str]) -> None:
    if problems:
        shown = "\n".join(problems[:5])
        more = f"\n… and {len(problems) - 5} more" if len(problems) > 5 else ""
        pytest.fail(f"{len(problems)} problem(s):\n{shown}{more}")


# --- support messages --------------------------------------------------------------------


def test_the_paths_reach_every_situation_that_names_a_template(policy: Policy) -> None:
    """The paths reach every situation naming a template; every template is named by one."""
    reached = {(r.situation, r.template) for r in _all_rendered() if r.template}
    named = {(s.id, s.template) for s in policy.situations if s.template is not None}
    assert named - reached == set(), "situations no intake path leads to"
    files = {
        p.name.removesuffix(".txt.j2")
        for p in (TEMPLATES_DIR / "support").glob("*.txt.j2")
        if not p.name.startswith("_")
    }
    assert files == {template for _, template in named}


def test_messages_here_are_the_ones_the_service_writes(service: RefundService) -> None:
    """For one path per template, RefundService writes exactly the message rendered here."""
    assert service.today() == TODAY
    checked: set[str] = set()
    for item in _all_rendered():
        if item.template is None or item.template in checked:
            continue
        checked.add(item.template)
        verdict = assess(item.intake.facts(), service.policy, service.today())
        assert service.review.support_message(item.intake, verdict) == item.message, item.describe()
    assert len(checked) == 10


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_support_message_renders_for_every_intake_path(reason: Reason) -> None:
    """Every path renders: one-line subject, advertiser ID, 189.90 USD, no None, — or {{."""
    problems: list[str] = []
    for item, message in _with_message(reason):
        a = item.intake.answers
        text = message.as_text()
        where = item.describe()
        if "\n" in message.subject or not message.subject or len(message.subject) > 200:
            problems.append(f"{where}: subject is not one short line: {message.subject!r}")
        if not message.body.startswith("Hello"):
            problems.append(f"{where}: the subject spilled into the body: {message.body[:60]!r}")
        if ADVERTISER_ID not in message.subject or ADVERTISER_ID not in message.body:
            problems.append(f"{where}: advertiser ID missing from subject or body")
        for leak in ("None", "{{", "}}", "{%", "%}", "Undefined", "[]", "()"):
            if leak in text:
                problems.append(f"{where}: {leak!r} in the message")
        if re.search(r"(:\s*—|—\s*$|\(—\)|^—)", text, re.MULTILINE):
            problems.append(f"{where}: a bare '—' placeholder in the message")
        if a.get("amount") is not None:
            expected = "189.90 USD" if a.get("charge_date") else "420.00 USD"
            if expected not in text:
                problems.append(f"{where}: {expected!r} not in the message")
        for raw in ("189.9 ", "$", "420 USD", "189.9\n"):
            if raw in text:
                problems.append(f"{where}: unformatted amount {raw!r} in the message")
        if a.get("charge_date") and "9 November 2026" not in text:
            problems.append(f"{where}: the charge date is not written out")
        if a.get("account_name") and "Northwind Apparel" not in text:
            problems.append(f"{where}: the account name is missing")
        if not message.body.endswith("\n") or "\n\n\n" in message.body:
            problems.append(f"{where}: body not tidied")
    _fail_on(problems)


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_support_message_puts_each_fact_on_its_own_line(reason: Reason) -> None:
    """Each fact of the message (account, billing, date, amount, card…) is a line of its own."""
    problems: list[str] = []
    for item, message in _with_message(reason):
        a = item.intake.answers
        lines = message.body.splitlines()
        # Each fact as a whole line (a regular expression the line must match in full).
        expected = [rf"Ad account ID: {ADVERTISER_ID}( \(Northwind Apparel\))?"]
        if a.get("billing"):  # asked only where the verdict depends on it
            expected.append(r"Billing option: .+")
        if a.get("charge_date"):
            expected.append(
                r"Charge date: 9 November 2026, 10:02 \(Ads Manager time\)"
                if a.get("charge_time")
                else r"Charge date: 9 November 2026"
            )
        if a.get("amount"):
            expected.append(
                r"Amount charged \(incl\. tax\): 189\.90 USD"
                if a.get("charge_date")
                else r"Unspent balance: 420\.00 USD"
            )
        if a.get("card_last4"):
            expected.append(r"Card: ending 1881")
        if a.get("invoice_number"):
            expected.append(r"Document / invoice number: BDUS2026550101")
        if a.get("campaign_ids"):
            expected.append(r"Campaign IDs: 1790000000000001, 1790000000000002")
        for pattern in expected:
            if not any(re.fullmatch(pattern, line) for line in lines):
                label = pattern.split(":")[0].replace("\\", "")
                near = next((line for line in lines if label in line), "")
                problems.append(f"{item.describe()}: no line {pattern!r}; found {near!r}")
                break  # one problem per message is enough to find it
    _fail_on(problems)


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_support_message_keeps_the_pronoun_i_capitalised(reason: Reason) -> None:
    """A message never has a lower-case pronoun "i" (as in "i was charged twice")."""
    problems = [
        f"{item.describe()}: {line!r}"
        for item, message in _with_message(reason)
        for line in message.as_text().splitlines()
        if re.search(r"\bi\b", line)
    ]
    _fail_on(problems)


def _hostile_story_message() -> SupportMessage:
    """The not-delivered message of an intake whose story is HOSTILE, typed in the chat."""
    intake = _clone(
        next(r.intake for r in rendered_for(Reason.NOT_DELIVERED) if r.path.full and r.message)
    )
    with attached(intake):  # "Change an answer" → "What happened", typed in the chat
        intake.start_edit()
        intake.edit_step(Step.STORY)
        intake.submit_text(HOSTILE, TODAY)
    assert intake.step is Step.REVIEW
    verdict = assess(intake.facts(), _policy(), TODAY)
    assert verdict.template == "not_delivered"
    return Renderer().support_message(verdict.template, **message_context(intake, verdict))


def test_user_text_in_a_support_message_is_kept_literally() -> None:
    """A story with HTML and template syntax appears in the plain-text message as typed."""
    message = _hostile_story_message()
    assert f"What happened: {HOSTILE}" in message.body
    assert "49" not in message.as_text()


@pytest.mark.parametrize(
    ("currency", "typed", "shown"),
    [("JPY", "18990", "18,990 JPY"), ("EUR", "1.234,5 €", "1,234.50 EUR")],
)
def test_support_message_writes_money_in_the_accounts_currency(
    policy: Policy, currency: str, typed: str, shown: str
) -> None:
    """Amounts in the message follow the currency's decimals: yen without, euro with two."""
    intake = Intake()
    for action in (
        _choose("duplicate"),
        lambda i: i.begin_new_account(),
        _text(ADVERTISER_ID),
        _choose("tiktok"),
        _choose("automatic"),
        _text(currency),
        _text("2026-11-09 10:02"),
        _text(typed),
        _skip,
        _skip,
        _skip,
        _text("2026-11-09 10:08"),
        _skip,
        _choose("money_back"),
        _choose("today"),
        _skip,
    ):
        _act(intake, action)
    assert intake.step is Step.REVIEW
    verdict = assess(intake.facts(), policy, TODAY)
    assert verdict.template == "duplicate_charge"
    message = Renderer().support_message(verdict.template, **message_context(intake, verdict))
    assert message.subject.startswith(f"Duplicate charge of {shown} on 9 November 2026")
    assert f"refund {shown} to the original payment method" in message.body


# --- chat templates ----------------------------------------------------------------------


DUPLICATE_ROUTE = Route(
    Reason.DUPLICATE, Billing.AUTOMATIC, False, AccountStatus.ACTIVE, PaidVia.TIKTOK, True
)


def _duplicate_review() -> tuple[Rendered, SupportMessage]:
    for item, message in _with_message(Reason.DUPLICATE):
        if item.path == DUPLICATE_ROUTE:
            return item, message
    raise AssertionError("no duplicate-charge path")


def _blocked() -> Rendered:
    for item in rendered_for(Reason.SUSPENDED):
        if item.situation == "suspended_appeal_first":
            return item
    raise AssertionError("no blocked path")


def _case_view(**overrides: Any) -> dict[str, Any]:
    """A case as FollowUpService.case_view hands it to the templates."""
    view: dict[str, Any] = {
        "id": 12,
        "status": "Sent",
        "outcome": "Worth asking",
        "reason": "I was charged twice",
        "amount": "189.90 USD",
        "charge_date": "9 Nov 2026",
        "created": "26 Nov 2026",
        "ticket": "TT-0099123",
        "account": "Northwind Apparel · 7289…1010",
        "message": "Subject: Duplicate charge\n\nHello TikTok Ads support team,",
        "policy_version": "2026-11-26",
        "reply_due_on": "2026-12-03",
        "situation": "duplicate_charge",
    }
    view.update(overrides)
    return view


def _flag() -> Flag:
    """A duplicate-charge flag as the anomaly rules raise it."""
    rows = tuple(
        ChargeRow(
            happened_at=datetime(2026, 11, 9, 10, minute),
            amount=Decimal("189.90"),
            currency="USD",
            card_last4="1881",
            document=f"BDUS20265501{minute:02d}",
            line=minute,
        )
        for minute in (2, 8)
    )
    return Flag("duplicate_charge", rows, "Two equal charges six minutes apart <b>.", ("T5",))


def _sent_track() -> CaseTrack:
    """A case sent on 26 Nov 2026, overdue and followed up once."""
    schedule = Schedule(timing=_policy().timing, tz=ZoneInfo("Europe/Berlin"))
    track = CaseTrack()
    sent = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    track.send(sent, 1001, schedule)
    track.remind(sent + timedelta(days=8), 0, schedule)
    track.follow_up(sent + timedelta(days=8, hours=1), 1001, schedule)
    return track


def _event_views(detail: str = "TT-0099123") -> list[dict[str, Any]]:
    """Events as RefundService.show_case hands them to the template."""
    return [
        {
            "at": e.at,
            "what": labels.EVENT_WORDS.get(e.what, e.what),
            "detail": labels.event_detail(e.what, e.detail),
        }
        for e in _events(detail)
    ]


def _events(detail: str = "TT-0099123") -> list[CaseEvent]:
    at = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    return [
        CaseEvent(at, 1001, "drafted", "verdict needs_review"),
        CaseEvent(at, 1001, "sent", "reply expected by 2026-12-03"),
        CaseEvent(at, 1001, "ticket", detail),
    ]


def _question(step: Step, **overrides: Any) -> dict[str, Any]:
    """The context bot/views/intake_screens.question passes for `step`."""
    context: dict[str, Any] = {
        "step": str(step),
        "stage": SPECS[step].stage,
        "progress": (4, 12),
        "a": {"advertiser_id": ADVERTISER_ID, "charge_date": "2026-11-09"},
        "error": None,
        "notes": [],
        "pending": False,
        "reason": "duplicate",
        "evidence_count": 0,
        "is_group": False,
        "checklist": labels.checklist("duplicate"),
        "covered": {"statement"},
    }
    context.update(overrides)
    return context


def _findings() -> list[Finding]:
    """One finding of each kind and variant the verdict words."""
    amount = Money(Decimal("250.00"), "USD")
    return [
        Finding("pair_minutes_apart", amount=amount, minutes=6, others_nearby=0),
        Finding("pair_minutes_apart", amount=amount, minutes=6, others_nearby=2),
        Finding("pair_minutes_apart", amount=amount, minutes=1, others_nearby=None),
        Finding("pair_same_day", amount=amount, minutes=190),
        Finding("pair_days_apart", amount=amount, days=3),
        Finding("charged_after_pause", days=0),
        Finding("charged_after_pause", days=4),
        Finding("verification_window", day=date(2026, 12, 10), passed=False),
        Finding("verification_window", day=date(2026, 11, 10), passed=True),
    ]


def chat_contexts() -> dict[str, list[dict[str, Any]]]:
    """Realistic contexts for every chat template, as bot/views/*_screens.py render them."""
    review, message = _duplicate_review()
    verdict = assess(review.intake.facts(), _policy(), TODAY)
    blocked = _blocked()
    blocked_verdict = assess(blocked.intake.facts(), _policy(), TODAY)
    agency = next(r for r in rendered_for(Reason.DUPLICATE) if r.template == "agency_refund")
    agency_verdict = assess(agency.intake.facts(), _policy(), TODAY)
    assert agency.message is not None
    tracked = _sent_track()
    follow_up = Renderer().support_message(
        "follow_up",
        folder="followup",
        a=IntakeAnswers.of(review.intake.answers, strict=True),
        case=_case_view(subject="Duplicate charge of 189.90 USD"),
        track=tracked,
        sent_on=date(2026, 11, 26),
        approved_on=None,
        today=TODAY,
        refund_overdue=False,
        billing_words=labels.BILLING_WORDS,
        reason_phrase=labels.REASON_PHRASES["duplicate"],
        timing=_policy().timing,
        signature="Liu Wen — billing@northwind.example",
    )
    return {
        "cancelled": [{}],
        "case": [
            {
                "case": _case_view(),
                "events": _event_views(),
                "track": tracked,
                "next_ping": tracked.next_ping_at,
            },
            {
                "case": _case_view(
                    ticket=None, reply_due_on=None, message=None, charge_date="—", amount="—"
                ),
                "events": _event_views()[:1],
                "track": CaseTrack(),
                "next_ping": None,
            },
        ],
        "case_update": [
            {
                "case": _case_view(),
                "track": CaseTrack(status=CaseStatus.DENIED),
                "done": "deny",
                "next_ping": None,
                "status_words": labels.STATUS_WORDS,
                "next_rung": "your agency's account manager",
                "chargeback": "Don't start a chargeback with your bank first.",
            },
            {
                "case": _case_view(),
                "track": tracked,
                "done": "follow_up",
                "next_ping": tracked.next_ping_at,
                "status_words": labels.STATUS_WORDS,
                "next_rung": "your TikTok sales rep or account manager, if you have one",
                "chargeback": "Don't start a chargeback with your bank first.",
            },
            {
                "case": _case_view(),
                "track": CaseTrack(status=CaseStatus.CLOSED),
                "done": "close",
                "next_ping": None,
                "status_words": labels.STATUS_WORDS,
                "next_rung": "your TikTok sales rep or account manager, if you have one",
                "chargeback": "Don't start a chargeback with your bank first.",
            },
        ],
        "ping": [
            {
                "case": _case_view(),
                "ping": ping,
                "kinds": PingKind,
                "track": tracked,
                "next_rung": "your TikTok sales rep",
            }
            for ping in (
                Ping(PingKind.REPLY_OVERDUE, 8, 0, False),
                Ping(PingKind.REPLY_OVERDUE, 8, 0, True),
                Ping(PingKind.FOLLOWUP_OVERDUE, 12, 2, True, True),
                Ping(PingKind.DECISION_PENDING, 5, 1, False),
                Ping(PingKind.REFUND_OVERDUE, 61, 0, True),
            )
        ],
        "follow_up": [{"message": follow_up, "case": _case_view(), "track": tracked}],
        "escalation": [
            {
                "message": follow_up,
                "case": _case_view(),
                "next_rung": "your agency's account manager",
            }
        ],
        "stats": [
            {
                "period": "Last 30 days",
                "opened": "0",
                "sent": "0",
                "closed": "0",
                "money": [],
                "unknown_amounts": 0,
                "reasons": [],
                "days_to_reply": None,
                "days_to_money": None,
                "open_now": "0",
                "overdue_now": "0",
                "assignees": [],
            },
            {
                "period": "All time",
                "opened": "12",
                "sent": "10",
                "closed": "7",
                "money": [
                    {
                        "currency": "USD",
                        "asked": "1,899.00 USD",
                        "approved": "950.00 USD",
                        "refunded": "760.10 USD",
                    }
                ],
                "unknown_amounts": 1,
                "reasons": [
                    {"reason": "I was charged twice", "rate": "80%", "approved": 4, "decided": 5},
                    {"reason": "My ads didn't run", "rate": None, "approved": 1, "decided": 2},
                ],
                "days_to_reply": "4.5",
                "days_to_money": "16",
                "open_now": "3",
                "overdue_now": "1",
                "assignees": [
                    {"name": "@sam", "open": 2, "overdue": 1},
                    {"name": "unassigned", "open": 1, "overdue": 0},
                ],
            },
        ],
        "settings": [
            {
                "error": None,
                "changed": False,
                "tz": "UTC",
                "quiet_start": "21:00",
                "quiet_end": "09:00",
                "reply_days": 5,
                "is_group": False,
                "flags": {
                    "answer_in_group": False,
                    "topic_per_case": False,
                    "monthly_summary": True,
                },
                "copy_on": False,
                "signature": None,
            },
            {
                "error": "I don't know the time zone 'Mars/Base'.",
                "changed": False,
                "tz": "UTC",
                "quiet_start": "21:00",
                "quiet_end": "09:00",
                "reply_days": 5,
                "is_group": True,
                "flags": {
                    "answer_in_group": True,
                    "topic_per_case": True,
                    "monthly_summary": False,
                },
                "copy_on": True,
                "signature": "",
            },
            {
                "error": None,
                "changed": True,
                "tz": "Europe/Berlin",
                "quiet_start": "22:00",
                "quiet_end": "08:00",
                "reply_days": 7,
                "is_group": True,
                "flags": {
                    "answer_in_group": False,
                    "topic_per_case": False,
                    "monthly_summary": True,
                },
                "copy_on": False,
                "signature": "Liu Wen <billing@northwind.example>",
            },
        ],
        "assign_pick": [{"case": _case_view()}],
        "settings_choices": [
            {"which": "tz", "current": "Asia/Jakarta"},
            {"which": "quiet", "current": "21:00–09:00"},
            {"which": "reply", "current": "5 business days"},
            {"which": "sign", "current": "Liu Wen <billing@northwind.example>"},
        ],
        "signature": [
            {"error": None, "is_group": False},
            {"error": "That looks like a card number, and I never keep those.", "is_group": True},
        ],
        "signature_saved": [{"signature": "Liu Wen <billing@northwind.example>"}],
        "case_not_found": [{"number": "99"}],
        "case_usage": [{}],
        "cases": [
            {"cases": [], "total": 0, "filter": "all", "filter_word": "All"},
            {"cases": [], "total": 0, "filter": "overdue", "filter_word": "Overdue"},
            {
                "cases": [
                    _case_view(overdue=True, undelivered=True, next_ping="Thu 3 Dec"),
                    _case_view(
                        id=11,
                        ticket=None,
                        charge_date="—",
                        overdue=False,
                        undelivered=False,
                        next_ping="",
                    ),
                ],
                "total": 25,
                "filter": "open",
                "filter_word": "Open",
            },
        ],
        "closed": [{"case_id": 12}, {"case_id": None}],
        "done": [
            {"case_id": 12, "ticket": "TT-0099123", "due": "2026-12-03", "days": 5},
            {"case_id": 12, "ticket": None, "due": None, "days": 5},
        ],
        "expired_idle": [{}],
        "file_kept": [
            {"count": 1, "card_warning": False, "at_review": False},
            {"count": 2, "card_warning": True, "at_review": True},
        ],
        "file_without_case": [{}],
        "help": [{"is_group": False}, {"is_group": True}],
        "accounts": [
            {"accounts": [], "labels": labels.BILLING_WORDS, "is_admin": True},
            {
                "accounts": [
                    {
                        "ref": 1,
                        "advertiser_id": "7289000011112221010",
                        "account_name": "Northwind <Apparel>",
                        "billing": "automatic",
                        "in_bc": True,
                        "currency": "USD",
                        "account_status": "suspended",
                        "region": "JP",
                    }
                ],
                "labels": labels.BILLING_WORDS,
                "is_admin": False,
            },
        ],
        "assign_usage": [{}],
        "export": [
            {"count": 0, "total": 0, "is_group": False, "signature": "Liu Wen <b>"},
            {"count": 0, "total": 0, "is_group": True, "signature": None},
            {"count": 2, "total": 2, "is_group": False, "signature": "Liu Wen <b>"},
            {"count": 500, "total": 612, "is_group": True, "signature": None},
        ],
        "forget_confirm": [
            {"held": ["2 cases", "1 ad account", "your chat settings"], "changed": False},
            {"held": ["1 group membership (your name there)"], "changed": True},
        ],
        "forget_done": [{"deleted": []}, {"deleted": ["2 cases", "5 timeline entries"]}],
        "forget_group": [{}],
        "forget_kept": [{}],
        "evidence_which": [{"notes": []}, {"notes": [Note("card_in_file")]}],
        "import_help": [{}],
        "import_add_account": [{"filename": "export <1>.csv"}],
        "import_new_account": [
            {"filename": "export <1>.csv", "account": "Acme <Shoes> · 7301…3456", "saved": []},
            {"filename": "a.csv", "account": "Ad account 7301…3456", "saved": ["N · 7289…1010"]},
        ],
        "import_which_account": [{"filename": "export <1>.csv"}],
        "import_expired": [{}],
        "import_cancelled": [{}],
        "import_question": [
            {"field": "amount", "field_name": "Amount", "sample": "1.234,56 <b>"},
            {"field": "date_order", "field_name": "Date order", "sample": "03/11/2026"},
            {"field": "document", "field_name": "Document or invoice number", "sample": None},
        ],
        "import_done": [
            {
                "filename": "export.csv",
                "added": 12,
                "already": 3,
                "skipped": [Skipped(4, "a total line"), Skipped(9, "no amount <here>")],
                "skipped_count": 7,
                "failed": [],
                "failed_count": 0,
                "account": "Northwind · 7289…1010",
            },
            {
                "filename": "x.xlsx",
                "added": 0,
                "already": 0,
                "skipped": [],
                "skipped_count": 0,
                "failed": [],
                "failed_count": 0,
                "account": "",
            },
        ],
        "import_flag": [{"flag": _flag(), "case_id": None}, {"flag": _flag(), "case_id": 4}],
        "import_refused": [{"message": "That file is not a <b>CSV</b>."}],
        "charge_list": [
            {"total": 12, "page": 1, "pages": 3, "month": "", "amount": ""},
            {"total": 0, "page": 1, "pages": 1, "month": "Nov 2026", "amount": "50.00"},
        ],
        "case_input": [
            {"what": "ticket", "case": _case_view()},
            {"what": "ticket", "case": _case_view(ticket=None)},
            {"what": "evidence", "case": _case_view()},
            {"what": "evidence_added", "case": _case_view(), "count": 2},
        ],
        "account_saved": [
            {
                "answers": _typed(
                    {"account_name": "Northwind <A>", "advertiser_id": "7289000011112221010"}
                )
            },
            {"answers": _typed({"account_name": None, "advertiser_id": "7289000011112221010"})},
        ],
        "not_allowed": [{}],
        "unknown_member": [{"username": "sam_<b>"}],
        "group_start": [{}],
        "group_new": [{"name": "Alex & Co"}],
        "team_intake": [{"title": "Agency <Team>"}, {"title": None}],
        "link_refused": [{"why": "other_user"}, {"why": "used"}, {"why": "unknown"}],
        "language": [
            {"name": "English", "changed": False, "refused": False, "is_group": True},
            {"name": "Русский", "changed": True, "refused": False, "is_group": False},
            {"name": "English", "changed": False, "refused": True, "is_group": True},
        ],
        "card": [
            {
                "case": _case_view(),
                "status": "Waiting for TikTok",
                "owner": {"id": 1001, "name": "Alex", "username": "alex"},
                "assignee": {"id": 1002, "name": "Sam <b>", "username": None},
            },
            {
                "case": _case_view(ticket=None, charge_date="—"),
                "status": "Drafted",
                "owner": {"id": 1001, "name": "Alex", "username": None},
                "assignee": None,
            },
        ],
        "digest": [
            {
                "items": [
                    {
                        "case": _case_view(),
                        "ping": Ping(PingKind.REPLY_OVERDUE, 7, 0, False),
                        "who": {"id": 1001, "name": "Alex", "username": None},
                        "token": "abc",
                    },
                    {
                        "case": _case_view(id=13),
                        "ping": Ping(PingKind.FOLLOWUP_OVERDUE, 12, 2, True),
                        "who": {"id": 1002, "name": "Sam", "username": "sam"},
                        "token": "def",
                    },
                ]
            }
        ],
        "idle": [{}],
        "in_progress": [
            {"step": "charge_amount", "stage": 3, "number": 7, "total": 16},
            {"step": "balance", "stage": 3, "number": 8, "total": 11},
            {"step": "review", "stage": 6, "number": 16, "total": 16},
            {"step": "reason", "stage": 2, "number": 1, "total": None},
        ],
        "message": [
            {"message": message, "verdict": verdict, "case_id": 12},
            {"message": agency.message, "verdict": agency_verdict, "case_id": 13},
        ],
        "message_long": [
            {"verdict": verdict, "case_id": 12},
            {"verdict": agency_verdict, "case_id": 13},
        ],
        "no_message": [
            {"verdict": blocked_verdict, "case_id": 14},
            {
                "verdict": assess(
                    next(
                        r.intake for r in rendered_for(Reason.POOR_RESULTS) if r.template is None
                    ).facts(),
                    _policy(),
                    TODAY,
                ),
                "case_id": 15,
            },
        ],
        "no_message_file": [{}],
        "notes": [
            {
                "notes": [
                    Note("card_masked", "1881"),
                    Note("paused_after_charge"),
                    Note("currency_differs", "USD"),
                ],
                "answers": review.intake.answers,
            }
        ],
        "nothing_to_cancel": [{}],
        "question": [
            _question(step, reason=reason)
            for step in Step
            if SPECS[step].kind is not Kind.MENU or step in (Step.ACCOUNT, Step.EDIT)
            for reason in (
                "not_delivered",
                "invalid_traffic",
                "other",
                "duplicate",
                "unused_balance",
            )
            if step in (Step.STORY, Step.EVIDENCE) or reason == "duplicate"
        ]
        + [
            _question(Step.CHARGE_DATE, pending=True),
            _question(Step.EVIDENCE, evidence_count=2),
            _question(
                Step.CHARGE_CARD,
                error="Type the last 4 digits of the card, like 1881.",
                notes=[
                    Note(key, value)
                    for key, value in (
                        ("card_masked", "1881"),
                        ("currency_differs", "USD"),
                        ("paused_after_charge", ""),
                        ("card_in_file", ""),
                        ("expired", ""),
                    )
                ],
            ),
        ]
        + [
            _question(Step.CHARGE_AMOUNT, a={"currency": "EUR"}),
            _question(Step.BALANCE, reason="unused_balance", a={"currency": "JPY"}),
            _question(Step.ACCOUNT, is_group=True),
        ],
        "start": [{}],
        "verdict": [
            {
                "verdict": verdict,
                "answers": _typed(review.intake.answers),
                "reason_label": labels.REASONS[Reason.DUPLICATE],
                "pages": [("Automatic payment", "https://ads.tiktok.com/help/article/x")],
            },
            {
                "verdict": blocked_verdict,
                "answers": _typed(blocked.intake.answers),
                "reason_label": labels.REASONS[Reason.SUSPENDED],
                "pages": [("FAQs for Refund", None), ("Request a refund", None)],
            },
            *(
                {
                    "verdict": dataclasses.replace(verdict, findings=(finding,)),
                    "answers": _typed({**review.intake.answers, "billing": billing}),
                    "reason_label": labels.REASONS[Reason.DUPLICATE],
                    "pages": [],
                }
                for finding in _findings()
                for billing in ("automatic", "manual")
            ),
        ],
        "ask_reason": [
            {"message": follow_up, "case": _case_view()},
            {"message": follow_up, "case": _case_view(ticket=None)},
        ],
    }


# Files starting with "_" hold macros for the others; they are not messages.
CHAT_TEMPLATES = sorted(
    p.name.removesuffix(".html.j2")
    for p in (TEMPLATES_DIR / "chat").glob("*.html.j2")
    if not p.name.startswith("_")
)


def test_every_chat_template_has_a_context_here() -> None:
    """Each file in templates/chat has realistic contexts below (and no stale extras)."""
    assert sorted(chat_contexts()) == CHAT_TEMPLATES


@pytest.mark.parametrize("name", CHAT_TEMPLATES)
def test_chat_template_renders(name: str) -> None:
    """Each chat template renders with realistic contexts, to Telegram-safe HTML, no leaks."""
    renderer = _strict_renderer()
    for context in chat_contexts().get(name, []):
        text = renderer.chat_text(name, **context)
        assert text.strip(), f"{name} rendered empty with {context}"
        tags = set(re.findall(r"</?([a-zA-Z]+)", text))
        assert tags <= {"b", "i", "code", "pre", "u", "s", "a"}, f"{name}: tags {tags}"
        for leak in ("None", "{{", "{%", "Undefined"):
            assert leak not in text, f"{name}: {leak!r} in {text!r}"
        assert "\n\n\n" not in plain(text), f"{name}: a run of blank lines"


def test_chat_question_names_its_step_for_every_asked_step() -> None:
    """Every question the intake asks has its own wording under the step heading."""
    renderer = Renderer()
    for step in Step:
        if SPECS[step].kind is Kind.MENU and step not in (Step.ACCOUNT, Step.EDIT):
            continue
        text = plain(renderer.chat_text("question", **_question(step)))
        heading, _, rest = text.partition("\n")
        assert heading.startswith("Step 4 of 12 — "), step
        assert rest.strip(), f"no question text for {step}"


def _assert_escaped(html_text: str, where: str) -> None:
    assert HOSTILE_ESCAPED in html_text, f"{where}: user text not escaped in {html_text!r}"
    assert "<b>bold</b>" not in html_text, f"{where}: user markup passed through"
    assert "49" not in html_text, f"{where}: user text was evaluated as a template"
    assert HOSTILE in plain(html_text), f"{where}: the user doesn't see what they typed"


def test_user_text_in_chat_templates_is_escaped_never_evaluated() -> None:
    """User text with <b>, & and {{ 7*7 }} is escaped in chat templates, never evaluated."""
    renderer = Renderer()
    review, _ = _duplicate_review()
    verdict = assess(review.intake.facts(), _policy(), TODAY)
    hostile_answers = {**review.intake.answers, "amount_text": HOSTILE}
    hostile_message = _hostile_story_message()
    hostile_case = _case_view(account=HOSTILE, ticket=HOSTILE, message=f"Subject: {HOSTILE}")
    renders = {
        "case": renderer.chat_text(
            "case",
            case=hostile_case,
            events=_event_views(detail=HOSTILE),
            track=CaseTrack(),
            next_ping=None,
        ),
        "cases": renderer.chat_text(
            "cases",
            cases=[{**hostile_case, "overdue": False, "undelivered": False, "next_ping": ""}],
            total=1,
            filter="all",
            filter_word="All",
        ),
        "done": renderer.chat_text("done", case_id=12, ticket=HOSTILE, due=None, days=5),
        # The verdict shows the amount formatted (never as typed), so no answer of the
        # user's reaches it; what it does show is escaped all the same.
        "verdict": renderer.chat_text(
            "verdict",
            verdict=verdict,
            answers=_typed(hostile_answers),
            reason_label=HOSTILE,
            pages=[],
        ),
        "message": renderer.chat_text(
            "message", message=hostile_message, verdict=verdict, case_id=12
        ),
        "question": renderer.chat_text(
            "question", **_question(Step.CHARGE_CAMPAIGNS, error=f"“{HOSTILE}” isn't an ID")
        ),
    }
    for name, html_text in renders.items():
        _assert_escaped(html_text, name)


def test_in_progress_names_the_step_the_user_is_at() -> None:
    """The case-in-progress line names the step, also when the case waits at the verdict."""
    renderer = Renderer()
    text = renderer.chat_text("in_progress", step="charge_amount", stage=3, number=7, total=16)
    assert "Step 7 of 16 — the charge" in text
    text = renderer.chat_text("in_progress", step="review", stage=6, number=16, total=16)
    assert "Step 16 of 16 — the verdict and the message" in text
    text = renderer.chat_text("in_progress", step="reason", stage=2, number=1, total=None)
    assert "Step 1 — what went wrong" in text


# --- filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("189.9", "USD", "189.90 USD"),
        (Decimal("189.90"), "USD", "189.90 USD"),
        ("0.10", "USD", "0.10 USD"),
        ("1234.5", "EUR", "1,234.50 EUR"),
        ("1234567.5", "GBP", "1,234,567.50 GBP"),
        ("1500", "JPY", "1,500 JPY"),
        (Decimal("18990"), "JPY", "18,990 JPY"),
        ("1.5", "KWD", "1.500 KWD"),
        ("250000", "IDR", "250,000 IDR"),
        (None, "USD", "—"),
        ("10", None, "—"),
    ],
)
def test_money_filter(amount: str | Decimal | None, currency: str | None, shown: str) -> None:
    """money() writes the currency's usual decimals, thousands commas and the ISO code."""
    assert money(amount, currency) == shown


def test_date_filters() -> None:
    """long_date, short_date and weekday_date write dates the way the messages show them."""
    assert long_date("2026-11-09") == "9 November 2026"
    assert long_date(date(2027, 1, 1)) == "1 January 2027"
    assert long_date(None) == "—"
    assert short_date("2026-11-09") == "9 Nov 2026"
    assert short_date(date(2026, 5, 31)) == "31 May 2026"
    assert short_date(datetime(2026, 11, 9, 23, 59, tzinfo=UTC)) == "9 Nov 2026"
    assert short_date(None) == "—"
    assert weekday_date("2026-12-03") == "Thu 3 Dec"
    assert weekday_date(date(2026, 11, 30)) == "Mon 30 Nov"


def test_filters_are_registered_in_both_environments() -> None:
    """Templates can use money, long_date, short_date and weekday_date, chat and support."""
    renderer = Renderer()
    source = (
        '{{ "1234.5"|money("EUR") }} | {{ 1500|money("JPY") }} | {{ "2026-11-09"|long_date }}'
        ' | {{ "2026-11-09"|short_date }} | {{ "2026-12-03"|weekday_date }}'
    )
    expected = "1,234.50 EUR | 1,500 JPY | 9 November 2026 | 9 Nov 2026 | Thu 3 Dec"
    assert renderer.support.from_string(source).render() == expected
    assert renderer.chat.from_string(source).render() == expected


@pytest.mark.parametrize(
    ("step", "currency", "example"),
    [
        (Step.CHARGE_AMOUNT, "IDR", "1,500,000 IDR"),
        (Step.CHARGE_AMOUNT, "USD", "189.90 USD"),
        (Step.BALANCE, "JPY", "12,000 JPY"),
        (Step.BALANCE, "EUR", "420.00 EUR"),
    ],
)
def test_the_amount_questions_example_fits_the_accounts_currency(
    renderer: Renderer, step: Step, currency: str, example: str
) -> None:
    """Not "Like 190 IDR": a whole-unit currency's example is the size of a real charge."""
    text = renderer.chat_text("question", **_question(step, a={"currency": currency}))
    assert f"Like <code>{example}</code>" in text
