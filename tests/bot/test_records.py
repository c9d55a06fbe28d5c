"""/export and /forget through the real Application: the zip a user or a team gets, and
deleting everything about one user (and nothing of anyone else's, nor of a group's)."""
# Over 400 lines: /export and /forget checked against the same users, groups, cases.

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import BigInteger, Select, select
from telegram.ext import Application

from bot.app.records.files import CSV_HEADER
from bot.db.personal import IMPERSONAL_TABLES, PERSONAL_TABLES, PRIVATE_TEAM_TABLES
from bot.db.store import Store
from bot.db.tables import (
    accounts,
    case_events,
    cases,
    evidence,
    metadata,
    reminders,
    teams,
    transactions,
)
from bot.telegram.transport import InProcessBotApi
from tests.helpers import ChatDriver, add_account, plain, sent_case

App = Application[Any, Any, Any, Any, Any, Any]
GROUP = -100111
ALEX, SAM = 1001, 1002
BOT = "refund_guide_bot"


async def private_case(
    user: ChatDriver, amount: str = "189.90 USD", *, send: bool = True, file: bool = False
) -> None:
    """A duplicate-charge case in the user's private chat: to "I've sent it" and ticket
    TT-0099123 (or left at the verdict, a draft); optionally with a file as evidence. The
    account is added once with /accounts (a case asks no name for it)."""
    await user.send("/accounts")
    if "Northwind Apparel" not in user.last_text():
        await user.tap("Add an account")
        await add_account(user)
    await user.send("/new")
    await user.tap("charged twice")
    await add_account(user)
    await user.send("9 Nov 10:02")
    await user.send(amount)
    await user.send("1881")
    await user.send("BDUS2026550101")
    await user.tap("Skip")
    await user.send("9 Nov 10:08")
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    if file:
        await user.send_file("BQACAgIAAxkBAAIFILE-ID", "statement.pdf", "bank statement")
        await user.tap("Done")
    else:
        await user.tap("Skip")
    if send:
        await user.tap("I've sent it")
        await user.send("TT-0099123")


async def group_case(group: ChatDriver, private: ChatDriver) -> None:
    """A case of the group's team: /new in the group, answered in private through the deep
    link, with a new account of the team, left as a draft at the verdict."""
    await group.send(f"/new@{BOT}")
    url = next(data for label, data in group.last_with_buttons().buttons if "private" in label)
    await private.send(f"/start {url.rsplit('=', 1)[1]}")
    # A reason that asks for the account (not "unhappy with the results", which asks none).
    await private.tap("Account suspended")
    await add_account(private, advertiser_id="7289000022223333444")
    await private.send("300 USD")
    await private.tap("I haven't appealed")


def the_zip(api: InProcessBotApi, index: int = -1) -> tuple[str, zipfile.ZipFile]:
    """The file name and contents of a zip the bot sent."""
    filename, content = api.sent("sendDocument")[index].files["document"]
    return filename, zipfile.ZipFile(io.BytesIO(content))


