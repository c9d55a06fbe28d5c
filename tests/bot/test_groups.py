"""Agency teams in group chats, through the real Application: two groups, three users
(one a group admin), the deep link to a private intake, the case card, rights, digests."""
# Over 400 lines: one team scenario (two groups, three users) walked through in order.

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.app.reminders.sweep import ReminderSweep
from bot.db.store import Store
from bot.telegram.transport import Fault, InProcessBotApi
from tests.helpers import ChatDriver, Clock, add_account, no_sleep, plain

App = Application[Any, Any, Any, Any, Any, Any]
GROUP_A = -100111
GROUP_B = -100222
ALEX, SAM, KIM = 1001, 1002, 1003  # Kim administers group A


def people(app: App, api: InProcessBotApi) -> dict[str, ChatDriver]:
    api.admins.add((GROUP_A, KIM))
    return {
        "alex_a": ChatDriver(app, api, ALEX, GROUP_A, "Alex", "alex"),
        "sam_a": ChatDriver(app, api, SAM, GROUP_A, "Sam", "sam"),
        "kim_a": ChatDriver(app, api, KIM, GROUP_A, "Kim", "kim"),
        "alex_b": ChatDriver(app, api, ALEX, GROUP_B, "Alex", "alex"),
        "alex": ChatDriver(app, api, ALEX, None, "Alex", "alex"),
        "sam": ChatDriver(app, api, SAM, None, "Sam", "sam"),
    }


def link_token(group: ChatDriver) -> str:
    url = next(data for label, data in group.last_with_buttons().buttons if "private" in label)
    assert url.startswith("https://t.me/refund_guide_bot?start=")
    return url.rsplit("=", 1)[1]


async def team_case(p: dict[str, ChatDriver], *, send: bool = True) -> None:
    """Alex starts a case in group A and answers it in private, up to "I've sent it"."""
    await p["alex_a"].send("/new@refund_guide_bot")
    token = link_token(p["alex_a"])
    await p["alex"].send(f"/start {token}")
    await p["alex"].tap("unhappy with the results" if not send else "charged twice")
    await add_account(p["alex"])
    if send:
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


async def test_bot_added_to_a_group_explains_itself(app: App, api: InProcessBotApi) -> None:
    """Adding the bot posts what it does; /start@bot in the group says how members use it."""
    p = people(app, api)
    await p["kim_a"].app.process_update(p["kim_a"].updates.bot_membership("left", "member"))
    assert "Anyone here can send /new" in p["kim_a"].last_text()
    await p["sam_a"].send("/start@refund_guide_bot")
    assert "private chat" in p["sam_a"].last_text()


