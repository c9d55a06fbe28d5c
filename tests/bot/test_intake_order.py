"""Issue 16 A.5 and B.9, through the real Application as a user meets them: what went wrong
is asked first, then only the account facts that reason needs, under an honest "Step N of
M"; and what the advertiser wants is asked where the reason leaves it open, and the message
asks for that."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.db.records import IntakeRow, new_token
from bot.db.store import Store
from bot.telegram.transport import InProcessBotApi
from conversations.intake import Intake, Step
from tests.helpers import (
    ADVERTISER_ID,
    ChatDriver,
    account_question,
    add_account,
    plain,
    saved_account,
)

App = Application[Any, Any, Any, Any, Any, Any]
DATA = Path(__file__).resolve().parents[1] / "data"
STEP = re.compile(r"Step (\d+)(?: of (\d+))? — ")


def shown(replies: list[Any]) -> list[str]:
    return [plain(r.text) for r in replies if r.method == "sendMessage"]


def step_of(text: str) -> tuple[int, int | None]:
    found = STEP.search(text)
    assert found, text
    return int(found[1]), int(found[2]) if found[2] else None


async def test_a_new_user_with_a_duplicate_charge_meets_the_reason_first_and_an_honest_count(
    app: App, user: ChatDriver
) -> None:
    """ "What went wrong" is the first question; a new account is then asked its advertiser
    ID, who is paid, the billing option and the currency (no name, status or Business
    Center); the step number goes up by one per answer, and the total holds to the end."""
    await user.send("/new")
    assert "Step 1 — what went wrong" in user.last_text()
    seen = [step_of(user.last_text())]
    await user.tap("charged twice")
    questions = []
    while (which := account_question(user.last_text())) is not None:
        questions.append(which)
        seen.append(step_of(user.last_text()))
        if which == "id":
            await user.send(ADVERTISER_ID)
        elif which == "paid_via":
            await user.tap("TikTok directly")
        elif which == "billing":
            await user.tap("Automatic payment")
        else:
            await user.tap("USD", exact=True)
    assert questions == ["id", "paid_via", "billing", "currency"]
    for answer in ("9 Nov 10:02", "189.90 USD", "1881", "BDUS2026550101"):
        seen.append(step_of(user.last_text()))
        await user.send(answer)
    seen.append(step_of(user.last_text()))
    await user.tap("Skip")  # campaigns
    seen.append(step_of(user.last_text()))
    await user.send("9 Nov 10:08")
    seen.append(step_of(user.last_text()))
    await user.tap("Skip")  # other document
    seen.append(step_of(user.last_text()))
    await user.tap("My money back")
    seen.append(step_of(user.last_text()))
    await user.tap("Today")
    seen.append(step_of(user.last_text()))
    replies = await user.tap("Skip")  # evidence
    seen.append(step_of(shown(replies)[0]))
    numbers = [number for number, _total in seen]
    assert numbers == list(range(1, len(seen) + 1)), seen
    assert seen[0] == (1, None)
    assert {total for _number, total in seen[1:]} == {len(seen)}, seen
    assert "Step 1 of 6" not in user.all_text()


async def test_a_balance_for_a_new_account_asks_only_what_its_verdict_needs(
    app: App, user: ChatDriver, store: Store
) -> None:
    """An unused balance asks the status and Business Center (they change the verdict), not
    the account's name; the account is kept with what is known, and a later case for another
    reason on it asks nothing more about it."""
    await user.send("/new")
    await user.tap("unused balance")
    asked = await add_account(user, billing="Manual payment")
    assert asked == ["id", "paid_via", "status", "billing", "bc", "currency"]
    assert "How much unspent balance" in user.last_text()
    [account] = store.list_accounts(user.chat_id)
    assert account["account_name"] is None and account["billing"] == "manual"
    await user.send("420 USD")
    await user.tap("Yes, I'm an admin")
    verdict = shown(await user.tap("Skip"))[0]
    assert "You can get your unspent balance back" in verdict

    await user.send("/new")
    await user.tap("charged twice")
    await user.tap("7289…1010")
    assert "When was the charge?" in user.last_text()


async def test_a_duplicate_on_an_account_saved_for_it_then_a_balance_asks_the_rest(
    app: App, user: ChatDriver, store: Store
) -> None:
    """An account a duplicate-charge case saved (no status, no Business Center) is picked
    for an unused balance: only those two are asked, then the balance."""
    await user.send("/new")
    await user.tap("charged twice")
    await add_account(user)
    await user.send("/cancel")
    [account] = store.list_accounts(user.chat_id)
    assert account["account_status"] is None and account["in_bc"] is None
    await user.send("/new")
    await user.tap("unused balance")
    await user.tap("7289…1010")
    asked = await add_account(user)
    assert asked == ["status", "bc"]
    assert "How much unspent balance" in user.last_text()
    [account] = store.list_accounts(user.chat_id)
    assert account["account_status"] == "active" and account["in_bc"] is False
    assert account["billing"] == "automatic"


async def test_not_refundable_reasons_ask_for_no_account(app: App, user: ChatDriver) -> None:
    """ "I'm unhappy with the results" is decided by the reason alone: the verdict comes
    at once, without a single account question."""
    await user.send("/new")
    replies = await user.tap("unhappy with the results")
    assert any("Not refundable" in t for t in shown(replies))
    assert "advertiser ID" not in user.all_text()


async def test_back_from_the_first_account_question_returns_to_the_reason(
    app: App, user: ChatDriver, store: Store
) -> None:
    """Back from the advertiser ID leads to "what went wrong" (with no saved accounts, no
    menu between them); a different reason then asks its own account facts."""
    await user.send("/new")
    await user.tap("charged twice")
    assert "advertiser ID" in user.last_text()
    await user.tap("Back")
    assert "Pick the one closest to what happened" in user.last_text()
    await user.tap("unused balance")
    assert "advertiser ID" in user.last_text()
    await user.send(ADVERTISER_ID)
    await user.tap("TikTok directly")
    assert "active, suspended or closed" in user.last_text()
    await user.tap("Back")
    await user.tap("Back")
    assert "advertiser ID" in user.last_text()
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None and row.intake.answers["advertiser_id"] == ADVERTISER_ID


async def test_change_an_answer_offers_the_answered_fields_of_this_path(
    app: App, user: ChatDriver
) -> None:
    """ "Change an answer" still offers the account and this case's answered questions,
    the new one (what you ask for) included; changing it rewrites the message."""
    await user.send("/new")
    await user.tap("don't recognise")
    await add_account(user)
    await user.send("9 Nov 10:02")
    await user.send("75.20 USD")
    for _skip in range(3):
        await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    await user.tap("Skip")
    await user.tap("Change an answer")
    fields = user.button_labels()
    assert fields[:2] == ["Ad account", "What went wrong"]
    assert "What you ask for" in fields and "Balance left" not in fields
    assert not any(name in fields for name in ("Status", "Business Center", "Name"))
    await user.tap("What you ask for")
    replies = await user.tap("Just an explanation")
    message = plain(replies[-1].text)
    assert "Please explain what this charge covers" in message
    assert "refund 75.20 USD" not in message


async def test_each_request_writes_its_own_message(app: App, user: ChatDriver) -> None:
    """Issue 16 B.9: money back, a credit, a corrected invoice or an explanation: the
    message asks for what was chosen, and nothing else."""
    wanted = {
        "My money back": "refund 189.90 USD to the original payment method",
        "A credit to the ad account": "credit 189.90 USD to our ad account's balance",
        "A corrected invoice": "send us a corrected invoice",
        "Just an explanation": "For now we are asking for an explanation, not a refund",
    }
    messages: dict[str, str] = {}
    for choice in wanted:
        await user.send("/new")
        await user.tap("charged twice")
        await add_account(user)
        for answer in ("9 Nov 10:02", "189.90 USD"):
            await user.send(answer)
        for _skip in range(3):
            await user.tap("Skip")
        await user.send("9 Nov 10:08")
        await user.tap("Skip")
        assert "What would you like TikTok to do about it?" in user.last_text()
        await user.tap(choice)
        await user.tap("Today")
        messages[choice] = plain((await user.tap("Skip"))[-1].text)
    for choice, words in wanted.items():
        assert words in messages[choice], (choice, messages[choice])
        others = [w for c, w in wanted.items() if c != choice]
        assert not any(w in messages[choice] for w in others), choice


async def test_the_request_is_not_asked_where_the_reason_implies_it(
    app: App, user: ChatDriver
) -> None:
    """A wrong invoice asks for a corrected invoice, a balance for the money back: neither
    asks what the advertiser wants; nor does a pause with no spend after it (no message)."""
    await user.send("/new")
    await user.tap("Wrong invoice")
    await add_account(user, billing="Monthly invoicing")
    await user.send("1 Nov")
    await user.send("1200 USD")
    await user.tap("Skip")
    await user.tap("Skip")
    await user.send("Billed 1,200 USD but our spend was 950 USD")
    assert "When did you notice" in user.last_text()

    await user.send("/cancel")
    await user.send("/new")
    await user.tap("after I paused")
    await add_account(user)
    await user.send("9 Nov")
    await user.send("50 USD")
    for _skip in range(3):
        await user.tap("Skip")
    await user.send("5 Nov")
    await user.tap("Not sure")
    assert "When did you notice" in user.last_text()
    assert "What would you like TikTok" not in user.all_text()


async def test_an_intake_saved_in_the_old_order_resumes(
    app: App, user: ChatDriver, store: Store
) -> None:
    """An intake stored before the reason came first (account questions first, no reason
    yet, stopped at the status question) loads after the upgrade: Continue asks its question,
    then what went wrong, then only what that reason still needs, then the charge."""
    store.ensure_team(user.chat_id, "private", None)
    old = Intake(
        state=Step.ACCOUNT_STATUS,
        answers={
            "advertiser_id": ADVERTISER_ID,
            "account_name": "Northwind Apparel",
            "billing": "automatic",
            "in_bc": False,
            "bc_id": None,
            "currency": "USD",
        },
        history=[
            "account_id",
            "account_name",
            "account_billing",
            "account_bc",
            "account_currency",
        ],
    )
    store.save_intake(
        user.chat_id, user.user_id, IntakeRow(intake=old, token=new_token(), is_new=True)
    )
    await user.send("/new")
    assert "in progress" in user.last_text()
    await user.tap("Continue")
    assert "active, suspended or closed" in user.last_text()
    await user.tap("Active", exact=True)
    assert "Pick the one closest to what happened" in user.last_text()
    await user.tap("charged twice")
    assert "Who do you pay for ads" in user.last_text()
    await user.tap("TikTok directly")
    assert "When was the charge?" in user.last_text()
    [account] = store.list_accounts(user.chat_id)
    assert account["account_name"] == "Northwind Apparel" and account["paid_via"] == "tiktok"


async def test_start_a_case_from_a_flag_asks_a_missing_fact_first_then_skips_the_charge(
    app: App, user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """ "Start a case from this" on an account a case saved without its billing option: the
    billing option is asked (a duplicate's verdict needs it), then the questions the
    imported charges answered are passed over."""
    await user.send("/new")
    await user.tap("My ads didn't run")  # needs who is paid and the currency, not billing
    # The account the export's title lines name (an export goes into that account).
    await add_account(user, advertiser_id="7301234567890123456")
    await user.send("/cancel")
    [account] = store.list_accounts(user.chat_id)
    assert account["billing"] is None
    api.files["export"] = (DATA / "billing_title_lines.csv").read_bytes()
    await user.send_file("export", "billing_title_lines.csv")
    flag = next(m for m in user.messages() if "Worth a look" in m.text and "duplicate" in m.text)
    start = next(data for label, data in flag.buttons if "Start a case" in label)
    await user.press(start, flag.message_id or 1)
    assert "How does this account pay" in user.last_text()
    await user.tap("Automatic payment")
    assert "Which campaigns" in user.last_text()


async def test_accounts_adds_an_account_with_every_fact(app: App, user: ChatDriver) -> None:
    """/accounts on its own still asks every fact, the name included, and saves it."""
    await saved_account(user)
    assert "Saved: Northwind Apparel" in user.last_text()
    await user.send("/accounts")
    assert "Northwind Apparel · 7289000011112221010" in user.last_text()
    assert "· USD" in user.last_text()