def rows_of(archive: zipfile.ZipFile) -> list[list[str]]:
    """cases.csv of the zip, header first."""
    text = archive.read("cases.csv").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare before and after (but the ids of the updates
    handled, which every update adds to)."""
    with store.transaction() as conn:
        return {
            table.name: sorted(tuple(row) for row in conn.execute(select(table)).all())
            for table in metadata.sorted_tables
            if table.name not in IMPERSONAL_TABLES
        }


def rows_naming(store: Store, number: int) -> dict[str, list[dict[str, Any]]]:
    """Rows of any table with `number` in an id column (user, chat or team ids are
    BigInteger columns; a case or account counter is not)."""
    found: dict[str, list[dict[str, Any]]] = {}
    with store.transaction() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, BigInteger)]
            for column in columns:
                for row in conn.execute(select(table).where(column == number)).mappings():
                    found.setdefault(table.name, []).append(dict(row))
    return found


def team_rows(store: Store, team_id: int) -> dict[str, list[dict[str, Any]]]:
    """A team's own data: the team, its accounts and their charges, its cases and what
    hangs off them (its members' personal rows are theirs, not the team's)."""
    team_cases = select(cases.c.id).where(cases.c.team_id == team_id)
    team_accounts = select(accounts.c.id).where(accounts.c.team_id == team_id)
    queries: dict[str, Select[Any]] = {
        "teams": select(teams).where(teams.c.id == team_id),
        "accounts": select(accounts).where(accounts.c.team_id == team_id),
        "transactions": select(transactions).where(transactions.c.account_id.in_(team_accounts)),
        "cases": select(cases).where(cases.c.team_id == team_id),
        "case_events": select(case_events).where(case_events.c.case_id.in_(team_cases)),
        "evidence": select(evidence).where(evidence.c.case_id.in_(team_cases)),
        "reminders": select(reminders).where(reminders.c.case_id.in_(team_cases)),
    }
    with store.transaction() as conn:
        return {
            name: [dict(row) for row in conn.execute(query).mappings()]
            for name, query in queries.items()
        }


# --- /export ------------------------------------------------------------------------------


async def test_export_gives_one_zip_with_a_csv_row_and_a_case_file_per_case(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """After two cases, /export sends one zip named by today's date: cases.csv with the
    English header and a row per case (exact amounts, status in words), and case-N.md with
    the facts, the verdict, the message sent, the timeline and the evidence list."""
    await private_case(user, file=True)
    await private_case(user, "1.234,56 USD", send=False)
    await user.send("/export")

    assert len(api.sent("sendDocument")) == 1
    filename, archive = the_zip(api)
    assert filename == "refundbot-export-2026-11-26.zip"
    assert sorted(archive.namelist()) == ["case-1.md", "case-2.md", "cases.csv", "stats.csv"]
    header, *rows = rows_of(archive)
    assert tuple(header) == CSV_HEADER
    assert [(r[0], r[2], r[5], r[6]) for r in rows] == [
        ("1", "Waiting for TikTok", "189.90", "USD"),
        ("2", "Drafted", "1234.56", "USD"),
    ]
    first = dict(zip(header, rows[0], strict=True))
    assert first["created"] == "2026-11-26"
    assert first["reason"] == "I was charged twice"
    assert first["account"] == "Northwind Apparel · 7289000011112221010"
    assert first["charge date"] == "2026-11-09"
    assert first["verdict"] == "Worth asking"
    assert first["ticket"] == "TT-0099123"
    assert first["sent at"] == "2026-11-26T10:00:00+00:00"
    assert first["reply due"] == "2026-12-03"
    assert (first["owner id"], first["assignee id"]) == (str(ALEX), "")

    case_file = archive.read("case-1.md").decode("utf-8")
    assert case_file.startswith("# Case #1 — I was charged twice\n")
    for fact in (
        "- Ad account: Northwind Apparel · 7289000011112221010",
        "- Charge date: 9 November 2026, 10:02",
        "- Amount: 189.90 USD",
        "- Card: ending 1881",
        "- Ticket: TT-0099123",
        "**Worth asking** — rulebook situation `duplicate_charge`, policy version 2026-11-26.",
        "- T5: ads.tiktok.com/help/article/automatic-payment",
        "## The message sent\n\nSubject: Duplicate charge of 189.90 USD on 9 November 2026",
        "Our ad account 7289000011112221010 was charged 189.90 USD twice",
        "· Drafted — verdict: Worth asking",
        "· Sent to TikTok",
        "· Ticket — TT-0099123",
        '- document "statement.pdf" — bank statement, added ',
        "kept in Telegram",
    ):
        assert fact in case_file, fact
    assert "BQACAgIAAxkBAAIFILE-ID" not in case_file, "file ids mean nothing to a reader"
    draft = archive.read("case-2.md").decode("utf-8")
    assert "## The message (not marked as sent)" in draft and "None added." in draft
    said = user.last_text()
    assert "Your 2 cases, in one zip file" in said and "cases.csv" in said
    assert "newest" not in said, "not capped"


async def test_export_without_cases_is_a_friendly_message_and_no_file(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """/export before any case: a short message pointing to /new, no file."""
    await user.send("/export")
    assert api.sent("sendDocument") == []
    assert "You have no cases to export yet" in user.last_text()


async def test_export_in_a_group_gives_the_teams_cases_only(app: App, api: InProcessBotApi) -> None:
    """In a group, any member's /export holds the team's cases and none of a member's
    private ones; the same member's /export in private holds only their own."""
    alex = ChatDriver(app, api, ALEX, None, "Alex", "alex")
    sam_in_group = ChatDriver(app, api, SAM, GROUP, "Sam", "sam")
    await private_case(alex)
    await group_case(ChatDriver(app, api, ALEX, GROUP, "Alex", "alex"), alex)

    await sam_in_group.send(f"/export@{BOT}")
    _, archive = the_zip(api)
    _, *rows = rows_of(archive)
    assert [(r[0], r[4], r[13]) for r in rows] == [("2", "7289000022223333444", str(ALEX))]
    assert sorted(archive.namelist()) == ["case-2.md", "cases.csv", "stats.csv"]
    assert 'from the team "Team"' in archive.read("case-2.md").decode("utf-8")
    assert "The team's 1 case" in sam_in_group.last_text()

    await alex.send("/export")
    _, archive = the_zip(api)
    assert [r[0] for r in rows_of(archive)[1:]] == ["1"]