async def test_case_started_in_group_is_answered_in_private_and_carded(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """/new in the group posts a short card with a private link; the questions run in
    private; the case belongs to the group and its one card there is edited as it moves."""
    p = people(app, api)
    await p["alex_a"].send("/new@refund_guide_bot")
    invite = p["alex_a"].last_text()
    assert "Alex is starting a refund case" in invite
    token = link_token(p["alex_a"])
    await p["alex"].send(f"/start {token}")
    texts = p["alex"].all_text()
    assert "This case is for" in texts and "Step 1 — what went wrong" in p["alex"].last_text()
    group_messages_before = len(p["alex_a"].messages())
    await p["alex"].tap("charged twice")
    await add_account(p["alex"])
    assert len(p["alex_a"].messages()) == group_messages_before, "the group stays quiet"
    await p["alex"].send("9 Nov 10:02")
    await p["alex"].send("189.90 USD")
    for _ in range(3):
        await p["alex"].tap("Skip")
    await p["alex"].send("9 Nov 10:08")
    await p["alex"].tap("Skip")
    await p["alex"].tap("My money back")
    await p["alex"].tap("Today")
    await p["alex"].tap("Skip")
    card = plain(p["alex_a"].last().text)
    assert "Case #1" in card and "Drafted" in card and "Owner: Alex" in card
    card_id = p["alex_a"].last().message_id
    await p["alex"].tap("I've sent it")
    edits = [c for c in api.calls if c.method == "editMessageText"]
    assert edits and int(edits[-1].params["message_id"]) == card_id
    assert "Waiting for TikTok" in plain(edits[-1].text)
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.team_id == GROUP_A and case.owner_user_id == ALEX
    await p["sam_a"].send("/cases@refund_guide_bot")
    assert "#1" in p["sam_a"].last_text()
    assert [a["advertiser_id"] for a in store.list_accounts(GROUP_A)], "the team's account"
    assert store.list_accounts(ALEX) == [], "not the member's own"


async def test_deep_link_works_for_its_member_only_and_once(app: App, api: InProcessBotApi) -> None:
    """Another user's /start with Alex's link is refused; a used link can't start again."""
    p = people(app, api)
    await p["alex_a"].send("/new@refund_guide_bot")
    token = link_token(p["alex_a"])
    await p["sam"].send(f"/start {token}")
    assert "made for someone else" in p["sam"].last_text()
    await p["alex"].send(f"/start {token}")
    assert "Step 1 — what went wrong" in p["alex"].last_text()
    await p["alex"].send("/cancel")
    await p["alex"].send(f"/start {token}")
    assert "already used" in p["alex"].last_text()


async def test_only_owner_assignee_or_admin_may_change_a_case(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """Sam (a member, not the owner) is refused; Kim (admin) may assign it to herself and
    act; /assign gives it to Sam, who may then act."""
    p = people(app, api)
    await team_case(p)
    await p["sam_a"].send("/help@refund_guide_bot")  # Sam is seen in the group
    close = next(d for label, d in p["alex_a"].last_with_buttons().buttons if "Close" in label)
    await p["sam_a"].press(close)
    assert (
        "Only the case's owner, its assignee or a group admin can do that." in p["sam_a"].toasts()
    )
    assert store.load_track(1).status == "awaiting_reply"
    assign_me = next(d for label, d in p["alex_a"].last_with_buttons().buttons if "Assign" in label)
    await p["kim_a"].press(assign_me)
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.assignee_user_id == KIM
    await p["kim_a"].send("/assign@refund_guide_bot 1 @sam")
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.assignee_user_id == SAM
    await p["sam_a"].press(close)
    assert store.load_track(1).status == "closed"
    events = [e.what for e in store.case_events(1)]
    assert events.count("assigned") == 2 and events[-1] == "close"


async def test_forged_and_guessed_references_find_nothing(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """A case button of group A replayed in group B, or /case 1 in group B: not found."""
    p = people(app, api)
    await team_case(p)
    close = next(d for label, d in p["alex_a"].last_with_buttons().buttons if "Close" in label)
    await p["alex_b"].press(close)
    assert "That case isn't here." in p["alex_b"].toasts()
    await p["alex_b"].send("/case@refund_guide_bot 1")
    assert "can't find case #1" in p["alex_b"].last_text()
    assert store.load_track(1).status == "awaiting_reply"


async def test_overdue_team_cases_go_out_as_one_digest(
    app: App, api: InProcessBotApi, clock: Clock
) -> None:
    """Three overdue cases of group A: one digest message mentioning the owner, not three."""
    p = people(app, api)
    for _ in range(3):
        await team_case(p)
    clock.advance(days=8)
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    before = len(p["alex_a"].messages())
    result = await sweep.run_once()
    assert result.sent == 3
    new = p["alex_a"].messages()[before:]
    # 4 December is in the month's first week: November's summary goes out in that sweep.
    (summary,) = [m for m in new if m.method == "sendPhoto"]
    assert "Monthly summary · November 2026" in plain(str(summary.params["caption"]))
    new = [m for m in new if m.method != "sendPhoto"]
    assert len(new) == 1
    digest = new[0].text
    assert "3 cases need attention" in plain(digest)
    assert f'href="tg://user?id={ALEX}"' in digest
    assert (await sweep.run_once()).claimed == 0


async def test_the_sweep_brings_the_cards_up_to_date(
    app: App, api: InProcessBotApi, clock: Clock, store: Store
) -> None:
    """The cards of cases the sweep finds overdue are edited to say so, as the digest does;
    a later reminder that leaves the status as it was doesn't edit them again."""
    p = people(app, api)
    for _ in range(2):
        await team_case(p)
    cards = [m for m in p["alex_a"].messages() if "Case #" in m.text and m.buttons]
    assert len(cards) == 2
    assert all("Waiting for TikTok" in plain(card.text) for card in cards)
    clock.advance(days=8)
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    assert (await sweep.run_once()).sent == 2
    shown = {m.message_id: m for m in p["alex_a"].messages()}
    for card in cards:
        now_shown = plain(shown[card.message_id].text)
        assert "Overdue" in now_shown and "Waiting for TikTok" not in now_shown
    assert {store.load_track(case_id).status for case_id in (1, 2)} == {"overdue"}
    edits = len(api.sent("editMessageText"))
    clock.advance(days=8)
    assert (await sweep.run_once()).sent == 2
    assert {store.load_track(case_id).status for case_id in (1, 2)} == {"overdue"}
    assert len(api.sent("editMessageText")) == edits


async def test_a_deleted_card_is_posted_again_by_the_sweep_and_kept(
    app: App, api: InProcessBotApi, clock: Clock, store: Store
) -> None:
    """Someone deleted the case's card: the sweep's edit fails, so the card is posted anew
    and the case remembers the new one (the next edit goes to it)."""
    p = people(app, api)
    await team_case(p)
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.card_message_id is not None
    old_card = case.card_message_id
    api.faults.append(
        Fault(
            status=400,
            description="Bad Request: message to edit not found",
            method="editMessageText",
            chat_id=GROUP_A,
        )
    )
    clock.advance(days=8)
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    assert (await sweep.run_once()).sent == 1
    reposted = p["alex_a"].last()
    assert "Case #1" in reposted.text and "Overdue" in plain(reposted.text)
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.card_message_id == reposted.message_id != old_card


async def test_a_case_is_assigned_to_a_member_from_its_card(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """ "Assign to…" on the card lists the members the bot knows; the owner picks one, the
    card says so and keeps its buttons throughout. Someone without rights is refused."""
    p = people(app, api)
    await p["sam_a"].send("/help@refund_guide_bot")  # Sam has talked to the bot here
    await team_case(p)
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.card_message_id is not None
    card = next(m for m in p["alex_a"].messages() if m.message_id == case.card_message_id)
    assign = dict(card.buttons)["👥 Assign to…"]
    await p["sam_a"].press(assign, case.card_message_id)
    refused = "Only the case's owner, its assignee or a group admin can do that."
    assert refused in p["sam_a"].toasts()
    assert "Who should take" not in p["alex_a"].last_text()
    await p["alex_a"].press(assign, case.card_message_id)
    picker = p["alex_a"].last()
    assert "Who should take case #1?" in plain(picker.text)
    assert {"Alex @alex", "Sam @sam"} <= {label for label, _ in picker.buttons}
    shown = {m.message_id: m for m in p["alex_a"].messages()}
    assert shown[case.card_message_id].buttons, "the card keeps its buttons"
    await p["alex_a"].tap("Sam @sam")
    assert "Assigned to Sam." in p["alex_a"].toasts()
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.assignee_user_id == SAM
    card = {m.message_id: m for m in p["alex_a"].messages()}[case.card_message_id]
    assert "assigned to Sam" in plain(card.text) and card.buttons


async def test_a_sticker_in_the_group_gets_no_reply(app: App, api: InProcessBotApi) -> None:
    """Members' stickers and voice notes in the group are chatter: the bot stays quiet
    (in a private chat it says what it can read)."""
    p = people(app, api)
    before = len(api.sent())
    await app.process_update(p["sam_a"].updates.sticker())
    assert api.sent()[before:] == []
    await app.process_update(p["sam"].updates.sticker())
    assert "can't read that kind of message" in p["sam"].last_text()


async def test_removed_from_a_group_its_pings_stop(
    app: App, api: InProcessBotApi, clock: Clock, store: Store
) -> None:
    """When the bot is removed from group A, its pending reminders stop; the data stays."""
    p = people(app, api)
    await team_case(p)
    await p["kim_a"].app.process_update(p["kim_a"].updates.bot_membership("member", "left"))
    clock.advance(days=8)
    sweep: ReminderSweep = app.bot_data.sweep
    assert (await sweep.run_once()).claimed == 0
    assert store.get_case(GROUP_A, 1) is not None


async def test_team_accounts_add_edit_and_admin_only_remove(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """/accounts in the group: any member adds or edits the team's accounts; only an
    admin gets (and may use) Remove."""
    p = people(app, api)
    await p["sam_a"].send("/accounts@refund_guide_bot")
    assert "No ad accounts yet" in p["sam_a"].last_text()
    await p["sam_a"].tap("Add an account")
    await add_account(p["sam_a"], name="Acme")
    assert "Saved: Acme" in p["sam_a"].last_text()
    [account] = store.list_accounts(GROUP_A)
    await p["sam_a"].send("/accounts@refund_guide_bot")
    assert not any("Remove" in label for label in p["sam_a"].button_labels())
    await p["sam_a"].tap("Acme")
    await p["sam_a"].tap("Currency")
    await p["sam_a"].tap("EUR", exact=True)
    assert "Saved: Acme" in p["sam_a"].last_text()
    assert store.list_accounts(GROUP_A)[0]["currency"] == "EUR"
    await p["sam_a"].press(f"m:acc:rm:{account['ref']}")
    assert "Only a group admin can remove an account." in p["sam_a"].toasts()
    await p["kim_a"].send("/accounts@refund_guide_bot")
    await p["kim_a"].tap("Remove")
    assert store.list_accounts(GROUP_A) == []


async def test_forum_topic_per_case_routes_card_and_reminders(
    app: App, api: InProcessBotApi, clock: Clock, store: Store
) -> None:
    """With topics on, a case gets its own forum topic: its card is posted there and its
    reminders go there, not into the group digest."""
    p = people(app, api)
    await p["sam_a"].send("/settings@refund_guide_bot topics on")
    assert "Only a group admin" in p["sam_a"].last_text()
    await p["kim_a"].send("/settings@refund_guide_bot topics on")
    assert "One forum topic per case: on" in p["kim_a"].last_text()
    await team_case(p)
    topics = api.sent("createForumTopic")
    assert len(topics) == 1 and topics[0].params["name"].startswith("Case #1 · I was charged twice")
    thread = topics[0].message_id
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.topic_id == thread
    cards = [c for c in api.sent() if int(c.params["chat_id"]) == GROUP_A and "Case #1" in c.text]
    assert cards and all(c.params.get("message_thread_id") == thread for c in cards)
    clock.advance(days=8)
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    await sweep.run_once()
    ping = api.sent()[-1]
    assert ping.text.startswith("⏰") and ping.params.get("message_thread_id") == thread


async def test_members_can_get_a_private_copy_of_their_reminders(
    app: App, api: InProcessBotApi, clock: Clock
) -> None:
    """/settings copy on: the group digest goes out, and Alex also gets his case's
    reminder in private, with its buttons working there."""
    p = people(app, api)
    await p["alex_a"].send("/settings@refund_guide_bot copy on")
    assert "Your reminders also in private: on" in p["alex_a"].last_text()
    await team_case(p)
    clock.advance(days=8)
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    await sweep.run_once()
    assert "1 case needs attention" in plain(p["alex_a"].last().text)
    private = p["alex"].last()
    assert private.text.startswith("⏰") and "Case #1" in private.text
    await p["alex"].tap("Send a follow-up")
    assert "Follow-up #1 for case #1" in p["alex"].all_text()


async def test_a_team_can_answer_inside_the_group(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """With answers in the group, /new asks right there: typed answers are replies (the
    question opens the reply field), buttons as usual; others' replies are ignored."""
    p = people(app, api)
    await p["kim_a"].send("/settings@refund_guide_bot answers group")
    await p["alex_a"].send("/new@refund_guide_bot")
    assert "Step 1 — what went wrong" in plain(p["alex_a"].last().text)
    await p["alex_a"].tap("charged twice")
    question = p["alex_a"].last()
    assert "advertiser ID" in plain(question.text) and f"tg://user?id={ALEX}" in question.text
    markup = question.params["reply_markup"]
    assert "force_reply" in (markup if isinstance(markup, str) else str(markup))
    before = len(api.calls)
    await p["sam_a"].send("7289000011112221010")  # Sam has no case: chatter, no answer
    assert [c for c in api.calls[before:] if c.method == "sendMessage"] == []
    await p["alex_a"].send("back")
    await p["alex_a"].tap("unhappy with the results")
    assert "❌" in p["alex_a"].all_text()
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.owner_user_id == ALEX


async def test_another_member_with_rights_records_ticket_and_evidence(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """Kim (admin) records the ticket number and adds a file to Alex's case from the group;
    both are logged with who did them, and the card shows the ticket."""
    p = people(app, api)
    await team_case(p)
    await p["kim_a"].tap("Ticket number")
    assert "ticket number for case #1" in p["kim_a"].last_text()
    await p["kim_a"].send("TT-777")
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.ticket == "TT-777"
    assert "ticket TT-777" in plain(p["kim_a"].last_with_buttons().text)
    await p["kim_a"].tap("Add evidence")
    await p["kim_a"].send_file("doc-42", "bank-statement.pdf")
    assert "2 files now" not in p["kim_a"].last_text() and "1 file now" in p["kim_a"].last_text()
    await p["kim_a"].send("done")
    events = [(e.what, e.actor_user_id) for e in store.case_events(1)]
    assert ("ticket", KIM) in events and ("evidence", KIM) in events
    await p["sam_a"].tap("Ticket number")
    assert (
        "Only the case's owner, its assignee or a group admin can do that." in p["sam_a"].toasts()
    )


async def test_someone_outside_the_group_cannot_press_its_case_buttons(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """A user who is not a member (Telegram says "left") pressing a card's button in group
    A is told the group's cases are for its members, and nothing changes."""
    p = people(app, api)
    await team_case(p)
    close = next(d for label, d in p["alex_a"].last_with_buttons().buttons if "Close" in label)
    stranger = ChatDriver(app, api, 4004, GROUP_A, "Eve", member=False)
    await stranger.press(close)
    assert "Only members of this group can see its cases." in stranger.toasts()
    assert store.load_track(1).status == "awaiting_reply"


async def test_a_group_card_that_cannot_be_posted_does_not_spoil_the_private_chat(
    app: App, api: InProcessBotApi
) -> None:
    """If the group card can't be posted (the bot was removed), the member's private
    intake still gets its verdict, and no error reply."""
    p = people(app, api)
    await p["alex_a"].send("/new@refund_guide_bot")
    token = link_token(p["alex_a"])
    await p["alex"].send(f"/start {token}")
    await add_account(p["alex"])
    api.faults.append(
        Fault(403, "Forbidden: bot was kicked from the supergroup chat", chat_id=GROUP_A)
    )
    replies = await p["alex"].tap("unhappy with the results")
    assert api.failed and int(api.failed[0].params["chat_id"]) == GROUP_A
    texts = [plain(r.text) for r in replies if r.method == "sendMessage"]
    assert not any("something went wrong" in t for t in p["alex"].all_text().splitlines())
    assert texts, "the private chat got its replies"


async def test_owner_sees_a_team_case_in_private_others_do_not(
    app: App, api: InProcessBotApi
) -> None:
    """/case 1 in Alex's private chat shows the group case he owns; in Sam's it is not
    found (Sam neither owns nor is assigned it)."""
    p = people(app, api)
    await team_case(p)
    await p["alex"].send("/case 1")
    assert "Case #1" in p["alex"].last_text()
    await p["sam"].send("/case 1")
    assert "can't find case #1" in p["sam"].last_text()
