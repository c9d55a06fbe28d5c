"""Only a group's current members see or change its cases, through the real Application
and the fake Bot API (whose getChatMember says "left" for anyone the test didn't add).

A public supergroup's messages, and so its buttons, are open to people who are not in
it: each press, command, typed answer and file from a group is checked with Telegram.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app.intake.service import RefundService
from bot.config import Settings
from bot.db.store import Store
from bot.telegram.application import build_application
from bot.telegram.transport import ApiCall, InProcessBotApi
from tests.helpers import ChatDriver, add_account, plain

App = Application[Any, Any, Any, Any, Any, Any]
GROUP = -100333
ALEX, SAM, KIM, EVE, ROB = 1001, 1002, 1003, 4004, 4005  # Kim administers the group
BOT = "@refund_guide_bot"
REFUSED = "Only members of this group can see its cases."
# What a stranger's press may cause: the check itself and the short answer, nothing shown.
ONLY_THE_CHECK = {"getChatMember", "answerCallbackQuery"}


class FakeClock:
    """Monotonic seconds, moved by hand (the membership cache's clock)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def minutes(app: App) -> FakeClock:
    """The clock the bot keeps getChatMember's answers by."""
    clock = FakeClock()
    app.bot_data.members.clock = clock
    return clock


def people(app: App, api: InProcessBotApi) -> dict[str, ChatDriver]:
    api.admins.add((GROUP, KIM))
    return {
        "alex_g": ChatDriver(app, api, ALEX, GROUP, "Alex", "alex"),
        "sam_g": ChatDriver(app, api, SAM, GROUP, "Sam", "sam"),
        "kim_g": ChatDriver(app, api, KIM, GROUP, "Kim", "kim"),
        "alex": ChatDriver(app, api, ALEX, None, "Alex", "alex"),
        # Reads the public group, is not in it; calls himself @mal.
        "eve_g": ChatDriver(app, api, EVE, GROUP, "Eve", "mal", member=False),
    }


async def team_case(p: dict[str, ChatDriver]) -> None:
    """Alex starts case #1 in the group, answers it in private, sends it with ticket TT-1."""
    await p["alex_g"].send(f"/new{BOT}")
    url = next(d for label, d in p["alex_g"].last_with_buttons().buttons if "private" in label)
    await p["alex"].send(f"/start {url.rsplit('=', 1)[1]}")
    await p["alex"].tap("charged twice")
    await add_account(p["alex"])
    await p["alex"].send("9 Nov 10:02")
    await p["alex"].send("189.90 USD")
    for _ in range(3):
        await p["alex"].tap("Skip")
    await p["alex"].send("9 Nov 10:08")
    await p["alex"].tap("Skip")
    await p["alex"].tap("My money back")
    await p["alex"].tap("Today")
    await p["alex"].tap("Skip")
    await p["alex"].tap("I've sent it")
    await p["alex"].send("TT-1")


def card_buttons(store: Store, driver: ChatDriver) -> dict[str, str]:
    """The group card of case #1: label → callback data."""
    case = store.get_case(GROUP, 1)
    assert case is not None and case.card_message_id is not None
    card = next(m for m in driver.messages() if m.message_id == case.card_message_id)
    return dict(card.buttons)


def team_state(store: Store) -> tuple[Any, ...]:
    """Everything a stranger must not be able to change."""
    case = store.get_case(GROUP, 1)
    return (
        case,
        str(store.load_track(1).status),
        [(e.what, e.actor_user_id, e.detail) for e in store.case_events(1)],
        store.list_accounts(GROUP),
        store.member_names(GROUP),
        store.load_intake(GROUP, EVE),
        store.case_input(GROUP, EVE),
    )


def shown(calls: list[ApiCall]) -> list[ApiCall]:
    """The calls that put something in front of someone (beyond a button's short answer)."""
    return [c for c in calls if c.method not in ONLY_THE_CHECK]


async def test_a_stranger_pressing_the_group_s_buttons_sees_and_changes_nothing(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """Someone outside a public group presses its menus (the case list, a case, an ad
    account's edit, and the case card's Assign, Approved and Close), forges the buttons of a
    member's account edit, then types a name and sends a file: each press gets "only
    members…" and nothing else, and no case, account, member or intake changes."""
    p = people(app, api)
    await team_case(p)
    sam, eve = p["sam_g"], p["eve_g"]
    await sam.send(f"/cases{BOT}")
    show_case = next(d for _label, d in sam.last_with_buttons().buttons if d.startswith("m:case:"))
    [account] = store.list_accounts(GROUP)
    await sam.press(f"m:acc:ed:{account['ref']}")
    members_edit = [d for _label, d in sam.last_with_buttons().buttons]
    await sam.send(f"/cancel{BOT}")
    card = card_buttons(store, p["alex_g"])
    assign_to = card["👥 Assign to…"]
    before = team_state(store)
    presses = [
        "m:cases:all",
        "m:cases:open",
        show_case,
        f"m:acc:ed:{account['ref']}",
        "m:acc:add",
        f"m:acc:rm:{account['ref']}",
        card["🙋 Assign to me"],
        assign_to,
        f"{assign_to}{EVE}",
        card["👍 Approved"],
        card["✖️ Close"],
        *members_edit,
        "m:set:menu:tz",
        "m:lang:ru",
    ]
    for data in presses:
        calls = await eve.press(data)
        assert shown(calls) == [], (data, [(c.method, c.text) for c in calls])
        assert eve.toasts()[-1] == REFUSED, data
    for calls in (
        await eve.send("Mal Ads Ltd"),
        await eve.send_file("doc-evil", "statement.pdf"),
        await eve.send_photo("photo-evil"),
    ):
        assert calls == [] or {c.method for c in calls} == {"getChatMember"}
    assert team_state(store) == before
    assert store.chat_language(GROUP) != "ru"


async def test_a_stranger_s_commands_in_the_group_get_one_short_reply(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """/cases, /case 1, /accounts, /new and /export from someone outside the group: one
    short reply each, no list, no card, no link, no file."""
    p = people(app, api)
    await team_case(p)
    eve = p["eve_g"]
    before = team_state(store)
    for command in ("cases", "case 1", "accounts", "new", "export", "settings", "language"):
        name, _space, argument = command.partition(" ")
        calls = shown(await eve.send(f"/{name}{BOT} {argument}".strip()))
        assert [(c.method, plain(c.text)) for c in calls] == [("sendMessage", REFUSED)], command
    assert team_state(store) == before


async def test_a_stranger_s_press_does_not_make_them_an_assignable_member(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """The attack of issue 14: @mal presses the case list (that used to record him as a
    member), then an admin's /assign 1 @mal gave him the case. Now his press removes even a
    record left from before, the /assign is refused, "Assign to…" doesn't offer him, and
    his id forged into a pick is refused too."""
    p = people(app, api)
    await team_case(p)
    # As the bot before this fix left it: @mal recorded by an earlier press.
    store.remember_member(GROUP, EVE, "Eve", "mal")
    await p["eve_g"].press("m:cases:all")
    assert EVE not in store.member_names(GROUP)
    await p["kim_g"].send(f"/assign{BOT} 1 @mal")
    assert "I don't know @mal yet" in p["kim_g"].last_text()
    case = store.get_case(GROUP, 1)
    assert case is not None and case.assignee_user_id is None
    assign_to = card_buttons(store, p["alex_g"])["👥 Assign to…"]
    await p["kim_g"].press(assign_to)
    assert not any("mal" in label for label, _data in p["kim_g"].last().buttons)
    await p["kim_g"].press(f"{assign_to}{EVE}")
    assert "That person isn't in this team any more." in p["kim_g"].toasts()
    case = store.get_case(GROUP, 1)
    assert case is not None and case.assignee_user_id is None


@pytest.mark.parametrize("news", ["chat_member", "left_notice"])
async def test_a_member_who_leaves_loses_access_at_once(
    app: App, api: InProcessBotApi, store: Store, news: str
) -> None:
    """Sam sees the case list; then he leaves the group (Telegram's chat_member update, or
    the group's "Sam left" notice). His very next press is refused, though his last
    check was seconds ago; he is no longer offered under "Assign to…" nor assignable."""
    p = people(app, api)
    await team_case(p)
    sam = p["sam_g"]
    await sam.press("m:cases:all")
    assert "ticket TT-1" in sam.last_text()
    assert SAM in store.member_names(GROUP)
    api.set_member(GROUP, SAM, "left", is_member=False)
    update: Update = (
        sam.updates.member_change("member", "left") if news == "chat_member" else sam.updates.left()
    )
    assert shown(await sam.deliver(update)) == []
    calls = await sam.press("m:cases:all")
    assert shown(calls) == [] and sam.toasts()[-1] == REFUSED
    assert SAM not in store.member_names(GROUP)
    await p["kim_g"].send(f"/assign{BOT} 1 @sam")
    assert "I don't know @sam yet" in p["kim_g"].last_text()
    await p["kim_g"].press(card_buttons(store, p["alex_g"])["👥 Assign to…"])
    assert not any("Sam" in label for label, _data in p["kim_g"].last().buttons)


async def test_assign_offers_and_accepts_only_people_still_in_the_group(
    app: App, api: InProcessBotApi, store: Store, minutes: FakeClock
) -> None:
    """Sam leaves without the bot seeing it (it is no admin: no chat_member update). Once
    the kept answer is a minute old, "Assign to…" asks Telegram about the people it would
    offer and leaves Sam out; a pick of Sam from an older menu, and /assign 1 @sam, are
    refused."""
    p = people(app, api)
    await team_case(p)
    kim = p["kim_g"]
    await p["sam_g"].send(f"/cases{BOT}")
    assign_to = card_buttons(store, p["alex_g"])["👥 Assign to…"]
    await kim.press(assign_to)
    old_menu = dict(kim.last().buttons)
    assert "Sam @sam" in old_menu
    api.set_member(GROUP, SAM, "left", is_member=False)
    minutes.now += 61
    await kim.press(assign_to)
    assert "Sam @sam" not in dict(kim.last().buttons)
    assert {"Alex @alex", "Kim @kim"} <= set(dict(kim.last().buttons))
    await kim.press(old_menu["Sam @sam"])
    assert "That person isn't in this team any more." in kim.toasts()
    await kim.send(f"/assign{BOT} 1 @sam")
    assert "I don't know @sam yet" in kim.last_text()
    case = store.get_case(GROUP, 1)
    assert case is not None and case.assignee_user_id is None


async def test_someone_who_joins_is_a_member_at_once(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """Rob, refused a moment ago, joins the group (chat_member): his next press is
    answered though the refusal was still kept, and he can be assigned by @name."""
    p = people(app, api)
    await team_case(p)
    rob = ChatDriver(app, api, ROB, GROUP, "Rob", "rob", member=False)
    await rob.press("m:cases:all")
    assert rob.toasts()[-1] == REFUSED
    api.set_member(GROUP, ROB)
    await rob.deliver(rob.updates.member_change("left", "member", is_member=True))
    assert ROB in store.member_names(GROUP)
    await rob.press("m:cases:all")
    assert "ticket TT-1" in rob.last_text()
    await p["kim_g"].send(f"/assign{BOT} 1 @rob")
    case = store.get_case(GROUP, 1)
    assert case is not None and case.assignee_user_id == ROB


async def test_restricted_members_keep_access_restricted_non_members_do_not(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """Telegram's "restricted" is a member while `is_member` is true (muted, say) and an
    outsider once it is false (restricted, then left): Sam keeps the case list, Rob is
    refused and not recorded."""
    p = people(app, api)
    await team_case(p)
    api.set_member(GROUP, SAM, "restricted", is_member=True)
    rob = ChatDriver(app, api, ROB, GROUP, "Rob", "rob", member=False)
    api.set_member(GROUP, ROB, "restricted", is_member=False)
    await p["sam_g"].press("m:cases:all")
    assert "ticket TT-1" in p["sam_g"].last_text()
    calls = await rob.press("m:cases:all")
    assert shown(calls) == [] and rob.toasts()[-1] == REFUSED
    assert ROB not in store.member_names(GROUP)


async def test_telegram_is_asked_once_a_minute_per_person(
    app: App, api: InProcessBotApi, store: Store, minutes: FakeClock
) -> None:
    """Five presses by a member within the minute make one getChatMember call, and so do
    five by a stranger (each refused); after the minute, Telegram is asked again, and a
    member who left meanwhile without the bot seeing it is refused from then on."""
    p = people(app, api)
    await team_case(p)
    sam, eve = p["sam_g"], p["eve_g"]

    def checks(user_id: int) -> int:
        return sum(
            1
            for c in api.sent("getChatMember")
            if int(c.params["chat_id"]) == GROUP and int(c.params["user_id"]) == user_id
        )

    sam_before, eve_before = checks(SAM), checks(EVE)
    for _ in range(5):
        await sam.press("m:cases:all")
        assert "ticket TT-1" in sam.last_text()
        minutes.now += 10
    assert checks(SAM) - sam_before == 1
    minutes.now = 5000.0
    for _ in range(5):
        calls = await eve.press("m:cases:all")
        assert shown(calls) == []
        minutes.now += 10
    assert checks(EVE) - eve_before == 1
    api.set_member(GROUP, SAM, "kicked", is_member=False)
    minutes.now += 61
    calls = await sam.press("m:cases:all")
    assert checks(SAM) - sam_before == 2
    assert shown(calls) == [] and sam.toasts()[-1] == REFUSED


async def test_an_anonymous_admin_posting_as_the_group_is_an_admin(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """An admin who posts anonymously (as the group itself; the sender Telegram shows is a
    stand-in account it calls "left") is let in, as an admin: /accounts offers Remove, and
    nobody asks Telegram about the stand-in."""
    p = people(app, api)
    await team_case(p)
    driver = ChatDriver(app, api, 1087968824, GROUP, "Group", "GroupAnonymousBot", member=False)
    update = driver.updates.text(f"/accounts{BOT}")
    message = update.message
    assert message is not None
    raw = message.to_dict()
    raw["sender_chat"] = raw["chat"]
    anonymous = Update.de_json({"update_id": update.update_id, "message": raw}, app.bot)
    assert anonymous is not None
    calls = await driver.deliver(anonymous)
    assert "getChatMember" not in {c.method for c in calls}
    assert any("Remove" in label for label, _data in driver.last_with_buttons().buttons)


async def test_membership_checks_do_not_wait_on_a_group_s_message_limit(
    settings: Settings, service: RefundService, api: InProcessBotApi
) -> None:
    """With Telegram's limits on (20 messages a minute in a group), 25 people checked in one
    group take well under a second: getChatMember is a question, not a message, and must
    not hold the group's cards back."""
    limited = build_application(settings, service, request=api, token="123:TEST")
    async with limited:
        checks = [limited.bot.get_chat_member(GROUP, 7000 + n) for n in range(25)]
        await asyncio.wait_for(asyncio.gather(*checks), timeout=2)
