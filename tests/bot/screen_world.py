"""A database with cases made as the bot makes them, and the values screens are made of:
the helpers of tests/bot/screen_contexts.py (and of test_rendering.py's checks).

A case as the store makes and returns it, its `CaseTrack` moved by its own triggers, a
`Flag`, the figures of /stats; the follow-up letters as `CaseTexts` writes them, and /case N
and /cases as the app shows them, through a renderer that keeps what it was given.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.cases.service import FollowUpService
from bot.app.intake.service import RefundService
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views.rendering import Renderer, SupportMessage
from bot.views.replies import Reply, Who
from conversations.anomalies import Flag
from conversations.billing import ChargeRow
from conversations.cases import CaseTrack, Schedule
from conversations.policy import load_policy
from conversations.stats import MoneyFigures, Period, PeriodKey, ReasonFigures, Stats
from tests.helpers import DEFAULT_NOW, Clock
from tests.stored_cases import make_sent_case

OWNER = 1001
MEMBER = 1002
GROUP = -100200300
MANY = 4004  # a private chat with more cases than /cases lists
LISTED = 20
TICKET = "TT-0099123"
SIGNATURE = "Liu Wen — billing@northwind.example"
# The follow-up letters (templates/followup/), which CaseTexts writes.
LETTERS = ("follow_up", "escalation", "ask_reason")


class Recording(Renderer):
    """The real renderer, keeping each template's name and context as it renders."""

    def __init__(self) -> None:
        super().__init__()
        self.chats: list[tuple[str, dict[str, Any]]] = []
        self.letters: list[tuple[str, dict[str, Any]]] = []

    def chat_text(self, name: str, /, **context: Any) -> str:
        self.chats.append((name, context))
        return super().chat_text(name, **context)

    def support_message(
        self, name: str, /, folder: str = "support", **context: Any
    ) -> SupportMessage:
        if folder == "followup":
            self.letters.append((name, context))
        return super().support_message(name, folder=folder, **context)


@dataclass(frozen=True)
class Screen:
    """One screen: its template, the context production builds, and the text the screen
    function answered with."""

    template: str
    context: dict[str, Any]
    text: str


@dataclass(frozen=True)
class World:
    """A database with cases made as the bot makes them, and the service that shows them."""

    service: RefundService
    renderer: Recording
    case: CaseRecord  # sent on 26 Nov 2026, with a ticket, waiting for TikTok
    overdue: CaseRecord  # sent, no ticket, a reminder already sent
    group_case: CaseRecord  # a team's case, assigned to a member

    @property
    def followup(self) -> FollowUpService:
        return self.service.followup

    @property
    def store(self) -> Store:
        return self.service.store

    def schedule(self, team_id: int = OWNER) -> Schedule:
        return self.followup.prefs.schedule(team_id)


_KEEP: list[tempfile.TemporaryDirectory[str]] = []  # removed when the tests end


@cache
def world() -> World:
    renderer = Recording()
    # A file: each of the store's connections to "sqlite://" would be a database of its own.
    folder = tempfile.TemporaryDirectory(prefix="screens-")
    _KEEP.append(folder)
    store = Store.open(f"sqlite:///{folder.name}/refundbot.sqlite3")
    service = RefundService(
        store=store, policy=load_policy(), renderer=renderer, clock=Clock(DEFAULT_NOW)
    )
    followup = service.followup
    sent = DEFAULT_NOW
    first = make_sent_case(followup, OWNER, OWNER, sent)
    store.set_case_ticket(first, OWNER, TICKET, sent)
    second = make_sent_case(followup, OWNER, OWNER, sent - timedelta(days=9))
    track = store.load_track(second)
    track.remind(sent - timedelta(hours=1), 0, followup.schedule(OWNER))
    store.save_track(second, OWNER, track)
    # Its reminder couldn't be delivered (the user had blocked the bot, say).
    (claimed,) = store.claim_due_reminders(
        sent + timedelta(days=60), limit=1, lease=timedelta(minutes=5), worker="test"
    )
    assert claimed.case_id == second
    store.fail_reminder(claimed.id, "Forbidden: bot was blocked by the user")
    for _n in range(LISTED + 1):  # more cases than /cases lists
        make_sent_case(followup, MANY, MANY, sent)
    third = make_sent_case(followup, GROUP, OWNER, sent)
    store.remember_member(GROUP, OWNER, "Alex", "alex")
    store.remember_member(GROUP, MEMBER, "Sam <b>", None)
    store.assign_case(third, MEMBER, OWNER, sent)
    cases = [store.get_case(team, number) for team, number in ((OWNER, first), (OWNER, second))]
    group_case = store.get_case(GROUP, third)
    assert cases[0] and cases[1] and group_case
    return World(service, renderer, cases[0], cases[1], group_case)


