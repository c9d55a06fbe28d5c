"""An ad account's charges (`transactions`): typed into a case or imported from a billing
export, and the reads that let a person pick one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ClauseElement, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from bot.db.base import StoreBase, inserted_id
from bot.db.engine import param, prepared
from bot.db.tables import transactions
from conversations.billing import FAILED, REFUND, ChargeRow


class ChargeRepository(StoreBase):
    """The charges of an account."""

    def transaction_fingerprints(self, account_id: int) -> set[str]:
        """The fingerprints of the account's stored charges (imported ones have one)."""
        with self.transaction() as conn:
            return {
                fp
                for (fp,) in conn.execute(
                    select(transactions.c.fingerprint).where(
                        transactions.c.account_id == account_id,
                        transactions.c.fingerprint.is_not(None),
                    )
                )
            }

    def add_transactions(self, account_id: int, rows: list[ChargeRow], now: datetime) -> None:
        """Insert imported rows as they are (the caller left out those already stored)."""
        if not rows:
            return
        with self.transaction() as conn:
            # A charge typed into a case earlier and now imported (same document number) is
            # one charge: the typed row takes the export's details, the case keeps it.
            documents = {r.document for r in rows if r.document and r.kind != REFUND}
            typed = (
                {
                    str(number): int(i)
                    for i, number in conn.execute(
                        select(transactions.c.id, transactions.c.invoice_number).where(
                            transactions.c.account_id == account_id,
                            transactions.c.source == "typed",
                            transactions.c.fingerprint.is_(None),
                            transactions.c.invoice_number.in_(sorted(documents)),
                        )
                    )
                }
                if documents
                else {}
            )
            fresh = []
            for row in rows:
                values = _transaction_values(account_id, row, now)
                merged = (
                    typed.pop(row.document, None) if row.document and row.kind != REFUND else None
                )
                if merged is None:
                    fresh.append(values)
                    continue
                del values["created_at"], values["campaign_ids"]
                conn.execute(
                    update(transactions).where(transactions.c.id == merged).values(**values)
                )
            if fresh:
                conn.execute(insert(transactions), fresh)

    def transaction_ids(self, account_id: int, fingerprints: set[str]) -> dict[str, int]:
        """The ids of the account's stored charges with these fingerprints."""
        if not fingerprints:
            return {}
        with self.transaction() as conn:
            found = conn.execute(
                select(transactions.c.fingerprint, transactions.c.id).where(
                    transactions.c.account_id == account_id,
                    transactions.c.fingerprint.in_(sorted(fingerprints)),
                )
            )
            return {str(fp): int(i) for fp, i in found}

    def transaction_rows(self, account_id: int, ids: list[int]) -> list[dict[str, Any]]:
        with self.transaction() as conn:
            rows = conn.execute(
                select(transactions)
                .where(transactions.c.account_id == account_id, transactions.c.id.in_(ids))
                .order_by(transactions.c.happened_on, transactions.c.happened_at_time)
            ).mappings()
            return [dict(r) for r in rows]

    def list_transactions(
        self,
        account_id: int,
        *,
        month: str | None,
        offset: int,
        limit: int,
        amount: str | None = None,
        charges_only: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """Imported and typed charges of an account, newest first (optionally one month,
        "YYYY-MM", or one amount), a page at a time, with the total. `charges_only` leaves
        out failed payments: they took no money, so there is nothing to dispute."""
        where = _pickable(account_id, charges_only)
        if month:
            where.append(transactions.c.happened_on.like(f"{month}-%"))
        if amount:
            where.append(transactions.c.amount == amount)
        with self.transaction() as conn:
            total = conn.execute(
                select(func.count()).select_from(transactions).where(*where)
            ).scalar_one()
            rows = conn.execute(
                select(transactions)
                .where(*where)
                .order_by(
                    transactions.c.happened_on.desc(),
                    transactions.c.happened_at_time.desc(),
                    transactions.c.id.desc(),
                )
                .offset(offset)
                .limit(limit)
            ).mappings()
            return [dict(r) for r in rows], int(total)

    def has_transactions(self, account_id: int) -> bool:
        with self.transaction() as conn:
            statement = prepared(conn, _has_transactions_statement)
            row = statement.run(conn, account_id=account_id).fetchone()
            return bool(row[0])

    def frequent_amounts(
        self, account_id: int, *, month: str | None, limit: int, charges_only: bool = False
    ) -> list[tuple[str, str]]:
        """(amount, currency) charged most often (in a month), for quick filters."""
        where = _pickable(account_id, charges_only)
        if month:
            where.append(transactions.c.happened_on.like(f"{month}-%"))
        with self.transaction() as conn:
            rows = conn.execute(
                select(transactions.c.amount, transactions.c.currency)
                .where(*where)
                .group_by(transactions.c.amount, transactions.c.currency)
                .order_by(func.count().desc(), transactions.c.amount)
                .limit(limit)
            ).all()
        return [(str(r.amount), str(r.currency)) for r in rows]

    def transaction_months(self, account_id: int, *, charges_only: bool = False) -> list[str]:
        """The months ("YYYY-MM") an account has charges in, newest first."""
        month = func.substr(transactions.c.happened_on, 1, 7)
        with self.transaction() as conn:
            rows = conn.execute(
                select(month)
                .where(*_pickable(account_id, charges_only))
                .group_by(month)
                .order_by(month.desc())
            ).all()
        return [str(r[0]) for r in rows if r[0]]


def save_typed_charge(
    conn: Connection, answers: Mapping[str, Any], now: datetime, transaction_id: int | None
) -> int | None:
    """Keep a typed-in charge as a transaction of the account (updated when corrected)."""
    if answers.get("account_ref") is None or answers.get("charge_date") is None:
        return transaction_id
    values = {
        "account_id": answers["account_ref"],
        "happened_on": answers["charge_date"],
        "happened_at_time": answers.get("charge_time"),
        "amount": answers["amount"],
        "currency": answers["amount_currency"],
        "card_last4": answers.get("card_last4"),
        "invoice_number": answers.get("invoice_number"),
        "campaign_ids": answers.get("campaign_ids"),
    }
    if transaction_id is not None:
        conn.execute(
            update(transactions).where(transactions.c.id == transaction_id).values(**values)
        )
        return transaction_id
    if values["invoice_number"]:
        # A charge picked from the imported ones (or imported before it was typed) is that
        # row, not a second one: the list of charges shows each charge once.
        known = conn.execute(
            select(transactions.c.id)
            .where(
                transactions.c.account_id == values["account_id"],
                transactions.c.invoice_number == values["invoice_number"],
                transactions.c.amount == values["amount"],
            )
            .order_by(transactions.c.id)
            .limit(1)
        ).scalar()
        if known is not None:
            return int(known)
    result = conn.execute(insert(transactions).values(source="typed", created_at=now, **values))
    return inserted_id(result)


def _pickable(account_id: int, charges_only: bool) -> list[ColumnElement[bool]]:
    """The account's transactions; with `charges_only`, not the failed payments."""
    where: list[ColumnElement[bool]] = [transactions.c.account_id == account_id]
    if charges_only:
        where.append(or_(transactions.c.status.is_(None), transactions.c.status != FAILED))
    return where


def _transaction_values(account_id: int, row: ChargeRow, now: datetime) -> dict[str, Any]:
    """An imported row as the transactions table stores it."""
    return {
        "account_id": account_id,
        "happened_on": row.happened_at.date().isoformat(),
        "happened_at_time": row.happened_at.strftime("%H:%M"),
        "amount": str(row.amount),
        "currency": row.currency,
        "card_last4": row.card_last4,
        "invoice_number": row.document,
        "status": row.status,
        "campaign_ids": None,
        "source": "imported",
        "kind": row.kind,
        "payment_method": row.payment_method,
        "fingerprint": row.fingerprint,
        "created_at": now,
    }


def _has_transactions_statement() -> ClauseElement:
    """Whether an account has any transaction (`has_transactions`)."""
    return select(exists().where(transactions.c.account_id == param("account_id")))
