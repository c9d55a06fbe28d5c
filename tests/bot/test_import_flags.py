"""A case started from an import's flag is about every charge of the flag (issue 16,
C.4): charges after a pause carry all their charges and the pause date, a burst of equal
charges carries every one of them; nothing the flag knew is asked again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Table, func, select

from bot.db.store import Store
from bot.db.tables import import_claims, import_flags
from bot.telegram.transport import InProcessBotApi
from tests.bot.test_imports import with_account
from tests.bot.test_records import the_zip
from tests.helpers import ChatDriver, Clock, add_account, plain

AFTER_PAUSE = (
    b"Time,Payment method,Document number,Status,Amount,Currency\n"
    b"2026-11-03 09:00:00,Visa 1881,BDP0,Success,30.00,USD\n"
    b"2026-11-06 09:10:00,Visa 1881,BDP1,Success,40.00,USD\n"
    b"2026-11-08 10:02:33,Visa 1881,BDP2,Success,50.00,USD\n"
    b"2026-11-10 14:30:05,Visa 1881,BDP3,Success,75.20,USD\n"
)


async def record_a_pause(user: ChatDriver) -> None:
    """A "Charged after I paused" case that says the account was paused on 5 Nov."""
    await user.send("/new")
    await user.tap("Charged after I paused")
    await add_account(user)
    await user.send("9 Nov")
    await user.send("50 USD")
    for _ in range(3):
        await user.tap("Skip")
    await user.send("5 Nov")
    await user.tap("Not sure")
    await user.tap("Today")
    await user.tap("Skip")
    await user.tap("Close the case")


async def test_a_case_from_charges_after_a_pause_has_every_charge_and_the_pause(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """Three charges after the pause of 5 Nov: "Start a case from this" makes one case
    about all three (each date, amount and document in its answers, the review and the
    message, with the total), and does not ask the pause date again; "Change an answer"
    still offers it."""
    await record_a_pause(user)
    api.files["paused"] = AFTER_PAUSE
    await user.send_file("paused", "export.csv")
    flag = next(m for m in user.messages() if "charged after pause" in plain(m.text))
    start = next(data for label, data in flag.buttons if "Start a case" in label)
    await user.press(start, flag.message_id or 1)
    assert "Which campaigns" in user.last_text()
    await user.tap("Skip")
    asked = user.last_text()
    assert "Does your report show spend after the pause?" in asked, asked
    await user.tap("Yes, I can show it")
    await user.tap("My money back")  # what the advertiser wants, asked once spend is shown
    await user.tap("Today")
    replies = await user.tap("Skip")
    review = plain(replies[-2].text)
    message = plain(replies[-1].text)
    assert "3 charges, 165.20 USD" in review, review
    assert "The first of these charges came 1 day after you paused" in review, review
    for document, amount in (("BDP1", "40.00 USD"), ("BDP2", "50.00 USD"), ("BDP3", "75.20 USD")):
        assert document in review and document in message, document
        assert amount in message
    assert "BDP0" not in message  # before the pause
    assert "6 November 2026, 09:10: 40.00 USD, document BDP1" in message, message
    assert "Total: 165.20 USD" in message
    assert "charged 3 times after that, 165.20 USD in all" in message
    assert "paused our campaigns on 5 November 2026" in message, message
    assert "refund that part of these charges" in message
    case = store.list_cases(user.chat_id, limit=5)[0]
    charges = case.answers["charges"]
    assert [(c["date"], c["amount"], c["invoice"]) for c in charges] == [
        ("2026-11-06", "40.00", "BDP1"),
        ("2026-11-08", "50.00", "BDP2"),
        ("2026-11-10", "75.20", "BDP3"),
    ]
    assert case.answers["paused_on"] == "2026-11-05"
    await user.send("/export")
    _name, archive = the_zip(api)
    case_file = archive.read(f"case-{case.id}.md").decode("utf-8")
    assert "6 Nov 2026 09:10 · 40.00 USD · BDP1" in case_file, case_file
    assert "10 Nov 2026 14:30 · 75.20 USD · BDP3" in case_file
    assert "Total: 165.20 USD" in case_file
    await user.send("/case 2")
    await user.tap("Open the draft")
    await user.tap("Change an answer")
    assert any("Pause date" in label for label in user.button_labels()), user.button_labels()
    await user.tap("Pause date")
    await user.send("4 Nov")
    message = plain(user.last_text())
    assert "4 November 2026" in message and "Total: 165.20 USD" in message


async def test_a_burst_of_three_equal_charges_makes_one_case_about_all_three(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """Three equal charges minutes apart: the case carries all three, the other charge is
    not asked, and a second press points at that case."""
    await with_account(user)
    api.files["burst"] = (
        b"Time,Payment method,Document number,Status,Amount,Currency\n"
        b"2026-11-09 10:02:00,Visa 1881,BDB1,Success,120.00,USD\n"
        b"2026-11-09 10:05:00,Visa 1881,BDB2,Success,120.00,USD\n"
        b"2026-11-09 10:08:00,Visa 1881,BDB3,Success,120.00,USD\n"
    )
    await user.send_file("burst", "export.csv")
    flag = next(m for m in user.messages() if "duplicate" in plain(m.text))
    start = next(data for label, data in flag.buttons if "Start a case" in label)
    await user.press(start, flag.message_id or 1)
    assert "Which campaigns" in user.last_text()
    await user.tap("Skip")
    assert "When was the other" not in user.last_text()
    await user.tap("My money back")
    await user.tap("Today")
    replies = await user.tap("Skip")
    message = plain(replies[-1].text)
    assert "BDB1" in message and "BDB2" in message and "BDB3" in message, message
    assert "120.00 USD 3 times within minutes" in message
    assert "Total: 360.00 USD" in message
    case = store.list_cases(user.chat_id, limit=5)[0]
    assert [c["invoice"] for c in case.answers["charges"]] == ["BDB1", "BDB2", "BDB3"]
    assert case.answers["other_invoice"] == "BDB2"
    await user.tap("I've sent it")
    await user.send("TT-0099123")
    await user.press(start, flag.message_id or 1)
    assert "Case #1 is already about this charge" in user.last_text()


async def test_a_flag_of_another_team_starts_nothing(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """A flag's button pressed in another chat (forged or forwarded) finds no flag."""
    await record_a_pause(user)
    api.files["paused"] = AFTER_PAUSE
    await user.send_file("paused", "export.csv")
    flag = next(m for m in user.messages() if "charged after pause" in plain(m.text))
    start = next(data for label, data in flag.buttons if "Start a case" in label)
    stranger = ChatDriver(user.app, api, user_id=user.user_id + 1)
    await stranger.press(start)
    assert "isn't here any more" in " ".join(stranger.toasts())


async def test_forget_deletes_the_flags_and_a_claim_left_behind(
    user: ChatDriver, api: InProcessBotApi, store: Store, clock: Clock
) -> None:
    """/forget counts and deletes the flags an import kept (their charges and pause date)
    and an import claim a dead process left on the private chat."""
    await record_a_pause(user)
    api.files["paused"] = AFTER_PAUSE
    await user.send_file("paused", "export.csv")
    assert count(store, import_flags) == 1
    assert store.claim_import(user.chat_id, "dead-process", clock(), timedelta(minutes=3))
    await user.send("/forget")
    assert "1 charge pattern an import pointed out" in user.last_text()
    await user.tap("Yes, delete everything")
    assert count(store, import_flags) == 0 and count(store, import_claims) == 0


def count(store: Store, table: Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
