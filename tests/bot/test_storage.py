"""The database layer against a real SQLite file: what goes in comes back out, exactly."""
# Over 400 lines: one round trip per table of the Store, on one SQLite file.

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from bot.db import engine as storage
from bot.db import schema
from bot.db.engine import make_engine
from bot.db.records import IntakeRow, new_token
from bot.db.store import Store
from bot.db.tables import cases, evidence, intakes, teams, transactions
from conversations.cases import Schedule
from conversations.intake import Intake, Purpose, Step
from conversations.policy import load_policy
from tests.stored_cases import ACCOUNT

SCHEDULE = Schedule(timing=load_policy().timing, tz=ZoneInfo("UTC"))
TEAM_A = 1001
TEAM_B = -100200300  # a group chat: negative id, as Telegram gives it
USER = 1001


def _answers(**overrides: Any) -> dict[str, Any]:
    """Answers of a duplicate charge as the intake stores them (strings, never floats)."""
    answers: dict[str, Any] = {
        **ACCOUNT,
        "reason": "duplicate",
        "charge_date": "2026-11-09",
        "charge_time": "10:02",
        "amount": "189.90",
        "amount_currency": "USD",
        "amount_text": "$189.90",
        "card_last4": "1881",
        "invoice_number": "BDUS2026550101",
        "campaign_ids": ["1790000000000001"],
        "other_date": "2026-11-09",
        "other_time": "10:08",
        "noticed": "2026-11-25",
        "evidence": [],
    }
    answers.update(overrides)
    return answers


def _draft(
    store: Store,
    answers: Mapping[str, Any],
    *,
    case_id: int | None = None,
    team_id: int = TEAM_A,
    outcome: str = "needs_review",
    message: str | None = "Subject: Duplicate charge\n\nHello",
) -> int:
    return store.save_draft_case(
        case_id=case_id,
        team_id=team_id,
        owner_user_id=USER,
        answers=answers,
        outcome=outcome,
        situation="duplicate_charge",
        policy_version="2026-11-26",
        subject="Duplicate charge" if message else None,
        message=message,
    )


def _team_with_account(store: Store, team_id: int = TEAM_A) -> dict[str, Any]:
    store.ensure_team(team_id, "private" if team_id > 0 else "supergroup", None)
    ref = store.save_account(team_id, ACCOUNT)
    return {**ACCOUNT, "account_ref": ref}


def _whats(store: Store, case_id: int) -> list[str]:
    return [event.what for event in store.case_events(case_id)]


# --- intakes -------------------------------------------------------------------------


def test_intake_row_round_trips_every_field(store: Store) -> None:
    """An intake row round-trips: state, unicode answers, history, pending, seq, token."""
    answers = {
        "advertiser_id": "7289000011112221010",
        "account_name": "Café Zürich — 東京 ☕ “quoted” \\ back",
        "in_bc": True,
        "bc_id": None,
        "amount": "0.10",
        "campaign_ids": ["1790000000000001", "1790000000000002"],
        "evidence": [{"file_id": "f1", "kind": "photo", "caption": "Ünïcödé", "name": None}],
    }
    pending: list[dict[str, str | None]] = [
        {"day": "2026-11-03", "at": "10:02"},
        {"day": "2026-03-11", "at": None},
    ]
    intake = Intake(
        state=Step.CHARGE_DATE,
        answers=answers,
        history=["account_id", "account_name", "reason"],
        editing=True,
        pending=pending,
    )
    token = new_token()
    store.save_intake(
        77, 88, IntakeRow(intake=intake, token=token, seq=9, case_id=None, is_new=True)
    )

    loaded = store.load_intake(77, 88)

    assert loaded is not None
    assert loaded.token == token
    assert loaded.seq == 9
    assert loaded.case_id is None
    assert loaded.intake.step is Step.CHARGE_DATE
    assert loaded.intake.answers == answers
    assert loaded.intake.history == ["account_id", "account_name", "reason"]
    assert loaded.intake.editing is True
    assert loaded.intake.pending == pending
    assert loaded.is_new is False
    assert store.load_intake(77, 89) is None, "another user in the same chat has no intake"


