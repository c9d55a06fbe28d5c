"""The intake a user is answering in a chat: its row is the intake's own aggregate (its
machine state), read and written on every update (the hot path: one primary-key read and
one write, precompiled and synchronous, see DESIGN.md). The other questions that wait for
the user's next message (a case's ticket, an import's account) are bot/db/pending.py's."""

from __future__ import annotations

import json

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from bot.db.base import StoreBase
from bot.db.engine import Prepared, param, utcnow
from bot.db.records import IntakeRow
from bot.db.tables import intakes
from conversations.intake import Intake, Purpose, Step


class IntakeRepository(StoreBase):
    """The intakes in progress."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        dialect = engine.dialect
        this_intake = (intakes.c.chat_id == param("chat_id")) & (
            intakes.c.user_id == param("user_id")
        )
        self._load_intake = Prepared(
            select(
                intakes.c.token,
                intakes.c.seq,
                intakes.c.state,
                intakes.c.data,
                intakes.c.case_id,
                intakes.c.team_id,
                intakes.c.last_update,
            ).where(this_intake),
            dialect,
        )
        self._delete_intake = Prepared(intakes.delete().where(this_intake), dialect)
        self._intake_team = Prepared(select(intakes.c.team_id).where(this_intake), dialect)
        fields = (
            "token",
            "seq",
            "state",
            "data",
            "case_id",
            "team_id",
            "last_update",
            "updated_at",
        )
        self._insert_intake = Prepared(
            insert(intakes).values({name: param(name) for name in ("chat_id", "user_id", *fields)}),
            dialect,
        )
        self._update_intake = Prepared(
            update(intakes).where(this_intake).values({name: param(name) for name in fields}),
            dialect,
        )

    def load_intake(self, chat_id: int, user_id: int) -> IntakeRow | None:
        with self.transaction() as conn:
            row = self._load_intake.run(conn, chat_id=chat_id, user_id=user_id).fetchone()
        if row is None:
            return None
        token, seq, state, raw, case_id, team_id, last_update = tuple(row)
        data = json.loads(raw)
        intake = Intake(
            state=Step(state),
            answers=data["answers"],
            history=data["history"],
            editing=data["editing"],
            pending=data["pending"],
            # Absent from a row saved before they were fields: then they are read from
            # inside its answers (see `IntakeCore`).
            purpose=Purpose(data["purpose"]) if data.get("purpose") else None,
            saved_accounts_offered=data.get("saved_accounts_offered", False),
            message_language=data.get("message_language"),
            signing=data.get("signing", False),
        )
        return IntakeRow(
            intake=intake,
            token=token,
            seq=seq,
            case_id=case_id,
            team_id=team_id,
            last_update=last_update or 0,
        )

    def intake_team(self, chat_id: int, user_id: int) -> int | None:
        """The group whose case the user's intake in this chat answers, if any."""
        with self.transaction() as conn:
            row = self._intake_team.run(conn, chat_id=chat_id, user_id=user_id).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def save_intake(self, chat_id: int, user_id: int, row: IntakeRow) -> None:
        intake = row.intake
        data = json.dumps(
            {
                "answers": intake.answers,
                "history": [str(s) for s in intake.history],
                "editing": intake.editing,
                "pending": intake.pending,
                "purpose": intake.purpose,
                "saved_accounts_offered": intake.saved_accounts_offered,
                "message_language": intake.message_language,
                "signing": intake.signing,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        values = {
            "chat_id": chat_id,
            "user_id": user_id,
            "token": row.token,
            "seq": row.seq,
            "state": str(intake.state),
            "data": data,
            "case_id": row.case_id,
            "team_id": row.team_id,
            "last_update": row.last_update,
            "updated_at": self._driver_time(utcnow()),
        }
        with self.transaction() as conn:
            if row.is_new:
                self._delete_intake.run(conn, chat_id=chat_id, user_id=user_id)
                self._insert_intake.run(conn, **values)
                row.is_new = False
            else:
                self._update_intake.run(conn, **values)

    def has_open_intake(self, chat_id: int, user_id: int) -> bool:
        with self.transaction() as conn:
            state = conn.execute(
                select(intakes.c.state).where(
                    intakes.c.chat_id == chat_id, intakes.c.user_id == user_id
                )
            ).scalar()
        # Questions being answered: not at the verdict, the "change an answer" menu or the
        # ticket question (their case is kept; another case's ticket can be typed then).
        return state is not None and state not in ("done", "cancelled", "review", "edit", "ticket")
