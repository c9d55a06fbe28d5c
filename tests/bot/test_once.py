"""Every update is applied once, through the real Application: Telegram delivering the same
update again (a webhook retry, a poller restarted before it confirmed) changes nothing and
sends nothing; a case button pressed after the case changed is told so."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.db.store import Store
from bot.db.tables import evidence, handled_updates, links
from bot.telegram.transport import ApiCall, InProcessBotApi
from tests.helpers import (
    ChatDriver,
    Clock,
    button,
    count,
    events,
    plain,
    sent_case,
    until_overdue,
)
from tests.processes import SENDS, make_group_case

App = Application[Any, Any, Any, Any, Any, Any]
GROUP = -100_777
ALEX, KIM = 1001, 1003  # Kim administers the group
CHANGED = "Someone changed this case meanwhile, so I didn't apply that."


async def twice(driver: ChatDriver, update: Update) -> tuple[list[ApiCall], list[ApiCall]]:
    """Deliver `update`, then the same update again (as Telegram sends it: a new copy of
    the same JSON); return the calls each delivery made."""
    first = await driver.deliver(update)
    second = await driver.deliver(Update.de_json(update.to_dict(), driver.app.bot))
    return first, second


async def test_a_snooze_delivered_twice_snoozes_once(
    app: App, user: ChatDriver, clock: Clock, store: Store
) -> None:
    await sent_case(user)
    await until_overdue(app, clock, store)
    data, message_id = button(user, "Snooze")
    first, second = await twice(user, user.updates.button(data, message_id))
    assert any(c.method == "answerCallbackQuery" for c in first)
    assert second == []
    assert events(store, 1, "snooze") == 1


async def test_an_evidence_file_delivered_twice_is_kept_once(
    user: ChatDriver, store: Store
) -> None:
    await sent_case(user)
    await user.send("/case 1")
    await user.tap("Add evidence")
    update = user.updates.document("ev-file-77", "payments-page.png", "both charges")
    first, second = await twice(user, update)
    assert [c.method for c in first] == ["sendMessage"]
    assert second == []
    assert count(store, evidence, evidence.c.case_id == 1) == 1
    assert events(store, 1, "evidence") == 1


async def test_an_export_delivered_twice_sends_one_zip(user: ChatDriver) -> None:
    await sent_case(user)
    first, second = await twice(user, user.updates.text("/export"))
    assert [c.method for c in first if c.method in SENDS].count("sendDocument") == 1
    assert second == []


async def test_a_group_new_delivered_twice_posts_one_invite(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    group = ChatDriver(app, api, ALEX, GROUP, "Alex", "alex")
    first, second = await twice(group, group.updates.text("/new@refund_guide_bot"))
    invites = [c for c in first if c.method == "sendMessage"]
    assert len(invites) == 1 and any("?start=" in d for _l, d in invites[0].buttons)
    assert second == []
    assert count(store, links, links.c.team_id == GROUP) == 1


async def test_an_outcome_press_delivered_twice_is_recorded_once(
    user: ChatDriver, store: Store
) -> None:
    await sent_case(user)
    await user.send("/case 1")
    data, message_id = button(user, "Approved")
    first, second = await twice(user, user.updates.button(data, message_id))
    assert any(c.method == "answerCallbackQuery" for c in first)
    assert second == []
    assert store.load_track(1).status == "approved"
    assert events(store, 1, "approve") == 1


async def test_every_update_is_recorded_once_and_old_records_are_forgotten(
    user: ChatDriver, store: Store, clock: Clock
) -> None:
    """The records a redelivery is checked against: one per update handled; a sweep
    deletes those older than Telegram would redeliver."""
    update = user.updates.text("/help")
    await twice(user, update)
    assert count(store, handled_updates, handled_updates.c.update_id == update.update_id) == 1
    assert store.forget_handled_updates(clock.now.replace(year=clock.now.year + 1)) >= 1
    assert count(store, handled_updates) == 0


async def test_a_press_from_an_older_card_is_told_the_case_changed(
    app: App, api: InProcessBotApi, store: Store, clock: Clock
) -> None:
    """The owner presses Approved in private; then an admin presses Denied on the group's
    card, which still shows the case as it was: Denied is not applied, the admin is told
    in a line, and the card shows the case as it is now, with its buttons now."""
    service = app.bot_data.service
    case = make_group_case(service.followup, GROUP, ALEX, clock.now)
    api.admins.add((GROUP, KIM))
    owner = ChatDriver(app, api, ALEX, None, "Alex", "alex")
    admin = ChatDriver(app, api, KIM, GROUP, "Kim", "kim")
    approve = f"k:{case.token}:a:{case.version}"
    deny = f"k:{case.token}:D:{case.version}"
    await owner.press(approve)
    assert "Approved — noted." in owner.toasts()
    calls = await admin.press(deny)
    assert CHANGED in [c.text for c in calls if c.method == "answerCallbackQuery"]
    assert store.load_track(case.id).status == "approved"
    assert (events(store, case.id, "approve"), events(store, case.id, "deny")) == (1, 0)
    # The group's card (posted when the owner approved; the edit that would show the same
    # again is "not modified" for Telegram) shows the case as it is now.
    card = [m for m in admin.messages() if "Case #1" in plain(m.text)][-1]
    assert "Approved" in plain(card.text)
    labels = [label for label, _d in card.buttons]
    assert any("Refunded" in label for label in labels)
    assert not any("Denied" in label for label in labels)


async def test_a_private_press_from_an_older_card_shows_the_case_now(
    app: App, api: InProcessBotApi, store: Store, clock: Clock
) -> None:
    """The other way round: the admin's Denied lands first; the owner's Approved, from the
    private card of before, gets the friendly line and the case as it is now."""
    service = app.bot_data.service
    case = make_group_case(service.followup, GROUP, ALEX, clock.now)
    api.admins.add((GROUP, KIM))
    owner = ChatDriver(app, api, ALEX, None, "Alex", "alex")
    admin = ChatDriver(app, api, KIM, GROUP, "Kim", "kim")
    await admin.press(f"k:{case.token}:D:{case.version}")
    calls = await owner.press(f"k:{case.token}:a:{case.version}")
    assert CHANGED in owner.toasts()
    shown = [c for c in calls if c.method == "sendMessage"]
    assert len(shown) == 1 and plain(shown[0].text).startswith("🔄 " + CHANGED)
    assert any("Reopen" in label for label, _d in shown[0].buttons)
    assert store.load_track(case.id).status == "denied"
    assert (events(store, case.id, "approve"), events(store, case.id, "deny")) == (0, 1)