def shown_case(case: CaseRecord) -> Screen:
    """/case N as the bot shows it (`RefundService.show_case`, bot/app/intake/service.py) in the
    case's own chat."""
    who = Who(chat_id=case.team_id, user_id=case.owner_user_id)
    if case.team_id < 0:
        who = dataclasses.replace(who, chat_kind="supergroup")
    return recorded("case", world().service.show_case(who, str(case.id))[0])


@cache
def case_with_ticket(chat_id: int, ticket: str) -> CaseRecord:
    """A new sent case in a private chat `chat_id`, its ticket as the user typed it."""
    w = world()
    case_id = make_sent_case(w.followup, chat_id, chat_id, DEFAULT_NOW)
    w.store.set_case_ticket(case_id, chat_id, ticket, DEFAULT_NOW)
    case = w.store.get_case(chat_id, case_id)
    assert case is not None
    return case


def bare(case: CaseRecord) -> CaseRecord:
    """`case` without a ticket, an amount, a charge date or a message (a case the user
    skipped those for, or a draft)."""
    answers = {
        key: value
        for key, value in case.answers.items()
        if key not in ("amount", "amount_text", "charge_date", "charge_time")
    }
    return dataclasses.replace(
        case, answers=answers, ticket=None, reply_due_on=None, message=None, subject=None
    )


def hostile(case: CaseRecord, text: str) -> CaseRecord:
    """`case` with the user's `text` as its account name, ticket and message."""
    answers = {**case.answers, "account_name": text}
    return dataclasses.replace(case, answers=answers, ticket=text, message=f"Subject: {text}")


def followed_up_track() -> CaseTrack:
    """A case sent on 26 Nov 2026, overdue and followed up once."""
    schedule = Schedule(timing=load_policy().timing, tz=ZoneInfo("Europe/Berlin"))
    track = CaseTrack()
    sent = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    track.send(sent, OWNER, schedule)
    track.remind(sent + timedelta(days=8), 0, schedule)
    track.follow_up(sent + timedelta(days=8, hours=1), OWNER, schedule)
    return track


def decided(trigger: str) -> CaseTrack:
    """A sent case that TikTok answered, then approved or denied (`trigger`)."""
    schedule = world().schedule()
    track = followed_up_track()
    later = DEFAULT_NOW + timedelta(days=10)
    track.reply(later, OWNER, schedule)
    getattr(track, trigger)(later + timedelta(days=1), OWNER, schedule)
    return track


def flag() -> Flag:
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


# --- the letters -------------------------------------------------------------------------


def letters() -> Iterator[tuple[str, dict[str, Any], SupportMessage]]:
    """Each follow-up letter as CaseTexts writes it: the template, its context, the letter."""
    w = world()
    texts = w.followup.texts
    tz = w.schedule().tz
    for case, track, template, signature in (
        (w.case, followed_up_track(), "follow_up", SIGNATURE),
        (bare(w.case), followed_up_track(), "follow_up", None),
        (w.case, followed_up_track(), "escalation", SIGNATURE),
        (bare(w.case), decided("approve"), "escalation", None),
        (w.case, decided("deny"), "escalation", None),
        (w.case, decided("deny"), "ask_reason", SIGNATURE),
        (bare(w.case), decided("deny"), "ask_reason", None),
    ):
        message = texts._render_support(case, track, template, tz, signature)
        name, context = w.renderer.letters[-1]
        assert name == template
        yield template, context, message


def letter(template: str) -> SupportMessage:
    return next(message for name, _context, message in letters() if name == template)


def recorded(template: str, reply: Reply) -> Screen:
    """The screen the app just rendered: what it passed, as the recording renderer kept it."""
    name, context = world().renderer.chats[-1]
    assert name == template
    return Screen(template, context, reply.text)


def stats_figures() -> Stats:
    """All-time figures of a team with cases in two currencies, some decided."""
    return Stats(
        Period(PeriodKey.ALL, None),
        opened=12,
        sent=10,
        closed=7,
        money={
            "USD": MoneyFigures(Decimal("1899"), Decimal("950"), Decimal("760.10"), 8),
            "JPY": MoneyFigures(Decimal("18990"), Decimal(0), Decimal(0), 1),
        },
        unknown_amounts=1,
        by_reason={"duplicate": ReasonFigures(4, 1), "not_delivered": ReasonFigures(1, 1)},
        days_to_reply=4.5,
        days_to_money=16.0,
        open_now=3,
        overdue_now=1,
        by_assignee={MEMBER: (2, 1), None: (1, 0)},
    )
