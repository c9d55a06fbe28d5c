"""Every template, rendered under StrictUndefined with what the bot really passes it.

Support messages are rendered for every path through the intake (reason × billing ×
Business Center × status × who was paid × the appeal, admin and spend answers), with
the answers the shared machine collects. Chat templates are rendered with realistic
contexts, and user text in them is data: escaped, never evaluated. Every chat template's
contexts, and the follow-up letters', come from production code: the screens bot/views
builds and the app's own answers (tests/bot/screen_contexts.py), the intake's as the real
service passes them (tests/bot/intake_contexts.py), its question at every step on the
intakes walked to here; they are checked against what their templates read.
"""

# Over 400 lines: one table of every template's contexts and the checks on them.

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from jinja2 import Environment, meta, nodes

from bot.app.intake.review import reason_label
from bot.app.intake.service import RefundService
from bot.db.store import Store
from bot.views import case_screens, intake_screens, review_screens
from bot.views.formats import long_date, money, short_date, weekday_date
from bot.views.intake_screens import Asking
from bot.views.rendering import TEMPLATES_DIR, Renderer, SupportMessage
from bot.views.replies import Who
from conversations.answers import IntakeAnswers
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
from conversations.intake import SPECS, Intake, Kind, Step, attached
from conversations.policy import Policy, load_policy
from tests.bot.screen_contexts import production_screens
from tests.bot.screen_world import (
    LETTERS,
    Screen,
    case_with_ticket,
    hostile,
    letters,
    shown_case,
    world,
)
from tests.helpers import DEFAULT_NOW, Clock, plain

TODAY = DEFAULT_NOW.date()
ADVERTISER_ID = "7289000011112221010"
BC_ID = "7290000000000000001"
STORY = "Campaign 1790000000000001 showed no delivery on 8 November, but we were billed."
INVOICE_PROBLEM = "Billed 1,200 USD but our spend was 950 USD."
# User text that is HTML, an entity and template syntax at once.
HOSTILE = "Ads <b>bold</b> & {{ 7*7 }} {% if true %}x{% endif %}"
HOSTILE_CHAT = 3003  # a private chat whose case has HOSTILE as its ticket
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
    """A copy to change (its bookkeeping, such as why it was started, included)."""
    return dataclasses.replace(
        intake,
        answers=copy.deepcopy(intake.answers),
        history=list(intake.history),
        pending=copy.deepcopy(intake.pending),
    )


def _act(intake: Intake, action: Action) -> None:
    # One update of the service: attach, apply, detach.
    with attached(intake):
        action(intake)
        assert intake.pending is None, f"an ISO date was ambiguous at {intake.step}"


def _walk(intake: Intake, path: Route, every_step: bool = False) -> Iterator[Intake]:
    """Every intake at the review screen that `path` can lead to (and, `every_step`, a
    copy of it at each question on the way)."""
    guard = 0
    while intake.step is not Step.REVIEW:
        if every_step:
            yield _clone(intake)
        guard += 1
        assert guard < 40, f"{path.describe()} never reached the review at {intake.step}"
        step = intake.step
        actions = _actions(step, path)
        if len(actions) > 1:
            for action in actions:
                branch = _clone(intake)
                _act(branch, action)
                yield from _walk(branch, path, every_step)
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


@cache
def _walked_intakes() -> tuple[Intake, ...]:
    """An intake at each step each reason asks, full and bare, as the walk reaches it."""
    out: list[Intake] = []
    seen: set[tuple[Step, Reason, bool]] = set()
    for path in PATHS:
        for intake in _walk(Intake(), path, every_step=True):
            key = (intake.step, path.reason, path.full)
            if intake.step is not Step.REVIEW and key not in seen:
                seen.add(key)
                out.append(intake)
    return tuple(out)


def _question(step: Step, error: str | None = None, currency: str | None = None) -> dict[str, Any]:
    """The context `intake_screens.question_context` builds at `step` (the first walked
    intake there, its account in `currency` if given)."""
    intake = _clone(next(i for i in _walked_intakes() if i.step is step))
    if currency:
        intake.answers["currency"] = currency
    return intake_screens.question_context(intake, error=error)


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


PRIVATE = Who(chat_id=1, user_id=1)


