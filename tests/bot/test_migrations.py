"""Schema migrations (Alembic), on SQLite and on PostgreSQL."""
# Over 400 lines: every migration up and down, on both databases, in order.

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, insert, inspect, select, text

from bot.db import schema
from bot.db.engine import make_engine
from bot.db.store import Store
from bot.db.tables import accounts, case_events, cases, import_claims, members, metadata, teams
from tests.databases import PostgresServer


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no tables at all)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"refundbot_migrations_{tmp_path.name}"[:60]
    server.create(name)
    request.addfinalizer(lambda: server.drop(name))
    return server.url_for(name)


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(schema.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_upgrade_from_empty_builds_exactly_the_schema_the_code_uses(empty_url: str) -> None:
    """From nothing to head; then Alembic finds no difference between the database and
    the tables the code declares (so no change to storage.py goes without a migration)."""
    before, after = schema.upgrade(make_engine(empty_url))
    assert (before, after) == (None, schema.head_revision())
    assert tables(empty_url) == set(metadata.tables)
    engine = make_engine(empty_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_one_step_and_upgrade_again(empty_url: str) -> None:
    """Every revision can be undone and redone: head → one step down → head."""
    schema.upgrade(make_engine(empty_url))
    head = schema.head_revision()
    chain = revisions()
    before, after = schema.downgrade(make_engine(empty_url), "-1")
    assert before == head
    assert after == (chain[-2] if len(chain) > 1 else None)
    if after is None:
        assert tables(empty_url) == set()
    assert schema.upgrade(make_engine(empty_url)) == (after, head)
    assert tables(empty_url) == set(metadata.tables)


def test_the_revisions_form_one_line(tmp_path: Path) -> None:
    """One head, and each revision names the one before it: no branches to merge."""
    script = ScriptDirectory.from_config(schema.alembic_config())
    assert len(script.get_heads()) == 1
    assert revisions()[0] == "0001"


def test_postgresql_is_not_migrated_behind_the_operators_back(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """On PostgreSQL the bot refuses an unmigrated database and says what to run;
    `refundbot migrate` then brings it up to date and the bot opens it."""
    name = f"refundbot_unmigrated_{tmp_path.name}"[:60]
    postgres.create(name)
    try:
        url = postgres.url_for(name)
        with pytest.raises(schema.SchemaOutOfDate, match="Run `refundbot migrate`"):
            Store.open(url)
        assert tables(url) == set()
        run = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            env={"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": "123:TEST", "PATH": "/usr/bin"},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert run.returncode == 2
        assert "no schema yet" in run.stderr and "refundbot migrate" in run.stderr
        assert "Traceback" not in run.stderr
        migrate = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            env={"DATABASE_URL": url, "PATH": "/usr/bin"},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert migrate.returncode == 0, migrate.stderr
        assert f"to {schema.head_revision()}" in migrate.stdout
        Store.open(url).close()
    finally:
        postgres.drop(name)


def test_sqlite_is_migrated_when_the_bot_opens_it(tmp_path: Path) -> None:
    """The default SQLite file needs no command: opening it brings it to the newest schema."""
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    Store.open(url).close()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert schema.current_revision(conn) == schema.head_revision()
    engine.dispose()


def test_a_database_from_before_migrations_keeps_its_data(tmp_path: Path) -> None:
    """A SQLite file made by the bot before it had migrations (tables, no version) is
    recognised as revision 0001 and upgraded, with its rows intact."""
    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    schema.upgrade(make_engine(url), "0001")  # the schema the bot made before migrations…
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE alembic_version")  # …which recorded no version
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO teams (id, kind, title, answer_in_group, topic_per_case, created_at)"
            " VALUES (42, 'private', NULL, 0, 0, '2026-11-01 10:00:00')"
        )
    store = Store.open(url)
    assert store.team_title(42) is None
    with store.engine.connect() as conn:
        assert schema.current_revision(conn) == schema.head_revision()
        assert conn.exec_driver_sql("SELECT count(*) FROM teams").scalar() == 1
    store.close()


def test_refundbot_migrate_goes_down_a_step_and_back_up(tmp_path: Path) -> None:
    """The operator's commands: `refundbot migrate --down -1` undoes the newest revision,
    `refundbot migrate` brings it back, and a second run says it is up to date."""
    database = tmp_path / "ops.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin"}

    def migrate(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "bot", "migrate", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    head = schema.head_revision()
    below = revisions()[-2]
    where = f"the local SQLite file {database}"
    assert migrate() == f"Migrated {where} from revision none (empty) to {head}."
    assert migrate("--down", "-1") == f"Migrated {where} from revision {head} to {below}."
    assert migrate() == f"Migrated {where} from revision {below} to {head}."
    assert migrate() == f"The schema of {where} is up to date (revision {head})."


def test_0005_turns_the_names_in_assignments_into_ids(empty_url: str) -> None:
    """Timelines from before 0005 copied the assignee's name into "assigned" entries.
    Upgrading resolves each to the member it names (@username, a first name only one member
    has, else the case's current assignee for its newest assignment) and leaves no name;
    downgrading writes the names back from the members the team still has."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0004")
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    group, sam, kim, gone = -100900, 1002, 1003, 1009
    with engine.begin() as conn:
        conn.execute(insert(teams).values(id=group, kind="group", created_at=now))
        for user_id, first, username in ((sam, "Sam", "sam_s"), (kim, "Kim", None)):
            conn.execute(
                insert(members).values(
                    team_id=group,
                    user_id=user_id,
                    first_name=first,
                    username=username,
                    seen_at=now,
                )
            )
        case = {
            "team_id": group,
            "owner_user_id": sam,
            "reason": "duplicate",
            "answers": {},
            "outcome": "eligible",
            "situation": "duplicate_charge",
            "policy_version": "1",
            "status": "drafted",
            "created_at": now,
            "updated_at": now,
        }
        conn.execute(insert(cases).values(id=1, assignee_user_id=gone, **case))
        assigned = [("@SAM_S", 1), ("Kim", 2), ("@someone", 3), ("Forgotten Name", 4)]
        for detail, number in assigned:
            conn.execute(
                insert(case_events).values(
                    id=number,
                    case_id=1,
                    at=now,
                    actor_user_id=sam,
                    what="assigned",
                    detail=detail,
                )
            )
        conn.execute(
            insert(case_events).values(
                id=5, case_id=1, at=now, actor_user_id=sam, what="ticket", detail="TT-1"
            )
        )
    schema.upgrade(engine)
    query = select(case_events.c.detail, case_events.c.person_user_id).order_by(case_events.c.id)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(query)]
    # The newest entry no longer resolves: it is who the case is assigned to now.
    assert rows == [(None, sam), (None, kim), (None, None), (None, gone), ("TT-1", None)]
    schema.downgrade(engine, "0004")
    with engine.connect() as conn:
        details = conn.execute(text("SELECT detail FROM case_events ORDER BY id")).scalars().all()
    assert details == ["@sam_s", "Kim", None, None, "TT-1"]
    engine.dispose()


def test_0007_adds_the_peoples_own_settings_and_takes_them_away(empty_url: str) -> None:
    """0007 adds `users` (a person's signature) beside the data already there; going back
    to 0006 drops it and leaves the rest; up again, it is there, empty."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0006")
    now = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(teams).values(id=1001, kind="private", created_at=now))
    engine.dispose()
    assert "users" not in tables(empty_url)

    engine = make_engine(empty_url)
    assert schema.upgrade(engine, "0007") == ("0006", "0007")
    store = Store(engine)
    store.set_signature(1001, "Liu Wen — billing@northwind.example", now)
    assert store.signature(1001) == "Liu Wen — billing@northwind.example"
    store.set_signature(1001, "", now)
    assert store.signature(1001) == ""
    assert store.signature(1002) is None

    assert schema.downgrade(engine, "0006") == ("0007", "0006")
    engine.dispose()
    assert "users" not in tables(empty_url) and "teams" in tables(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as conn:
        assert conn.execute(select(teams.c.id)).scalars().all() == [1001]
    schema.upgrade(engine)
    engine.dispose()
    assert "users" in tables(empty_url)


def test_0008_adds_the_import_claims_and_flags_and_takes_them_away(empty_url: str) -> None:
    """0008 adds the tables an import keeps across processes (its claim on a chat, its
    flags' charges); the data of 0007 stays; downgrading drops just those two tables."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0007")
    now = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(teams).values(id=1001, kind="private", created_at=now))
    before = tables(empty_url)
    assert schema.upgrade(make_engine(empty_url), "0008") == ("0007", "0008")
    assert tables(empty_url) == before | {"import_claims", "import_flags"}
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            insert(import_claims).values(
                chat_id=1001, holder="a", expires_at=now + timedelta(minutes=3)
            )
        )
    engine.dispose()
    assert schema.downgrade(make_engine(empty_url), "0007") == ("0008", "0007")
    assert tables(empty_url) == before
    engine = make_engine(empty_url)
    with engine.connect() as conn:
        assert conn.execute(select(teams.c.id)).scalars().all() == [1001]
    engine.dispose()


def test_0009_adds_the_summary_switch_and_keeps_every_case(empty_url: str) -> None:
    """0009 adds `teams.monthly_summary` (on for existing groups) and the summaries' table;
    up and down again, the teams' cases stay (a table copy on SQLite would have cascaded
    the old teams table's deletion into them)."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0006")
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO teams (id, kind, created_at) VALUES (-100900, 'group', :now)"),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, team_id, owner_user_id, reason, answers, outcome, "
                "situation, policy_version, status, created_at, updated_at) VALUES (1, -100900, "
                "1002, 'duplicate', '{}', 'eligible', 'duplicate_charge', '1', 'drafted', :now, "
                ":now)"
            ),
            {"now": now},
        )
    schema.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(select(teams.c.monthly_summary)).scalars().all() == [True]
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 1
    schema.downgrade(engine, "0008")
    assert "monthly_summaries" not in tables(empty_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 1
        columns = {c["name"] for c in inspect(conn).get_columns("teams")}
    assert "monthly_summary" not in columns
    engine.dispose()


def test_going_down_to_0002_keeps_the_cases_and_their_timelines(tmp_path: Path) -> None:
    """SQLite: 0004 and 0003 drop a column of `cases` and `teams` going down; copying those
    tables (a batch) dropped the old ones, and SQLite's cascades deleted every case and
    its events with them. Down to 0002 and up again, all are still there."""
    url = f"sqlite:///{tmp_path / 'down.sqlite3'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(teams).values(id=-100900, kind="group", created_at=now))
        conn.execute(
            text(
                "INSERT INTO cases (id, team_id, owner_user_id, reason, answers, outcome, "
                "situation, policy_version, status, created_at, updated_at) VALUES (1, -100900, "
                "1002, 'duplicate', '{}', 'eligible', 'duplicate_charge', '1', 'drafted', :now, "
                ":now)"
            ),
            {"now": now},
        )
        conn.execute(
            insert(case_events).values(id=1, case_id=1, at=now, actor_user_id=1002, what="ticket")
        )

    def counts() -> tuple[int, int]:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT count(*) FROM cases")).scalar()
            events = conn.execute(text("SELECT count(*) FROM case_events")).scalar()
        return int(found or 0), int(events or 0)

    schema.downgrade(engine, "0002")
    assert counts() == (1, 1)
    schema.upgrade(engine)
    assert counts() == (1, 1)
    engine.dispose()


def test_0010_lets_an_accounts_facts_be_unknown(empty_url: str) -> None:
    """From 0010 an account may be saved with only what its case asked (billing, Business
    Center, currency, status and who is paid may be NULL); downgrading writes the old
    defaults into the facts never asked, and keeps the ones known."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0009")
    assert schema.upgrade(engine, "0010") == ("0009", "0010")
    now = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(teams).values(id=7, kind="private", created_at=now))
        conn.execute(
            insert(accounts).values(
                id=1,
                team_id=7,
                advertiser_id="7289000011112221010",
                billing="manual",
                created_at=now,
            )
        )
    query = select(
        accounts.c.billing,
        accounts.c.in_bc,
        accounts.c.currency,
        accounts.c.status,
        accounts.c.paid_via,
    )
    with engine.connect() as conn:
        assert tuple(conn.execute(query).one()) == ("manual", None, None, None, None)
    assert schema.downgrade(engine, "0009") == ("0010", "0009")
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT billing, in_bc, currency, status, paid_via FROM accounts")
        ).one()
    assert (row[0], bool(row[1]), row[2], row[3], row[4]) == (
        "manual",
        False,
        "USD",
        "active",
        "tiktok",
    )
    schema.upgrade(engine)
    engine.dispose()


def test_0010_keeps_an_accounts_charges_flags_and_cases(empty_url: str) -> None:
    """0010 changes `accounts` (on SQLite, a copy of the table replacing the old one): the
    account's imported charges, its import flag and its case's links to both are all still
    there after it, up and down. With SQLite's foreign keys on while the old table was
    dropped, its cascades deleted every charge and flag and unlinked the case."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0009")
    now = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(teams).values(id=7, kind="private", created_at=now))
        conn.execute(
            text(
                "INSERT INTO accounts (id, team_id, advertiser_id, billing, in_bc, currency, "
                "status, paid_via, created_at) VALUES (1, 7, '7289000011112221010', 'manual', "
                "false, 'USD', 'active', 'tiktok', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO transactions (id, account_id, happened_on, amount, currency, "
                "source, created_at) VALUES (1, 1, '2026-11-09', '189.90', 'USD', 'import', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO import_flags (id, team_id, account_id, rule, charge_ids, "
                "created_at) VALUES (1, 7, 1, 'duplicate', '[1]', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, team_id, owner_user_id, reason, answers, outcome, "
                "situation, policy_version, status, created_at, updated_at, account_id, "
                "transaction_id) VALUES (1, 7, 1002, 'duplicate', '{}', 'eligible', "
                "'duplicate_charge', '1', 'drafted', :now, :now, 1, 1)"
            ),
            {"now": now},
        )

    def kept() -> tuple[int, int, tuple[object, ...]]:
        with engine.connect() as conn:
            charges = conn.execute(text("SELECT count(*) FROM transactions")).scalar()
            flags = conn.execute(text("SELECT count(*) FROM import_flags")).scalar()
            links = conn.execute(text("SELECT account_id, transaction_id FROM cases")).one()
        return int(charges or 0), int(flags or 0), tuple(links)

    assert kept() == (1, 1, (1, 1))
    assert schema.upgrade(engine, "0010") == ("0009", "0010")
    assert kept() == (1, 1, (1, 1))
    assert schema.downgrade(engine, "0009") == ("0010", "0009")
    assert kept() == (1, 1, (1, 1))
    engine.dispose()


