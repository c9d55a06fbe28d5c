"""Importing the transactions export through the real Application: the report, no
duplicates on re-import, the flags and a case started from one, picking an imported
charge at "which charge?", bad files and column questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.db.store import Store
from bot.telegram.transport import InProcessBotApi
from tests.helpers import ChatDriver, add_account, plain, saved_account

App = Application[Any, Any, Any, Any, Any, Any]
DATA = Path(__file__).resolve().parent.parent / "data"


async def send_export(user: ChatDriver, api: InProcessBotApi, name: str, as_name: str = "") -> None:
    file_id = f"file-{len(api.files) + 1}"
    api.files[file_id] = (DATA / name).read_bytes()
    await user.send_file(file_id, as_name or name)


# The ad account tests/data/billing_title_lines.csv names in its title lines.
EXPORT_ACCOUNT = "7301234567890123456"


async def with_account(user: ChatDriver) -> None:
    """The one saved account, Northwind Apparel: the account the exports here are of."""
    await saved_account(user, advertiser_id=EXPORT_ACCOUNT)


def edited_texts(api: InProcessBotApi) -> list[str]:
    return [plain(c.text) for c in api.calls if c.method == "editMessageText"]


async def test_import_reports_rows_skips_and_is_idempotent(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """An export with title lines, a total line and bad rows: the progress message becomes
    the report; sending it again adds nothing."""
    await with_account(user)
    await send_export(user, api, "billing_title_lines.csv")
    assert any("Reading billing_title_lines.csv" in c.text for c in api.sent())
    report = edited_texts(api)[-1]
    assert "7 charges imported, 4 lines skipped" in report
    assert "line 16: A total line" in report
    account_id = store.list_accounts(user.chat_id)[0]["ref"]
    assert store.list_transactions(account_id, month=None, offset=0, limit=50)[1] == 7
    await send_export(user, api, "billing_title_lines.csv")
    again = edited_texts(api)[-1]
    assert "0 charges imported, 7 already here" in again
    assert store.list_transactions(account_id, month=None, offset=0, limit=50)[1] == 7


async def test_flagged_duplicate_starts_a_prefilled_case(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """The duplicate pair six minutes apart is flagged with its rule and rows; "Start a
    case from this" fills the account, reason and both charges, asking only the rest."""
    await with_account(user)
    await send_export(user, api, "billing_title_lines.csv")
    flags = [m for m in user.messages() if "Worth a look" in m.text]
    duplicate = next(m for m in flags if "duplicate" in m.text)
    assert "10:02 · 1,189.90 USD" in plain(duplicate.text)
    assert "10:08 · 1,189.90 USD" in plain(duplicate.text)
    start = next(data for label, data in duplicate.buttons if "Start a case" in label)
    await user.press(start, duplicate.message_id or 1)
    asked = user.last_text()
    assert "Which campaigns" in asked, (
        asked,
        user.toasts(),
    )  # card, date, amount, document came from the file
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    replies = await user.tap("Skip")
    message = plain(replies[-1].text)
    assert "Duplicate charge of 1,189.90 USD on 9 November 2026" in message
    assert "BDUS2026110901" in message and "BDUS2026110902" in message
    assert "10:02" in message and "10:08" in message and "ending 1881" in message


