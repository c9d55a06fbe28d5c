"""The chat screens bot/views builds, with the contexts production builds for them (for
tests/bot/test_rendering.py and test_i18n.py).

Realistic values go in (tests/bot/screen_world.py); each screen's context comes from its
`*_context` function in bot/views and its text from the screen function itself, so a test
can check both. /cases, /settings, /assign's answers, /export and /forget come from the
app's own code (the methods the handlers call), their contexts as the recording renderer
kept them; so do the intake's screens (tests/bot/intake_contexts.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import count
from typing import Any
from unittest import mock

import bot.app.records.service
from bot.app.cases.team_cards import person
from bot.app.records.service import RecordsService
from bot.views import (
    callbacks,
    case_screens,
    i18n,
    import_screens,
    settings_screens,
    stats_screens,
)
from bot.views.callbacks import Callback
from bot.views.i18n import _
from bot.views.replies import Reply, Who
from conversations.billing import (
    DATE_ORDER,
    DAY_FIRST,
    FAILED,
    MONTH_FIRST,
    ColumnQuestion,
    ImportReport,
    Skipped,
)
from conversations.cases import CaseStatus, CaseTrack, Ping, PingKind
from conversations.stats import Period, PeriodKey, Stats
from tests.bot.intake_contexts import intake_screens_kept
from tests.bot.screen_world import (
    GROUP,
    LISTED,
    MANY,
    MEMBER,
    OWNER,
    Screen,
    bare,
    flag,
    followed_up_track,
    letter,
    recorded,
    stats_figures,
    world,
)
from tests.helpers import DEFAULT_NOW
from tests.stored_cases import make_sent_case

STRANGER = 7007  # in no chat of the world, and holding nothing
_LEAVING = count(5005)  # the users who ask /forget

# --- the chat screens --------------------------------------------------------------------


def _case_screens() -> Iterator[Screen]:
    w = world()
    texts = w.followup.texts
    tracked = followed_up_track()
    chargeback = _(texts.policy.warnings["chargeback"])
    for case, track, done in (
        (w.case, CaseTrack(status=CaseStatus.DENIED), "deny"),
        (w.case, tracked, "follow_up"),
        (bare(w.group_case), CaseTrack(status=CaseStatus.CLOSED), "close"),
    ):
        values: dict[str, Any] = {
            "done": done,
            "next_ping": track.next_ping_at.astimezone(w.schedule().tz)
            if track.next_ping_at
            else None,
            "next_rung": texts.next_rung(case),
            "chargeback": chargeback,
        }
        yield Screen(
            "case_update",
            case_screens.case_update_context(case, track, **values),
            case_screens.case_update(w.renderer, case, track, **values).text,
        )
    for due in (
        Ping(PingKind.REPLY_OVERDUE, 8, 0, False),
        Ping(PingKind.REPLY_OVERDUE, 8, 0, True),
        Ping(PingKind.FOLLOWUP_OVERDUE, 12, 2, True, True),
        Ping(PingKind.DECISION_PENDING, 5, 1, False),
        Ping(PingKind.REFUND_OVERDUE, 61, 0, True),
    ):
        rung = texts.next_rung(w.case)
        yield Screen(
            "ping",
            case_screens.ping_context(w.case, due, rung),
            case_screens.ping(w.renderer, w.case, tracked, due, rung).text,
        )
    names = w.store.member_names(GROUP)
    unassigned = bare(dataclasses.replace(w.group_case, assignee_user_id=None))
    for case, track in (
        (w.group_case, w.store.load_track(w.group_case.id)),
        (unassigned, CaseTrack()),
    ):
        owner = person(case.owner_user_id, names)
        assignee = person(case.assignee_user_id, names) if case.assignee_user_id else None
        yield Screen(
            "card",
            case_screens.team_card_context(case, track, owner, assignee),
            case_screens.team_card(
                w.renderer, case, track, owner=owner, assignee=assignee, topic_per_case=True
            ).text,
        )
    members = list(names.items())
    yield Screen(
        "assign_pick",
        case_screens.assign_pick_context(w.group_case),
        case_screens.assign_pick(w.renderer, w.group_case, members).text,
    )
    items = [
        (w.group_case, Ping(PingKind.REPLY_OVERDUE, 7, 0, False), person(MEMBER, names)),
        (w.case, Ping(PingKind.FOLLOWUP_OVERDUE, 12, 2, True), person(OWNER, names)),
    ]
    yield Screen(
        "digest",
        case_screens.digest_context(items),
        case_screens.digest(w.renderer, items).text,
    )
    for case, what, more in (
        (w.case, "ticket", {}),
        (bare(w.case), "ticket", {}),
        (w.case, "refund", {}),
        (w.case, "evidence", {}),
        (w.case, "evidence_added", {"count": 2}),
    ):
        yield Screen(
            "case_input",
            case_screens.case_input_context(case, what, **more),
            case_screens.case_input(w.renderer, case, what, force_reply=False, **more).text,
        )
    follow_up = letter("follow_up")
    yield Screen(
        "follow_up",
        case_screens.follow_up_context(w.case, tracked, follow_up),
        case_screens.follow_up(w.renderer, w.case, tracked, follow_up).text,
    )
    escalation = letter("escalation")
    rung = texts.next_rung(w.case)
    yield Screen(
        "escalation",
        case_screens.escalation_context(w.case, escalation, rung),
        case_screens.escalation(w.renderer, w.case, escalation, rung).text,
    )
    why = letter("ask_reason")
    for case in (w.case, bare(w.case)):
        yield Screen(
            "ask_reason",
            case_screens.ask_why_context(case, why),
            case_screens.ask_why(w.renderer, case, why).text,
        )
    for chat, wanted in (
        (OWNER, "all"),
        (OWNER, "open"),
        (OWNER, "overdue"),
        (OWNER, "closed"),
        (MANY, "open"),
    ):
        reply = w.followup.case_list.list_cases(Who(chat_id=chat, user_id=chat), wanted)[0]
        yield recorded("cases", reply)


def _settings_screens() -> Iterator[Screen]:
    w = world()
    store = w.store
    store.set_signature(MEMBER, "Liu Wen <billing@northwind.example>", DEFAULT_NOW)
    settings = w.followup.chat_settings
    group = Who(chat_id=GROUP, user_id=MEMBER, chat_kind="supergroup", is_admin=True)
    private = Who(chat_id=OWNER, user_id=OWNER)
    for who, argument in (
        (private, ""),
        (private, "sign off"),
        (group, "tz Mars/Base"),
        (group, "topics on"),
        (group, "answers group"),
        (group, "copy on"),
        (group, "quiet 22:00-08:00"),
    ):
        reply = settings.settings(who, argument)[0]
        yield recorded("settings", reply)
    for which, current in (
        ("tz", "Asia/Jakarta"),
        ("quiet", "21:00–09:00"),
        ("reply", "5 business days"),
    ):
        yield Screen(
            "settings_choices",
            settings_screens.choices_context(which, current),
            settings_screens.settings_choices(w.renderer, which, current, [(current, "x")]).text,
        )
    for signature in ("Liu Wen <billing@northwind.example>", None):
        yield Screen(
            "settings_choices",
            settings_screens.choices_context("sign", signature or "—"),
            settings_screens.signature_choices(w.renderer, signature).text,
        )


def _import_screens() -> Iterator[Screen]:
    renderer = world().renderer
    found = {"advertiser_id": "7301000000003456", "account_name": "Acme <Shoes>"}
    saved = [{"ref": 1, "advertiser_id": "7289000011112221010", "account_name": "N"}]
    for filename, account, accounts in (
        ("export <1>.csv", found, []),
        ("a.csv", {**found, "account_name": None}, saved),
    ):
        yield Screen(
            "import_new_account",
            import_screens.new_account_context(filename, account, accounts),
            import_screens.new_account(renderer, filename, account, accounts).text,
        )
    yield Screen(
        "import_which_account",
        import_screens.filename_context("export <1>.csv"),
        import_screens.which_account(renderer, "export <1>.csv", saved).text,
    )
    for question in (
        ColumnQuestion("amount", ("Amount", "Betrag"), "1.234,56 <b>"),
        ColumnQuestion(DATE_ORDER, (DAY_FIRST, MONTH_FIRST), "03/11/2026"),
        ColumnQuestion("document", ("Doc", "Ref")),
    ):
        yield Screen(
            "import_question",
            import_screens.question_context(question),
            import_screens.column_question(renderer, question).text,
        )
    charge = flag().rows[0]
    report = ImportReport(
        rows=[charge, dataclasses.replace(charge, status=FAILED, line=12)],
        skipped=[Skipped(4, "a total line"), Skipped(9, "no amount <here>")] * 4,
    )
    northwind = {"advertiser_id": "7289000011112221010", "account_name": "Northwind"}
    reports: list[tuple[str, ImportReport, int, int, dict[str, Any] | None]] = [
        ("export.csv", report, 12, 3, northwind),
        ("x.xlsx", ImportReport(), 0, 0, None),
    ]
    for filename, done, added, already, into in reports:
        yield Screen(
            "import_done",
            import_screens.done_context(filename, done, added, already, into),
            import_screens.done(renderer, filename, done, added, already, into).text,
        )
    yield Screen(
        "import_flag",
        import_screens.flag_context(flag(), None),
        import_screens.flag_to_start(renderer, flag(), 7).text,
    )
    yield Screen(
        "import_flag",
        import_screens.flag_context(flag(), 4),
        import_screens.flag_with_case(renderer, flag(), 4, "tok").text,
    )
    message = "That file is not a <b>CSV</b>."
    yield Screen(
        "import_refused",
        import_screens.refused_context(message),
        import_screens.refused(renderer, message).text,
    )
    for template, screen in (
        ("import_help", import_screens.help_screen),
        ("import_expired", import_screens.expired),
        ("import_cancelled", import_screens.cancelled),
    ):
        yield Screen(template, {}, screen(renderer).text)


def _stats_screens() -> Iterator[Screen]:
    renderer = world().renderer
    names = world().store.member_names(GROUP)
    empty = Stats(Period(PeriodKey.DAYS_30, DEFAULT_NOW - timedelta(days=30)))
    for stats, in_group, key in (
        (empty, False, PeriodKey.DAYS_30),
        (stats_figures(), True, PeriodKey.ALL),
    ):
        screen = stats_screens.period_screen(renderer, stats, names, in_group, key)
        yield Screen("stats", stats_screens.stats_context(stats, names, in_group), screen.text)
    month = datetime(2026, 10, 1, tzinfo=UTC)
    summary = stats_screens.summary_screen(renderer, stats_figures(), names, month)
    yield recorded("stats", Reply(summary.text))


def _app_screens() -> Iterator[Screen]:
    """The answers bot/app renders itself, through the methods the handlers call: /assign's
    (bot/app/cases/team_cards.py), /export's and /forget's (bot/app/records/service.py)."""
    w = world()
    admin = Who(chat_id=GROUP, user_id=OWNER, chat_kind="supergroup", is_admin=True)
    stranger = Who(chat_id=GROUP, user_id=STRANGER, chat_kind="supergroup")
    case = w.group_case.id
    for who, argument, template in (
        (admin, "", "assign_usage"),
        (admin, "99 @sam", "case_not_found"),
        (stranger, f"{case} @sam", "not_allowed"),
        (admin, f"{case} @sam_<b>", "unknown_member"),
    ):
        yield recorded(template, w.followup.cards.assign(who, argument)[0])
    records = RecordsService.for_service(w.service)
    nobody = Who(chat_id=STRANGER, user_id=STRANGER)
    for who in (Who(chat_id=OWNER, user_id=OWNER), nobody, admin):
        yield recorded("export", records.export(who)[0])
    # More cases than an export holds (made fewer here), and a signature to go with them.
    w.store.set_signature(MANY, "Liu Wen <b>", DEFAULT_NOW)
    with mock.patch.object(bot.app.records.service, "EXPORT_LIMIT", LISTED):
        yield recorded("export", records.export(Who(chat_id=MANY, user_id=MANY))[0])
    yield recorded("forget_group", records.forget(admin)[0])
    yield recorded("forget_done", records.forget(nobody)[0])
    # Someone new each time (their data goes): asked, "no", asked again, a case added
    # before "yes" (asked once more), then "yes".
    user = next(_LEAVING)
    leaving = Who(chat_id=user, user_id=user)
    make_sent_case(w.followup, user, user, DEFAULT_NOW)
    ask = records.forget(leaving)[0]
    yield recorded("forget_confirm", ask)
    yes, no = (_pressed(button.data) for button in ask.buttons[0])
    yield recorded("forget_kept", records.forget_button(leaving, no).replies[0])
    make_sent_case(w.followup, user, user, DEFAULT_NOW)
    again = records.forget_button(leaving, yes).replies[0]
    yield recorded("forget_confirm", again)
    yes = _pressed(again.buttons[0][0].data)
    yield recorded("forget_done", records.forget_button(leaving, yes).replies[0])


def _pressed(data: str) -> Callback:
    """The button `data` stands for (a button the bot made: the codec reads it)."""
    pressed = callbacks.decode(data)
    assert pressed is not None, data
    return pressed


def production_screens() -> dict[str, list[Screen]]:
    """Every chat template bot/views builds a screen for, with production's contexts (built
    in the current language, as production builds them in the chat's; the intake's, from
    tests/bot/intake_contexts.py, once in English)."""
    return _screens_in(i18n.current())


@cache
def _screens_in(language: str) -> dict[str, list[Screen]]:
    screens: dict[str, list[Screen]] = {}
    for made in (_case_screens, _settings_screens, _import_screens, _stats_screens, _app_screens):
        for screen in made():
            screens.setdefault(screen.template, []).append(screen)
    for name, kept in intake_screens_kept().items():
        screens.setdefault(name, []).extend(kept)
    return screens