def test_0011_moves_the_waiting_questions_into_one_table_and_back(empty_url: str) -> None:
    """0011 moves a case's waiting question (`case_inputs`) and an export waiting for an
    answer (`pending_imports`) into `pending_inputs`, one row of each kind for the same
    chat and user; downgrading puts each back in its own table, as it was."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0010")
    now = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(teams).values(id=7, kind="private", created_at=now))
        conn.execute(
            text(
                "INSERT INTO cases (id, team_id, owner_user_id, reason, answers, outcome, "
                "situation, policy_version, status, created_at, updated_at) VALUES (1, 7, 7, "
                "'duplicate', '{}', 'eligible', 'duplicate_charge', '1', 'sent', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO case_inputs (chat_id, user_id, case_id, what, created_at) "
                "VALUES (7, 7, 1, 'ticket', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO pending_imports (chat_id, user_id, file_id, filename, account_id, "
                "mapping, question, created_at) VALUES (7, 7, 'BQAC-file', 'billing.csv', "
                "NULL, :mapping, :question, :now)"
            ),
            {
                "mapping": '{"amount": "Amount (USD)"}',
                "question": '{"field": "date", "candidates": ["Date", "Paid on"]}',
                "now": now,
            },
        )

    assert schema.upgrade(engine, "0011") == ("0010", "0011")
    assert {"case_inputs", "pending_imports"}.isdisjoint(tables(empty_url))
    store = Store(engine)
    assert store.case_input(7, 7) == (1, "ticket")
    assert store.pending_import(7, 7) == {
        "file_id": "BQAC-file",
        "filename": "billing.csv",
        "account_id": None,
        "mapping": {"amount": "Amount (USD)"},
        "question": {"field": "date", "candidates": ["Date", "Paid on"]},
    }
    store.save_pending_import(
        7,
        7,
        file_id="BQAC-file",
        filename="billing.csv",
        account_id=None,
        mapping={"amount": "Amount (USD)"},
        question={"kind": "account"},
    )

    assert schema.downgrade(engine, "0010") == ("0011", "0010")
    assert "pending_inputs" not in tables(empty_url)
    with engine.connect() as conn:
        case_row = conn.execute(text("SELECT chat_id, user_id, case_id, what FROM case_inputs"))
        assert [tuple(r) for r in case_row] == [(7, 7, 1, "ticket")]
        waiting = conn.execute(
            text(
                "SELECT chat_id, user_id, file_id, filename, account_id, mapping, question "
                "FROM pending_imports"
            )
        ).one()
    chat_id, user_id, file_id, filename, account_id, mapping, question = tuple(waiting)
    assert (chat_id, user_id, file_id, filename, account_id) == (
        7,
        7,
        "BQAC-file",
        "billing.csv",
        None,
    )
    assert _json(mapping) == {"amount": "Amount (USD)"}
    assert _json(question) == {"kind": "account"}
    schema.upgrade(engine)
    assert store.case_input(7, 7) == (1, "ticket")
    assert store.pending_import(7, 7) is not None
    engine.dispose()


def _json(value: object) -> object:
    """A JSON column as read with plain SQL: text on SQLite, decoded by PostgreSQL's driver."""
    return json.loads(value) if isinstance(value, str) else value