async def test_legitimate_threshold_billing_raises_no_flag(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """Six equal charges spread over two days (threshold billing) raise no flag; the pair
    of 120.00 USD six minutes apart in the same file does."""
    await with_account(user)
    await send_export(user, api, "billing_threshold_series.csv")
    assert "8 charges imported" in edited_texts(api)[-1]
    flags = [plain(m.text) for m in user.messages() if "Worth a look" in m.text]
    assert len(flags) == 1
    assert "120.00 USD" in flags[0] and "50.00 USD" not in flags[0]


async def test_pick_an_imported_charge_at_which_charge(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """At "which charge?" the imported charges are offered newest first, by month; picking
    one fills date, amount, card and document into the message."""
    await with_account(user)
    await send_export(user, api, "billing_overlap_1.csv")
    await user.send("/new")
    await user.tap("A charge I don't recognise")
    await user.tap("Northwind")
    await user.tap("Pick from imported charges")
    labels = user.button_labels()
    assert labels[0].startswith("10 Nov 2026 14:30 · 75.20 USD · ••1881")
    await user.tap("50.00 USD", exact=True)  # filter by the amount: the three 50.00 USD charges
    charges = [label for label in user.button_labels() if "· ••1881" in label]
    assert len(charges) == 3 and all("50.00 USD" in label for label in charges)
    await user.tap("All", exact=True)
    await user.tap("10 Nov 2026 14:30")
    assert "Which campaigns" in user.last_text()
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    replies = await user.tap("Skip")
    message = plain(replies[-1].text)
    assert "75.20 USD on 10 November 2026" in message and "BDUS2026111001" in message


async def test_bad_files_are_refused_and_nothing_is_stored(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """Binary junk named .csv, a file with the wrong columns, a truncated workbook: a clear
    message each, no traceback, nothing imported."""
    await with_account(user)
    account_id = store.list_accounts(user.chat_id)[0]["ref"]
    for name, as_name in (
        ("billing_junk.bin", "export.csv"),
        ("billing_wrong_columns.csv", ""),
        ("billing_truncated.xlsx", ""),
    ):
        await send_export(user, api, name, as_name)
        assert edited_texts(api)[-1].startswith("⚠️"), name
    assert store.list_transactions(account_id, month=None, offset=0, limit=5)[1] == 0


async def test_export_for_which_account_and_which_date_order(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """With two accounts the bot asks which one; dates that read both ways get a question
    with buttons; the answers lead to the import."""
    await with_account(user)
    await saved_account(user, name="Acme", advertiser_id="7301234567890000042")
    await send_export(user, api, "billing_ambiguous_dates.csv")
    assert "Which ad account" in user.last_text()
    await user.tap("Acme")
    assert "can be read two ways" in user.last_text()
    await user.tap("Day first")
    assert "imported" in edited_texts(api)[-1]
    acme = next(a for a in store.list_accounts(user.chat_id) if a["account_name"] == "Acme")
    charges, total = store.list_transactions(acme["ref"], month=None, offset=0, limit=10)
    assert total == 3 and charges[-1]["happened_on"] == "2026-11-03"


async def test_charges_after_a_recorded_pause_are_flagged(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """A pause date the user gave in a "Charged after I paused" case is used: charges in a
    later import dated after it are pointed out, with the rule."""
    await user.send("/new")
    await user.tap("Charged after I paused")
    await add_account(user)
    await user.send("9 Nov")
    await user.send("50 USD")
    for _ in range(3):
        await user.tap("Skip")
    await user.send("5 Nov")  # paused on 5 Nov
    await user.tap("Not sure")
    await user.tap("Today")
    await user.tap("Skip")
    await user.tap("Close the case")
    await send_export(user, api, "billing_overlap_1.csv")
    flags = [plain(m.text) for m in user.messages() if "Worth a look" in m.text]
    after_pause = [f for f in flags if "charged after pause" in f]
    assert len(after_pause) == 1
    # Paused on 5 Nov: the charges of 8 and 10 Nov are named, those of 1 and 4 Nov are not.
    assert "08 Nov 2026" in after_pause[0] and "10 Nov 2026" in after_pause[0]
    assert "01 Nov 2026" not in after_pause[0] and "04 Nov 2026" not in after_pause[0]


async def test_long_words_in_an_export_are_kept_whole(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """An export's own words can be long (a "Type" of 40 letters, a long document number
    and payment method): they are stored as written, on PostgreSQL too (its VARCHAR limits
    once refused them)."""
    await with_account(user)
    kind = "Quarterly reconciliation entry of the agency account"
    document = "BD" + "7" * 90
    method = "Visa credit card issued by a bank with a very long name ••1881" * 2
    rows = [
        "Time,Payment method,Document number,Status,Amount,Currency,Type",
        f"2026-11-09 10:02:00,{method},{document},Completed after manual review,50.00,USD,{kind}",
        f"2026-11-10 10:02:00,{method},{document}2,Completed after manual review,60.00,USD,{kind}",
    ]
    api.files["file-long"] = "\n".join(rows).encode()
    await user.send_file("file-long", "export.csv")
    assert "2 charges imported" in edited_texts(api)[-1]
    account_id = store.list_accounts(user.chat_id)[0]["ref"]
    _, total = store.list_transactions(account_id, month=None, offset=0, limit=50)
    assert total == 2
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT invoice_number, kind, payment_method FROM transactions ORDER BY id"
        ).all()
    assert stored[0] == (document, kind.lower(), method)