def test_an_intakes_bookkeeping_round_trips_beside_its_answers(store: Store) -> None:
    """Why the intake was started, whether saved accounts were offered, the message's
    language and an open signature question are the intake's own fields: saved in the
    row's JSON beside the answers, not among them."""
    intake = Intake(
        state=Step.ACCOUNT_NAME,
        answers={"advertiser_id": "7289000011112221010"},
        purpose=Purpose.ACCOUNT,
        saved_accounts_offered=True,
        message_language="es",
        signing=True,
    )
    store.save_intake(TEAM_A, USER, IntakeRow(intake=intake, token=new_token(), is_new=True))

    loaded = store.load_intake(TEAM_A, USER)

    assert loaded is not None
    assert loaded.intake.answers == {"advertiser_id": "7289000011112221010"}
    assert loaded.intake.purpose is Purpose.ACCOUNT
    assert loaded.intake.only_account
    assert loaded.intake.saved_accounts_offered is True
    assert loaded.intake.message_language == "es"
    assert loaded.intake.signing is True
    with store.engine.connect() as conn:
        data = json.loads(conn.execute(select(intakes.c.data)).scalar_one())
    assert not [key for key in data["answers"] if key.startswith("_")]


@pytest.mark.parametrize(
    ("old_keys", "expected"),
    [
        ({"_purpose": "account"}, {"purpose": Purpose.ACCOUNT}),
        ({"_saved_accounts": True}, {"saved_accounts_offered": True}),
        ({"_message_language": "pt_BR"}, {"message_language": "pt_BR"}),
        ({"_signing": True}, {"signing": True}),
    ],
)
def test_an_intake_row_of_the_previous_version_keeps_its_bookkeeping(
    store: Store, old_keys: dict[str, Any], expected: dict[str, Any]
) -> None:
    """A row saved before the bookkeeping were fields has it inside its answers (and no
    such fields in its JSON): it loads into the fields, and is saved back without them
    in the answers."""
    answers = {"reason": "duplicate", **old_keys}
    data = {"answers": answers, "history": ["reason"], "editing": False, "pending": None}
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(
            intakes.insert().values(
                chat_id=TEAM_A,
                user_id=USER,
                token="old-row",
                seq=3,
                state="review",
                data=json.dumps(data),
                updated_at=now,
            )
        )

    loaded = store.load_intake(TEAM_A, USER)

    assert loaded is not None
    assert loaded.intake.answers == {"reason": "duplicate"}
    defaults = {
        "purpose": None,
        "saved_accounts_offered": False,
        "message_language": None,
        "signing": False,
    }
    kept = {name: getattr(loaded.intake, name) for name in defaults}
    assert kept == {**defaults, **expected}
    store.save_intake(TEAM_A, USER, loaded)
    again = store.load_intake(TEAM_A, USER)
    assert again is not None
    assert again.intake.answers == {"reason": "duplicate"}
    assert {name: getattr(again.intake, name) for name in defaults} == kept


def test_a_case_keeps_the_intakes_bookkeeping_in_its_own_columns(store: Store) -> None:
    """The message's language and whether saved accounts were offered are kept with the
    case, beside its answers (a draft opened again is the same intake)."""
    answers = _answers(**_team_with_account(store))
    case_id = store.save_draft_case(
        case_id=None,
        team_id=TEAM_A,
        owner_user_id=USER,
        answers=answers,
        outcome="needs_review",
        situation="duplicate_charge",
        policy_version="2026-11-26",
        subject=None,
        message=None,
        message_language="ru",
        saved_accounts_offered=True,
    )

    case = store.get_case(TEAM_A, case_id)

    assert case is not None
    assert case.answers == answers
    assert (case.message_language, case.saved_accounts_offered) == ("ru", True)


def test_a_case_of_the_previous_version_keeps_its_bookkeeping_in_its_answers(
    store: Store,
) -> None:
    """A case drafted before those columns has them in its answers (and NULL columns):
    the intake opened from it reads them there, and keeps them out of its answers."""
    plain = _answers(**_team_with_account(store))
    case_id = _draft(store, {**plain, "_message_language": "es", "_saved_accounts": True})
    with store.engine.begin() as conn:
        conn.execute(cases.update().values(message_language=None, saved_accounts_offered=None))

    case = store.get_case(TEAM_A, case_id)
    assert case is not None
    assert (case.message_language, case.saved_accounts_offered) == (None, False)
    intake = Intake(
        state=Step.REVIEW,
        answers=dict(case.answers),
        message_language=case.message_language,
        saved_accounts_offered=case.saved_accounts_offered,
    )

    assert (intake.message_language, intake.saved_accounts_offered) == ("es", True)
    assert intake.answers == plain