def test_0012_keeps_a_cases_bookkeeping_in_columns_and_back_in_its_answers(
    empty_url: str,
) -> None:
    """0012 adds `cases.message_language` and `cases.saved_accounts_offered` (NULL on the
    cases from before, which keep them in their answers); downgrading writes a new case's
    back into its answers, where the previous version reads them."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0011")
    now = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
    old_answers = {"reason": "duplicate", "_message_language": "es"}
    with engine.begin() as conn:
        conn.execute(insert(teams).values(id=7, kind="private", created_at=now))
        conn.execute(
            text(
                "INSERT INTO cases (team_id, owner_user_id, reason, answers, outcome, "
                "situation, policy_version, status, created_at, updated_at) VALUES (7, 7, "
                "'duplicate', :answers, 'eligible', 'duplicate_charge', '1', 'drafted', :now, "
                ":now)"
            ),
            {"answers": json.dumps(old_answers), "now": now},
        )

        old_id = conn.execute(select(cases.c.id)).scalar_one()

    assert schema.upgrade(engine, "0012") == ("0011", "0012")
    store = Store(engine)
    old = store.get_case(7, old_id)
    assert old is not None
    assert (old.answers, old.message_language, old.saved_accounts_offered) == (
        old_answers,
        None,
        False,
    )
    new_id = store.save_draft_case(
        case_id=None,
        team_id=7,
        owner_user_id=7,
        answers={"reason": "duplicate"},
        outcome="eligible",
        situation="duplicate_charge",
        policy_version="1",
        subject=None,
        message=None,
        message_language="ru",
        saved_accounts_offered=True,
    )
    english = store.save_draft_case(
        case_id=None,
        team_id=7,
        owner_user_id=7,
        answers={"reason": "duplicate"},
        outcome="eligible",
        situation="duplicate_charge",
        policy_version="1",
        subject=None,
        message=None,
    )

    assert schema.downgrade(engine, "0011") == ("0012", "0011")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("cases")}
        kept = dict(tuple(r) for r in conn.execute(select(cases.c.id, cases.c.answers)))
    assert {"message_language", "saved_accounts_offered"}.isdisjoint(columns)
    assert kept == {
        old_id: old_answers,
        new_id: {"reason": "duplicate", "_message_language": "ru", "_saved_accounts": True},
        english: {"reason": "duplicate"},
    }
    engine.dispose()