async def test_export_says_when_it_holds_only_the_newest_cases(
    user: ChatDriver, api: InProcessBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the cap, the zip holds the newest cases and the message says how many of all."""
    monkeypatch.setattr("bot.app.records.service.EXPORT_LIMIT", 1)
    await private_case(user)
    await private_case(user, "20 USD", send=False)
    await user.send("/export")
    _, archive = the_zip(api)
    assert [r[0] for r in rows_of(archive)[1:]] == ["2"]
    assert "You have 2 cases; the zip holds the newest 1." in user.last_text()


# --- /forget ------------------------------------------------------------------------------


async def alex_everywhere(app: App, api: InProcessBotApi) -> dict[str, ChatDriver]:
    """Alex with data of every kind: two private cases (one with evidence, reminders, a
    pending "add evidence"), a case of the group's team answered in private (so a deep
    link, a membership and an intake elsewhere); Sam with a private case of his own."""
    people = {
        "alex": ChatDriver(app, api, ALEX, None, "Alex", "alex"),
        "alex_group": ChatDriver(app, api, ALEX, GROUP, "Alex", "alex"),
        "sam": ChatDriver(app, api, SAM, None, "Sam", "sam"),
    }
    alex = people["alex"]
    await private_case(alex, file=True)
    await private_case(alex, "50 USD")
    await group_case(people["alex_group"], alex)
    await alex.send("/settings sign Alex Kim — alex@agency.example")
    # Pending last: a new intake (the group's, above) ends another case's "add evidence".
    await alex.send("/case 1")
    await alex.tap("Add evidence")
    await alex.send_file("BQAC-second", "invoice.pdf")
    await sent_case(people["sam"])
    return people


async def test_forget_deletes_everything_about_the_user_and_nothing_of_the_group(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """/forget → Yes: no row of any table names Alex any more, except the group's own case
    history (its owner and timeline); the group's case and account and Sam's data are
    untouched. The answer counts what went; a second press deletes nothing."""
    people = await alex_everywhere(app, api)
    alex = people["alex"]
    named = rows_naming(store, ALEX)
    for table in metadata.tables:
        # No user id column of their own (or none at all).
        # (An import's flags and claim need an import with a flag, or one running.)
        if table not in (
            "transactions",
            "import_flags",
            "import_claims",
            *IMPERSONAL_TABLES,
        ):
            assert table in named, f"the test should give Alex a row in {table}"
    group_before = team_rows(store, GROUP)
    sam_before = (team_rows(store, SAM), rows_naming(store, SAM))
    assert group_before["cases"][0]["owner_user_id"] == ALEX

    await alex.send("/forget")
    question = alex.last_text()
    assert "Delete everything I hold about you?" in question
    assert "• 2 cases" in question and "• 1 ad account" in question
    assert "• your signature (name and contact)" in question
    await alex.tap("Yes, delete everything")

    done = alex.last_text()
    assert "I deleted everything I held about you" in done
    for counted in (
        "2 cases",
        "2 evidence items",
        "1 ad account",
        "2 charges",
        "1 group invite link",
        "your signature (name and contact)",
    ):
        assert f"• {counted}" in done, counted
    group_case_ids = {row["id"] for row in group_before["cases"]}
    left = rows_naming(store, ALEX)
    assert set(left) <= {"cases", "case_events", "evidence"}, left
    assert all(row["team_id"] == GROUP for row in left.get("cases", []))
    for table in ("case_events", "evidence"):
        assert all(row["case_id"] in group_case_ids for row in left.get(table, [])), table
    sam_after = team_rows(store, SAM)
    with store.transaction() as conn:
        charges = sorted(dict(r)["id"] for r in conn.execute(select(transactions)).mappings())
    assert charges == sorted(
        t["id"] for t in group_before["transactions"] + sam_after["transactions"]
    ), "only the group's and Sam's charges are left"
    assert team_rows(store, GROUP) == group_before, "the group's data is untouched"
    assert (team_rows(store, SAM), rows_naming(store, SAM)) == sam_before, "Sam's is too"

    after = snapshot(store)
    await alex.press(yes_data(api))
    assert snapshot(store) == after, "a second press deletes nothing"
    assert "Already done: I hold nothing about you." in alex.toasts()


def yes_data(api: InProcessBotApi) -> str:
    """The callback data of the newest "Yes, delete everything" button."""
    for call in reversed(api.sent()):
        for label, data in call.buttons:
            if "Yes, delete everything" in label:
                return data
    raise AssertionError("no confirmation was sent")


async def test_forget_no_keeps_everything(app: App, api: InProcessBotApi, store: Store) -> None:
    """/forget → "No, keep it": every row of every table is as before."""
    alex = (await alex_everywhere(app, api))["alex"]
    before = snapshot(store)
    await alex.send("/forget")
    await alex.tap("No, keep it")
    assert "nothing was deleted" in alex.last_text()
    assert snapshot(store) == before


async def test_another_users_press_of_the_confirmation_changes_nothing(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """Sam replaying Alex's Yes in his own chat (the only way he can press it) is refused
    and deletes nothing of Alex's or his own; Alex's own press still works afterwards."""
    people = await alex_everywhere(app, api)
    await people["alex"].send("/forget")
    data = yes_data(api)
    before = snapshot(store)
    await people["sam"].press(data)
    assert any("someone else" in toast for toast in people["sam"].toasts())
    assert snapshot(store) == before
    await people["alex"].press(data)
    assert "I deleted everything" in people["alex"].last_text()
    assert store.list_cases(SAM), "Sam's case stays"


async def test_forget_in_a_group_explains_it_works_in_private(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """/forget in a group deletes nothing and says it's for the user's own data, in private;
    a confirmation pressed in a group is refused too."""
    alex = ChatDriver(app, api, ALEX, None, "Alex", "alex")
    in_group = ChatDriver(app, api, ALEX, GROUP, "Alex", "alex")
    await private_case(alex)
    await alex.send("/forget")
    data = yes_data(api)
    before = team_rows(store, ALEX)
    await in_group.send(f"/forget@{BOT}")
    assert "works in our private chat" in plain(in_group.last().text)
    assert in_group.last().buttons == []
    await in_group.press(data)
    assert any("private chat" in toast for toast in in_group.toasts())
    # The group's message saw Alex there (its team and member rows); nothing was deleted.
    assert team_rows(store, ALEX) == before


async def test_a_confirmation_older_than_new_data_asks_again(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """A Yes pressed after more was stored (a new case) deletes nothing and asks again with
    the new list; the new question's Yes then deletes it all."""
    await private_case(user)
    await user.send("/forget")
    old = yes_data(api)
    await private_case(user, "20 USD", send=False)
    await user.press(old)
    assert store.count_cases(ALEX) == 2
    assert "Something changed since you asked" in user.last_text()
    assert "• 2 cases" in user.last_text()
    await user.tap("Yes, delete everything")
    assert store.count_cases(ALEX) == 0
    assert rows_naming(store, ALEX) == {}