def test_saving_an_intake_twice_updates_the_one_row(store: Store) -> None:
    """A second save of the same row updates it: still one row, with the new values."""
    row = IntakeRow(intake=Intake(), token=new_token(), is_new=True)
    store.save_intake(TEAM_A, USER, row)
    assert row.is_new is False

    row.intake.state = Step.REASON
    row.intake.answers["advertiser_id"] = "7289000011112221010"
    row.intake.history.append("account")
    row.seq = 3
    row.case_id = 42
    store.save_intake(TEAM_A, USER, row)

    loaded = store.load_intake(TEAM_A, USER)
    assert loaded is not None
    assert loaded.intake.step is Step.REASON
    assert loaded.intake.answers == {"advertiser_id": "7289000011112221010"}
    assert loaded.intake.history == ["account"]
    assert (loaded.seq, loaded.case_id, loaded.token) == (3, 42, row.token)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(intakes)).scalar_one() == 1


def test_a_new_intake_replaces_the_old_one_of_the_same_user(store: Store) -> None:
    """Starting over (a new row for the same chat and user) replaces the old intake."""
    store.save_intake(TEAM_A, USER, IntakeRow(intake=Intake(), token="old-token", is_new=True))
    fresh = IntakeRow(intake=Intake(state=Step.ACCOUNT_ID), token="new-token", seq=0, is_new=True)
    store.save_intake(TEAM_A, USER, fresh)

    loaded = store.load_intake(TEAM_A, USER)
    assert loaded is not None
    assert (loaded.token, loaded.intake.step) == ("new-token", Step.ACCOUNT_ID)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(intakes)).scalar_one() == 1


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    """The SQLite file is in WAL journal mode, with foreign keys enforced."""
    store = Store.open(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --- accounts --------------------------------------------------------------------------


def test_save_account_upserts_by_advertiser_id_within_a_team(store: Store) -> None:
    """Saving an advertiser ID again updates that team's account; another team gets its own."""
    store.ensure_team(TEAM_A, "private", None)
    store.ensure_team(TEAM_B, "supergroup", "Agency team")

    first = store.save_account(TEAM_A, ACCOUNT)
    again = store.save_account(
        TEAM_A, {**ACCOUNT, "account_name": "Northwind EU", "billing": "manual", "in_bc": True}
    )
    other_team = store.save_account(TEAM_B, ACCOUNT)

    assert again == first
    assert other_team != first
    (account,) = store.list_accounts(TEAM_A)
    assert account["ref"] == first
    assert account["account_name"] == "Northwind EU"
    assert account["billing"] == "manual"
    assert account["in_bc"] is True
    (b_account,) = store.list_accounts(TEAM_B)
    assert b_account["account_name"] == "Northwind Apparel"
    assert store.get_account(TEAM_B, first) is None, "team B can't pick team A's account"
    assert store.get_account(TEAM_A, first) == account


def test_saved_account_comes_back_as_intake_answers(store: Store) -> None:
    """A saved account is read back with the intake's answer keys, ready for `use_account`."""
    store.ensure_team(TEAM_A, "private", None)
    second = {**ACCOUNT, "advertiser_id": "7289000011112221011", "account_name": None}
    store.save_account(TEAM_A, ACCOUNT)
    ref = store.save_account(TEAM_A, second)

    newest = store.list_accounts(TEAM_A)[0]

    assert newest["ref"] == ref
    for key, value in second.items():
        assert newest[key] == value, key


# --- cases -------------------------------------------------------------------------------


def test_a_case_of_one_team_is_not_found_from_another(store: Store) -> None:
    """get_case, list_cases and count_cases only see the asking team's cases."""
    answers = _team_with_account(store, TEAM_A)
    store.ensure_team(TEAM_B, "supergroup", "Other team")
    case_id = _draft(store, _answers(**answers))

    assert store.get_case(TEAM_A, case_id) is not None
    assert store.get_case(TEAM_B, case_id) is None
    assert store.list_cases(TEAM_B) == []
    assert store.count_cases(TEAM_B) == 0
    assert [c.id for c in store.list_cases(TEAM_A)] == [case_id]
    assert store.count_cases(TEAM_A) == 1


def test_draft_case_keeps_answers_and_verdict(store: Store) -> None:
    """A drafted case stores the answers, verdict, policy version, subject and message."""
    answers = _answers(**_team_with_account(store), story="Café ☕ — “twice”")
    case_id = _draft(store, answers)

    case = store.get_case(TEAM_A, case_id)

    assert case is not None
    assert case.answers == answers
    assert (case.reason, case.outcome, case.situation) == (
        "duplicate",
        "needs_review",
        "duplicate_charge",
    )
    assert case.policy_version == "2026-11-26"
    assert case.subject == "Duplicate charge"
    assert case.message == "Subject: Duplicate charge\n\nHello"
    assert (case.status, case.ticket, case.sent_at, case.reply_due_on) == (
        "drafted",
        None,
        None,
        None,
    )
    assert case.created_at.tzinfo is not None


def test_case_event_log_is_append_only_and_ordered(store: Store) -> None:
    """Each step of a case adds one event at the end; earlier events never change."""
    answers = _answers(**_team_with_account(store))
    case_id = _draft(store, answers)
    seen = store.case_events(case_id)
    assert [e.what for e in seen] == ["drafted"]

    def step(*expected: str) -> None:
        nonlocal seen
        events = store.case_events(case_id)
        assert events[: len(seen)] == seen, "an earlier event changed"
        assert [e.what for e in events[len(seen) :]] == list(expected)
        seen = events

    track = store.load_track(case_id)
    track.send(datetime.now(UTC), USER, SCHEDULE)
    store.save_track(case_id, TEAM_A, track)
    step("send", "await_reply")
    store.set_case_ticket(case_id, USER, "TT-0099123")
    step("ticket")
    store.set_case_status(case_id, USER, "closed")
    step("closed")

    times = [e.at for e in seen]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)
    assert {e.actor_user_id for e in seen} == {USER}