@cache
def walked_screens() -> dict[str, list[Screen]]:
    """The intake's screens on the intakes the shared machine walks to: the question of
    every step each reason asks, full and bare (`intake_screens.question_context`, the
    context the question's screen renders), the verdict with each finding it words,
    under both billings (`review_screens.verdict_context`), and "in progress"."""
    renderer = Renderer()
    at = Asking("tok", 1)
    questions = [
        Screen(
            "question",
            intake_screens.question_context(intake),
            intake_screens.question(renderer, at, intake, PRIVATE).text,
        )
        for intake in _walked_intakes()
    ]
    review, _message = _duplicate_review()
    intake = review.intake
    judged = assess(intake.facts(), _policy(), TODAY)
    texts = _service().policy_texts
    verdicts: list[Screen] = []
    for finding in _findings():
        for billing in ("automatic", "manual"):
            shown = dataclasses.replace(texts.verdict(judged), findings=(finding,))
            answers = _typed({**intake.answers, "billing": billing})
            values = (shown, answers, reason_label(intake), texts.pages(judged), intake.progress())
            screen = review_screens.verdict(
                renderer,
                shown,
                answers,
                reason_label=values[2],
                pages=values[3],
                progress=values[4],
            )
            verdicts.append(Screen("verdict", review_screens.verdict_context(*values), screen.text))
    # /new while answering: at the first question (no path counted yet), midway, at the
    # verdict.
    stops = [next(i for i in _walked_intakes() if i.step is step) for step in IN_PROGRESS]
    in_progress = [
        Screen(
            "in_progress",
            intake_screens.in_progress_context(waiting),
            intake_screens.in_progress(renderer, at, waiting).text,
        )
        for waiting in [*stops, intake]
    ]
    return {"question": questions, "verdict": verdicts, "in_progress": in_progress}


IN_PROGRESS = (Step.REASON, Step.CHARGE_AMOUNT, Step.BALANCE)


def all_production_screens() -> dict[str, list[Screen]]:
    """The screens of tests/bot/screen_contexts.py (the intake's driven through the real
    service), and those walked to here."""
    screens = {name: list(found) for name, found in production_screens().items()}
    for name, walked in walked_screens().items():
        screens.setdefault(name, []).extend(walked)
    return screens


def chat_contexts() -> dict[str, list[dict[str, Any]]]:
    """Realistic contexts for every chat template, all from production code: the screens
    bot/views builds and the app's own answers (tests/bot/screen_contexts.py), the intake's
    as the real service passes them (tests/bot/intake_contexts.py) and on the intakes
    walked to here, and /case N's."""
    w = world()
    contexts: dict[str, list[dict[str, Any]]] = {
        "case": [shown_case(case).context for case in (w.case, w.overdue, w.group_case)],
    }
    for name, screens in all_production_screens().items():
        assert name not in contexts, f"{name}: its contexts come from production"
        contexts[name] = [screen.context for screen in screens]
    return contexts


# Files starting with "_" hold macros for the others; they are not messages.
CHAT_TEMPLATES = sorted(
    p.name.removesuffix(".html.j2")
    for p in (TEMPLATES_DIR / "chat").glob("*.html.j2")
    if not p.name.startswith("_")
)


def test_every_chat_template_has_a_context_here() -> None:
    """Each file in templates/chat has realistic contexts below (and no stale extras)."""
    assert sorted(chat_contexts()) == CHAT_TEMPLATES


def test_each_screen_renders_the_context_its_function_builds() -> None:
    """A screen of bot/views answers with its template rendered from exactly the context
    its `*_context` function builds (the context tested here is the one users get); the
    app's own answers, with what they passed."""
    renderer = Renderer()
    for name, screens in all_production_screens().items():
        for screen in screens:
            assert renderer.chat_text(name, **screen.context) == screen.text, name


def _names_read(env: Environment, path: str) -> set[str]:
    """The names a template reads from its context (not its own {% set %} names, nor the
    environment's globals such as `_`)."""
    tree = env.parse(env.loader.get_source(env, path)[0])  # type: ignore[union-attr]
    own = {node.name for node in tree.find_all(nodes.Name) if node.ctx == "store"}
    return meta.find_undeclared_variables(tree) - own - set(env.globals)


# Passed by production but read by no template, in code outside bot/views (the intake's
# /case N, and CaseTexts' letters in bot/app/cases/texts.py): drop them there, then here.
PASSED_BUT_NOT_READ: dict[str, set[str]] = {}