def test_forget_knows_every_table() -> None:
    """Every table of the schema is one /forget deletes from: a person's own rows, or the
    private team's data. A new table fails here until someone decides what /forget does
    with it (bot/db/personal.py: PERSONAL_TABLES or PRIVATE_TEAM_TABLES)."""
    handled = set(PERSONAL_TABLES) | set(PRIVATE_TEAM_TABLES) | set(IMPERSONAL_TABLES)
    assert set(metadata.tables) <= handled, set(metadata.tables) - handled


# --- /forget leaves nothing on disk -------------------------------------------------------

# What only Alex wrote or is called: each must be gone from the database's bytes.
ALEX_WORDS = {
    "username": "uniqzebra_alx",
    "first name": "Quillfeatherx",
    "caption in the group": "zephyrcaption-7731",
    "file name in the group": "marmot-statement-5521.pdf",
    "file id in the group": "BQAC-uniqfileid-9911",
    "caption in private": "wombatcaption-4410",
    "file name in private": "narwhal-invoice-3302.pdf",
    "file id in private": "BQAC-privfileid-6620",
    "signature": "Quill Signx — quill@mailbox-8812.example",
}


def sqlite_bytes(db_url: str) -> dict[str, bytes]:
    """The raw bytes of the SQLite database file and of its write-ahead log, as on disk."""
    path = Path(db_url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return {
        path.name: path.read_bytes(),
        wal.name: wal.read_bytes() if wal.exists() else b"",
    }


async def test_forget_leaves_no_byte_of_the_person_in_the_database_or_its_wal(
    app: App, api: InProcessBotApi, store: Store, db_url: str
) -> None:
    """Alex, with a unique username and first name, is assigned Sam's group case and adds a
    file (caption, file name) to it, and has a private case with a file of his own. After
    /forget → Yes, while the bot still runs, none of those strings is anywhere in the raw
    bytes of the SQLite file or its WAL; the group keeps Sam's case with its facts, and its
    timeline still says the case was assigned (to Alex's id, named "a team member")."""
    if not db_url.startswith("sqlite"):
        pytest.skip("a scan of SQLite's own files")
    name, username = ALEX_WORDS["first name"], ALEX_WORDS["username"]
    alex = ChatDriver(app, api, ALEX, None, name, username)
    alex_group = ChatDriver(app, api, ALEX, GROUP, name, username)
    sam = ChatDriver(app, api, SAM, None, "Sam", "sam")
    sam_group = ChatDriver(app, api, SAM, GROUP, "Sam", "sam")

    await alex.send(f"/settings sign {ALEX_WORDS['signature']}")
    await private_case(alex)
    await alex.send("/case 1")
    await alex.tap("Add evidence")
    await alex.send_file(
        ALEX_WORDS["file id in private"],
        ALEX_WORDS["file name in private"],
        ALEX_WORDS["caption in private"],
    )
    await alex_group.send(f"/cases@{BOT}")  # Alex is a member the group knows
    await sam_group.send(f"/new@{BOT}")
    url = next(data for label, data in sam_group.last_with_buttons().buttons if "private" in label)
    await sam.send(f"/start {url.rsplit('=', 1)[1]}")
    await sam.tap("charged twice")
    await add_account(sam, name="Agency Client", advertiser_id="7289000022223333444")
    for answer in ("9 Nov 10:02", "189.90 USD", "1881", "BDUS2026550101"):
        await sam.send(answer)
    await sam.tap("Skip")
    await sam.send("9 Nov 10:08")
    await sam.tap("Skip")
    await sam.tap("My money back")
    await sam.tap("Today")
    await sam.tap("Skip")
    await sam.tap("I've sent it")
    await sam.send("TT-4242")
    [sams_case] = store.list_cases(GROUP)
    await sam_group.send(f"/assign {sams_case.id} @{username}")
    assert f"assigned to {name}" in plain(sam_group.last_with_buttons().text)
    await alex_group.tap("Add evidence")
    await alex_group.send_file(
        ALEX_WORDS["file id in the group"],
        ALEX_WORDS["file name in the group"],
        ALEX_WORDS["caption in the group"],
    )
    await alex_group.send("done")
    on_disk = b"".join(sqlite_bytes(db_url).values())
    for what, text in ALEX_WORDS.items():
        assert text.encode() in on_disk, f"the test should have put the {what} on disk"
    facts_before = store.get_case(GROUP, sams_case.id)

    await alex.send("/forget")
    await alex.tap("Yes, delete everything")
    assert "I deleted everything I held about you" in alex.last_text()

    for filename, content in sqlite_bytes(db_url).items():
        for what, text in ALEX_WORDS.items():
            assert text.encode() not in content, f"the {what} is still in {filename}"
    case = store.get_case(GROUP, sams_case.id)
    assert case == facts_before, "the team's case keeps its facts"
    assert case is not None and case.ticket == "TT-4242"
    assert case.answers["amount"] == "189.90" and case.assignee_user_id == ALEX
    [assigned] = [e for e in store.case_events(case.id) if e.what == "assigned"]
    assert (assigned.person_user_id, assigned.detail) == (ALEX, None)
    await sam.send(f"/case {case.id}")
    assert "assigned — a team member" in sam.last_text()
