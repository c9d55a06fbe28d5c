"""Which ad account an export goes into (issue 16, C.5): the one its title line names,
else the one saved, else a question; an export for an account not saved yet is offered
to be saved, and the import goes on without sending the file again, across a restart
too."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.config import Settings
from bot.db.store import Store
from bot.telegram.application import build_application, build_service
from bot.telegram.transport import InProcessBotApi
from conversations.policy import Policy
from tests.bot.test_imports import DATA, EXPORT_ACCOUNT, edited_texts, send_export
from tests.helpers import ADVERTISER_ID, ChatDriver, Clock, add_account, plain, saved_account

App = Application[Any, Any, Any, Any, Any, Any]
NO_TITLE = (
    b"Time,Payment method,Document number,Status,Amount,Currency\n"
    b"2026-11-03 11:20:41,Visa 1881,BDN1,Success,50.00,USD\n"
    b"2026-11-04 11:20:41,Visa 1881,BDN2,Success,60.00,USD\n"
)


async def two_accounts(user: ChatDriver) -> None:
    """Northwind Apparel (7289…1010) and Acme (7301…3456, the title file's) saved."""
    await saved_account(user)
    await saved_account(user, name="Acme", advertiser_id=EXPORT_ACCOUNT)


def charges_of(store: Store, chat_id: int, advertiser_id: str) -> int:
    account = next(a for a in store.list_accounts(chat_id) if a["advertiser_id"] == advertiser_id)
    return store.list_transactions(account["ref"], month=None, offset=0, limit=50)[1]


async def test_the_first_export_offers_to_save_the_account_its_title_names(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """No account saved; the export's title line names Acme Shoes (7301…3456): the bot
    offers to save it, asks only what the file doesn't say (not the ID, not the name),
    and then imports the file already sent."""
    await send_export(user, api, "billing_title_lines.csv")
    offer = user.last_with_buttons()
    assert "Acme Shoes · 7301…3456" in plain(offer.text), offer.text
    labels = user.button_labels()
    assert labels[:2] == ["✅ Yes, save 7301…3456", "Another account"], labels
    assert "add it with /accounts" not in user.all_text()
    await user.tap("Yes, save")
    # Every fact but the ID and the name (the file says them), in /accounts' order.
    assert "Who do you pay for ads" in user.last_text()
    await user.tap("TikTok directly")
    await user.tap("Active", exact=True)
    await user.tap("Automatic payment")
    await user.tap("No", exact=True)
    await user.tap("USD", exact=True)
    await user.tap("Skip", exact=True)  # the country: optional
    assert "7 charges imported, 4 lines skipped" in edited_texts(api)[-1]
    (account,) = store.list_accounts(user.chat_id)
    assert account["advertiser_id"] == EXPORT_ACCOUNT and account["account_name"] == "Acme Shoes"
    assert charges_of(store, user.chat_id, EXPORT_ACCOUNT) == 7
    assert store.pending_import(user.chat_id, user.user_id) is None


async def test_a_first_export_that_names_no_account_asks_for_it_and_goes_on(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """No account saved and no title line: the bot asks for the account (instead of
    refusing the file), and imports the file once the account is added."""
    api.files["plain"] = NO_TITLE
    await user.send_file("plain", "export.csv")
    assert "doesn't name it" in user.all_text()
    assert "advertiser ID" in user.last_text() or "Advertiser ID" in user.last_text()
    await add_account(user)
    assert "2 charges imported" in edited_texts(api)[-1]
    assert charges_of(store, user.chat_id, ADVERTISER_ID) == 2


async def test_an_export_goes_into_the_saved_account_its_title_names(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """Two accounts saved: an export whose title names one of them goes into it without
    a question."""
    await two_accounts(user)
    await send_export(user, api, "billing_title_lines.csv")
    assert "Which ad account is billing_title_lines.csv for?" not in user.all_text()
    assert "7 charges imported" in edited_texts(api)[-1]
    assert charges_of(store, user.chat_id, EXPORT_ACCOUNT) == 7
    assert charges_of(store, user.chat_id, ADVERTISER_ID) == 0


async def test_an_export_of_another_account_can_go_into_a_saved_one(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """One account saved (Northwind) and an export titled for Acme Shoes: the bot says so
    instead of importing it into Northwind; "Another account" lists the saved ones, and
    picking Northwind imports it there."""
    await saved_account(user)
    await send_export(user, api, "billing_title_lines.csv")
    assert "Acme Shoes · 7301…3456" in plain(user.last_text())
    assert not any("imported" in text for text in edited_texts(api))
    await user.tap("Another account")
    await user.tap("Northwind")
    assert "7 charges imported" in edited_texts(api)[-1]
    assert charges_of(store, user.chat_id, ADVERTISER_ID) == 7


async def test_which_account_survives_a_restart(
    user: ChatDriver,
    api: InProcessBotApi,
    settings: Settings,
    db_url: str,
    policy: Policy,
    clock: Clock,
) -> None:
    """Two accounts, a file that names neither: the bot asks which; the bot restarts
    before the answer; the answer to the old question imports the file sent before."""
    await two_accounts(user)
    api.files["plain"] = NO_TITLE
    await user.send_file("plain", "export.csv")
    question = user.last_with_buttons()
    assert "Which ad account is export.csv for?" in plain(question.text)
    acme = next(data for label, data in question.buttons if "Acme" in label)
    store = Store.open(db_url)  # the restarted bot: a new process on the same database
    restarted_api = InProcessBotApi()
    restarted_api.files["plain"] = NO_TITLE
    service = build_service(settings, store=store, policy=policy, clock=clock)
    application = build_application(
        settings, service, request=restarted_api, token="123:TEST", rate_limited=False
    )
    try:
        async with application:
            again = ChatDriver(application, restarted_api, user_id=user.user_id)
            again.updates = user.updates  # Telegram's numbering goes on
            await again.press(acme, question.message_id or 1)
            texts = [plain(c.text) for c in restarted_api.calls if "text" in c.params]
            assert any("2 charges imported" in text for text in texts), texts
            assert charges_of(store, user.chat_id, EXPORT_ACCOUNT) == 2
    finally:
        store.close()


async def test_the_title_line_is_read_from_a_workbook(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """An XLSX export whose first row names the account goes into that account."""
    await two_accounts(user)
    assert (DATA / "billing_export.xlsx").exists()
    await send_export(user, api, "billing_export.xlsx")
    assert "Which ad account is billing_export.xlsx for?" not in user.all_text()
    assert "imported" in edited_texts(api)[-1]
    assert charges_of(store, user.chat_id, EXPORT_ACCOUNT) > 0


async def test_cancelling_the_account_questions_drops_the_waiting_export(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """/cancel during the questions about the export's account drops the export: an
    account added later from /accounts doesn't start reading an old file."""
    await send_export(user, api, "billing_title_lines.csv")
    await user.tap("Yes, save")
    await user.send("/cancel")
    assert store.pending_import(user.chat_id, user.user_id) is None
    await user.send("/accounts")
    await user.tap("Add an account")
    await add_account(user)
    assert not any("imported" in text for text in edited_texts(api))
