"""What the next message or button of a user in a chat is for, beside their intake: one
table, `pending_inputs`, keyed by (chat, user, kind) (revision 0011 moved `case_inputs`
and `pending_imports` into it).

Two kinds of question can wait for a user's answer in a chat:

- "case": a case already sent asked for its ticket number, more evidence or the refunded
  amount (`case_id`, `what`). It takes the next typed text or file (`on_case_text`,
  `on_case_file` in bot/app/cases/inputs.py), once no intake question takes it first.
- "import": an uploaded billing export waits for which account, or which column, it is
  (`payload`: the file's Telegram id and name, the account once known, the columns
  answered, the question). It takes the import's buttons (`m:imp:*`) and the account an
  account-only intake saves; never typed text or files.

Why one row per kind, not one row per (chat, user): the two answer different inputs and
today (before 0011 too) both may wait at once, and each must keep waiting while the other
is answered. A user whose export waits for a column taps "Ticket number" on a case, types
the ticket, then answers the column question; or with "Ticket number" asked, sends an
export whose account must be picked, picks it, then types the ticket. One row in all would
make the second question cancel the first. So each (chat, user) has at most one question
of each kind, a new one of a kind replaces the old one of that kind (as a new row of
either old table did), and a case deleted takes its question with it (ON DELETE CASCADE).

The intake is not a kind here. Its row (bot/db/intakes.py) is the intake aggregate itself,
its machine state, read and written on every update by one precompiled primary-key
statement (the hot path); it answers text first while it asks a question, and only a
message it doesn't take is looked up here, with one primary-key read, as before. So an
intake and a question here can coexist, as they did: an import waits for its account while
an account-only intake asks the account's questions (its end hands the account to the
import, `account_saved`), and "Partly refunded" asks the amount whatever the intake does;
"Ticket number" and "Add evidence" are refused while an intake asks its questions
(`has_open_intake`), and starting an intake or sending its case drops the case question
(`clear_case_input`), never the import's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ClauseElement, ColumnElement, and_, insert, select

from bot.db.base import StoreBase
from bot.db.engine import param, prepared, utcnow
from bot.db.tables import pending_inputs

CASE = "case"
IMPORT = "import"
# What an import's payload holds (the columns of the old `pending_imports`).
_IMPORT_FIELDS = ("file_id", "filename", "account_id", "mapping", "question")


class PendingInputRepository(StoreBase):
    """The questions waiting for a user's answer in a chat, one per kind."""

    def _put_pending(self, chat_id: int, user_id: int, kind: str, **values: Any) -> None:
        """The question of this kind now waiting (the earlier one of its kind replaced)."""
        with self.transaction() as conn:
            conn.execute(pending_inputs.delete().where(_pending(chat_id, user_id, kind)))
            conn.execute(
                insert(pending_inputs).values(
                    chat_id=chat_id, user_id=user_id, kind=kind, created_at=utcnow(), **values
                )
            )

    def _get_pending(self, chat_id: int, user_id: int, kind: str) -> dict[str, Any] | None:
        with self.transaction() as conn:
            row = (
                conn.execute(
                    select(
                        pending_inputs.c.case_id, pending_inputs.c.what, pending_inputs.c.payload
                    ).where(_pending(chat_id, user_id, kind))
                )
                .mappings()
                .first()
            )
        return None if row is None else dict(row)

    # A case's question: its ticket number, more evidence, the refunded amount.

    def set_case_input(self, chat_id: int, user_id: int, case_id: int, what: str) -> None:
        self._put_pending(chat_id, user_id, CASE, case_id=case_id, what=what)

    def case_input(self, chat_id: int, user_id: int) -> tuple[int, str] | None:
        row = self._get_pending(chat_id, user_id, CASE)
        return None if row is None else (int(row["case_id"]), str(row["what"]))

    def clear_case_input(self, chat_id: int, user_id: int) -> None:
        with self.transaction() as conn:
            prepared(conn, _clear_statement).run(conn, chat_id=chat_id, user_id=user_id, kind=CASE)

    # An import's question: which account, which column.

    def save_pending_import(
        self,
        chat_id: int,
        user_id: int,
        *,
        file_id: str,
        filename: str,
        account_id: int | None,
        mapping: dict[str, str],
        question: dict[str, Any] | None,
    ) -> None:
        payload = {
            "file_id": file_id,
            "filename": filename,
            "account_id": account_id,
            "mapping": mapping,
            "question": question,
        }
        self._put_pending(chat_id, user_id, IMPORT, payload=payload)

    def pending_import(self, chat_id: int, user_id: int) -> dict[str, Any] | None:
        """The waiting import: its file_id, filename, account_id, mapping and question."""
        row = self._get_pending(chat_id, user_id, IMPORT)
        if row is None:
            return None
        payload = row["payload"] or {}
        return {name: payload.get(name) for name in _IMPORT_FIELDS}

    def clear_pending_import(self, chat_id: int, user_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(pending_inputs.delete().where(_pending(chat_id, user_id, IMPORT)))


def _pending(chat_id: int, user_id: int, kind: str) -> ColumnElement[bool]:
    return and_(
        pending_inputs.c.chat_id == chat_id,
        pending_inputs.c.user_id == user_id,
        pending_inputs.c.kind == kind,
    )


def _clear_statement() -> ClauseElement:
    """A question of one kind waiting for the user's answer is dropped (every intake that
    starts drops the case's, `clear_case_input`: compiled once)."""
    return pending_inputs.delete().where(
        (pending_inputs.c.chat_id == param("chat_id"))
        & (pending_inputs.c.user_id == param("user_id"))
        & (pending_inputs.c.kind == param("kind"))
    )