def test_redrafting_logs_only_when_the_verdict_or_message_changed(store: Store) -> None:
    """Saving the draft again logs "redrafted" only if the outcome or the message changed."""
    answers = _answers(**_team_with_account(store))
    case_id = _draft(store, answers)

    assert _draft(store, answers, case_id=case_id) == case_id
    assert _whats(store, case_id) == ["drafted"], "nothing changed, nothing to log"

    _draft(store, {**answers, "card_last4": "4242"}, case_id=case_id)
    assert _whats(store, case_id) == ["drafted"], "an answer the message doesn't show"

    _draft(store, answers, case_id=case_id, message="Subject: Duplicate charge\n\nHello again")
    assert _whats(store, case_id) == ["drafted", "redrafted"]

    _draft(
        store,
        answers,
        case_id=case_id,
        outcome="not_eligible",
        message="Subject: Duplicate charge\n\nHello again",
    )
    events = store.case_events(case_id)
    assert [e.what for e in events] == ["drafted", "redrafted", "redrafted"]
    assert events[-1].detail == "verdict not_eligible"

    case = store.get_case(TEAM_A, case_id)
    assert case is not None
    assert case.outcome == "not_eligible"
    assert case.message == "Subject: Duplicate charge\n\nHello again"
    assert store.count_cases(TEAM_A) == 1, "redrafting never creates a second case"