def _misfits(name: str, read: set[str], contexts: list[dict[str, Any]]) -> list[str]:
    allowed = PASSED_BUT_NOT_READ.get(name, set())
    passed = set().union(*(set(context) for context in contexts))
    problems = [
        f"{name}: passed but never read: {sorted(set(context) - read - allowed)}"
        for context in contexts
        if set(context) - read - allowed
    ]
    if read - passed:
        problems.append(f"{name}: read but never passed: {sorted(read - passed)}")
    if allowed - (passed - read):
        problems.append(f"{name}: PASSED_BUT_NOT_READ is stale: {sorted(allowed)}")
    return problems


def test_production_contexts_hold_what_their_templates_read() -> None:
    """Each screen taken from production (and /case N) passes its template only keys it reads,
    and, over its contexts, every key it reads; each follow-up letter likewise. A key
    missing on one path fails the render under StrictUndefined; one never passed, or
    passed and never read, fails here."""
    renderer = _strict_renderer()
    w = world()
    screens = all_production_screens().items()
    contexts = {name: [s.context for s in found] for name, found in screens}
    contexts["case"] = [shown_case(case).context for case in (w.case, w.overdue, w.group_case)]
    problems: list[str] = []
    for name, given in contexts.items():
        problems += _misfits(name, _names_read(renderer.chat, f"chat/{name}.html.j2"), given)
    letters_read = {
        name: _names_read(renderer.support, f"followup/{name}.txt.j2") for name in LETTERS
    }
    written = list(letters())
    assert {name for name, _context, _message in written} == set(LETTERS)
    for name, context, message in written:
        strict = renderer.support_message(name, folder="followup", **context)
        assert strict == message, name
        if letters_read[name] - set(context):
            problems.append(f"{name}: read but not passed: {letters_read[name] - set(context)}")
    # The letters share one context: a key is needed when one of them reads it.
    problems += _misfits(
        "letters", set().union(*letters_read.values()), [c for _n, c, _m in written]
    )
    _fail_on(problems)


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
    """Every question the intake asks has its own wording under the step heading (its
    place in the path, when it has one)."""
    renderer = Renderer()
    asked = {
        step
        for step in Step
        if SPECS[step].kind is not Kind.MENU or step in (Step.ACCOUNT, Step.EDIT)
    }
    found: set[Step] = set()
    placed: set[Step] = set()
    for context in chat_contexts()["question"]:
        step = Step(context["step"])
        found.add(step)
        text = plain(renderer.chat_text("question", **context))
        heading, _, rest = text.partition("\n")
        assert heading.strip() and rest.strip(), f"no question text for {step}"
        if re.match(r"Step \d+( of \d+)? — ", heading):
            placed.add(step)
    assert asked - found == set(), "steps asked with no production context here"
    # A change of an answer, and the ticket after the message, have no place in the path;
    # the account's name is asked from /accounts, under the account's own heading.
    assert asked - placed == {Step.EDIT, Step.TICKET, Step.ACCOUNT_NAME}


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
    hostile_case = case_with_ticket(HOSTILE_CHAT, HOSTILE)
    listed = world().followup.case_list.list_cases(Who(HOSTILE_CHAT, HOSTILE_CHAT), "all")
    done = next(c for c in chat_contexts()["done"] if c["ticket"])
    renders = {
        "case": shown_case(hostile_case).text,
        "cases": listed[0].text,
        "case_input": case_screens.case_input(
            renderer, hostile(hostile_case, HOSTILE), "ticket", force_reply=False
        ).text,
        # The intake's "noted as sent" with the ticket the user typed.
        "done": renderer.chat_text("done", **{**done, "ticket": HOSTILE}),
        # The verdict shows the amount formatted (never as typed), so no answer of the
        # user's reaches it; what it does show is escaped all the same.
        "verdict": review_screens.verdict(
            renderer,
            verdict,
            _typed(hostile_answers),
            reason_label=HOSTILE,
            pages=[],
            progress=None,
        ).text,
        "message": renderer.chat_text(
            "message", **review_screens.message_context(hostile_message, verdict, 12)
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
    text = renderer.chat_text("question", **_question(step, currency=currency))
    assert f"Like <code>{example}</code>" in text