def test_sending_stores_the_track_and_queues_one_reminder(store: Store) -> None:
    """Saving a sent case's track sets its status, sent time and reply due date, logs the
    trigger, and leaves exactly one pending reminder at the track's next ping."""
    case_id = _draft(store, _answers(**_team_with_account(store)))
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    track = store.load_track(case_id)
    track.send(now, USER, SCHEDULE)
    store.save_track(case_id, TEAM_A, track)
    store.save_track(case_id, TEAM_A, store.load_track(case_id))  # saving again: still one

    case = store.get_case(TEAM_A, case_id)
    assert case is not None
    assert case.status == "awaiting_reply"
    assert case.sent_at == now
    assert case.reply_due_on == "2026-12-03"
    assert [e.what for e in store.case_events(case_id)][-2:] == ["send", "await_reply"]
    reloaded = store.load_track(case_id)
    assert reloaded.next_ping_at == track.next_ping_at
    assert [(state, due) for state, _, due in store.reminder_states(case_id)] == [
        ("pending", track.next_ping_at)
    ]


def test_set_case_ticket_records_the_ticket_and_event(store: Store) -> None:
    """Saving a ticket number keeps it on the case and logs it as a "ticket" event."""
    case_id = _draft(store, _answers(**_team_with_account(store)))
    track = store.load_track(case_id)
    track.send(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), USER, SCHEDULE)
    store.save_track(case_id, TEAM_A, track)

    store.set_case_ticket(case_id, USER, "TT-0099123")

    case = store.get_case(TEAM_A, case_id)
    assert case is not None
    assert case.ticket == "TT-0099123"
    assert case.status == "awaiting_reply", "a ticket doesn't change the status"
    last = store.case_events(case_id)[-1]
    assert (last.what, last.detail) == ("ticket", "TT-0099123")


def test_money_stays_exact_text(store: Store) -> None:
    """Amounts are stored and read back as the exact decimal text: "0.10" stays "0.10"."""
    answers = _answers(**_team_with_account(store), amount="0.10")
    case_id = _draft(store, answers)
    big_id = _draft(store, _answers(**_team_with_account(store), amount="12345678901234.99"))

    case = store.get_case(TEAM_A, case_id)
    big = store.get_case(TEAM_A, big_id)
    assert case is not None and big is not None
    assert case.answers["amount"] == "0.10"
    assert Decimal(case.answers["amount"]) == Decimal("0.10")
    assert big.answers["amount"] == "12345678901234.99"
    with store.engine.connect() as conn:
        amounts = conn.execute(select(transactions.c.amount).order_by(transactions.c.id)).scalars()
        assert list(amounts) == ["0.10", "12345678901234.99"]

    row = IntakeRow(
        intake=Intake(state=Step.CHARGE_CARD, answers={"amount": "0.10"}),
        token=new_token(),
        is_new=True,
    )
    store.save_intake(TEAM_A, USER, row)
    loaded = store.load_intake(TEAM_A, USER)
    assert loaded is not None
    assert loaded.intake.answers["amount"] == "0.10"


def test_save_evidence_replaces_the_list(store: Store) -> None:
    """save_evidence keeps exactly the intake's current list of files for the case."""
    case_id = _draft(store, _answers(**_team_with_account(store)))
    photo = {"file_id": "photo-1", "kind": "photo", "caption": "Finance → Transactions"}
    document = {"file_id": "doc-1", "kind": "document", "name": "statement.pdf"}
    store.save_evidence(case_id, USER, [photo])
    store.save_evidence(case_id, USER, [photo, document])

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(evidence.c.file_id, evidence.c.caption, evidence.c.name)
            .where(evidence.c.case_id == case_id)
            .order_by(evidence.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("photo-1", "Finance → Transactions", None),
        ("doc-1", None, "statement.pdf"),
    ]


def test_redrafting_with_a_corrected_charge_updates_its_transaction(store: Store) -> None:
    """A corrected charge (Change an answer) updates the transaction kept for the case."""
    answers = _answers(**_team_with_account(store))
    case_id = _draft(store, answers)
    corrected = {**answers, "charge_date": "2026-11-10", "charge_time": None, "amount": "198.90"}

    _draft(store, corrected, case_id=case_id, message="Subject: Duplicate charge\n\n198.90")

    with store.engine.connect() as conn:
        kept = conn.execute(
            select(
                transactions.c.happened_on, transactions.c.happened_at_time, transactions.c.amount
            )
            .join(cases, cases.c.transaction_id == transactions.c.id)
            .where(cases.c.id == case_id)
        ).one()
        count = conn.execute(select(func.count()).select_from(transactions)).scalar_one()
    assert tuple(kept) == ("2026-11-10", None, "198.90")
    assert count == 1, "one charge per case"


def test_intake_updated_at_reads_back_as_a_utc_datetime(store: Store) -> None:
    """The intake's updated_at reads back as a datetime of the save, like other timestamps."""
    before = datetime.now(UTC).replace(tzinfo=None)
    store.save_intake(TEAM_A, USER, IntakeRow(intake=Intake(), token=new_token(), is_new=True))
    after = datetime.now(UTC).replace(tzinfo=None)

    with store.engine.connect() as conn:
        saved = conn.execute(select(intakes.c.updated_at)).scalar_one()
    assert isinstance(saved, datetime), f"read back as {saved!r}"
    naive = saved.astimezone(UTC).replace(tzinfo=None) if saved.tzinfo else saved
    assert before <= naive <= after


def test_a_deleted_row_leaves_no_bytes_in_the_sqlite_file_or_its_wal(tmp_path: Path) -> None:
    """SQLite runs with secure_delete, whatever its build's default: a row deleted among
    others is overwritten with zeros in its page, not just unlinked; once
    `wipe_after_commit` has checkpointed the WAL into the file and truncated it, its text
    is in neither."""
    path = tmp_path / "wipe.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)

    def as_built_without_secure_delete(dbapi_connection: Any, _record: Any) -> None:
        # Debian's SQLite is built with secure_delete on, most others with it off.
        dbapi_connection.execute("PRAGMA secure_delete=OFF")

    event.listen(engine, "connect", as_built_without_secure_delete, insert=True)
    store = Store(engine)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    for number in range(40):
        store.ensure_team(-1000 - number, "group", f"Team number {number}")
    store.ensure_team(-5000, "group", "Secret Gathering Of Ocelots")
    for number in range(40, 80):
        store.ensure_team(-1000 - number, "group", f"Team number {number}")
    store.wipe_after_commit()  # all of it in the file now, where the deletion must reach
    assert b"Secret Gathering Of Ocelots" in path.read_bytes()
    with store.transaction() as conn:
        conn.execute(teams.delete().where(teams.c.id == -5000))
    store.wipe_after_commit()
    wal = path.with_name(path.name + "-wal")
    assert b"Ocelots" not in path.read_bytes()
    assert not wal.exists() or b"Ocelots" not in wal.read_bytes()
    assert store.team_title(-1000) == "Team number 0"
    store.close()


def test_times_written_past_sqlalchemy_are_in_its_own_sqlite_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statements that skip SQLAlchemy's types (the update's record, the intake row, a
    timeline line) write a time as SQLAlchemy's DATETIME does on SQLite, to the microsecond
    even when there are none: the same moment is the same text in every table, and text
    comparisons (`forget_handled_updates`, the timeline's order) hold."""
    store = Store.open(f"sqlite:///{tmp_path / 'times.sqlite3'}")
    moment = datetime(2026, 11, 9, 10, 2, tzinfo=UTC)  # a whole second
    monkeypatch.setattr(storage, "_utcnow", lambda: moment)
    _team_with_account(store)
    with store.unit() as conn:
        store._record(conn, (77, "m:1001:5"))
        store.save_intake(TEAM_A, USER, IntakeRow(intake=Intake(), token=new_token(), is_new=True))
        case_id = store.save_draft_case(
            case_id=None,
            team_id=TEAM_A,
            owner_user_id=USER,
            answers=_answers(),
            outcome="eligible",
            situation="duplicate_charge",
            policy_version="2026-11-26",
            subject=None,
            message=None,
            now=moment,
        )
    with store.engine.connect() as conn:
        texts = {
            "cases.created_at (SQLAlchemy)": f"SELECT created_at FROM cases WHERE id = {case_id}",
            "handled_updates.handled_at": "SELECT handled_at FROM handled_updates",
            "intakes.updated_at": "SELECT updated_at FROM intakes",
            "case_events.at": f"SELECT at FROM case_events WHERE case_id = {case_id}",
        }
        found = {name: conn.exec_driver_sql(sql).scalar_one() for name, sql in texts.items()}
    store.close()
    assert set(found.values()) == {"2026-11-09 10:02:00.000000"}, found
