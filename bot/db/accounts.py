"""Teams (a private chat is a team of one, a group is a team) and their ad accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update

from bot.db.base import StoreBase, inserted_id, upsert
from bot.db.engine import utcnow
from bot.db.tables import accounts, teams


class AccountRepository(StoreBase):
    """A chat's team and its ad accounts."""

    def ensure_team(self, team_id: int, kind: str, title: str | None) -> None:
        values = {"id": team_id, "kind": kind, "title": title, "created_at": utcnow()}
        with self.transaction() as conn:
            upsert(conn, teams, values, ["id"])

    def team_title(self, team_id: int) -> str | None:
        with self.transaction() as conn:
            return conn.execute(select(teams.c.title).where(teams.c.id == team_id)).scalar()

    def list_accounts(self, team_id: int) -> list[dict[str, Any]]:
        """The team's ad accounts as intake answer fields, newest first."""
        with self.transaction() as conn:
            rows = conn.execute(
                select(accounts).where(accounts.c.team_id == team_id).order_by(accounts.c.id.desc())
            ).mappings()
            return [_account_fields(row) for row in rows]

    def get_account(self, team_id: int, account_id: int) -> dict[str, Any] | None:
        with self.transaction() as conn:
            row = (
                conn.execute(
                    select(accounts).where(
                        accounts.c.team_id == team_id, accounts.c.id == account_id
                    )
                )
                .mappings()
                .first()
            )
            return None if row is None else _account_fields(row)

    def save_account(self, team_id: int, fields: Mapping[str, Any]) -> int:
        """Insert or update the team's account with this advertiser ID; return its id.

        Only the facts in `fields` are written: one not asked (absent) stays as it was, or
        unknown (NULL) on a new account."""
        columns = {
            "account_name": "name",
            "billing": "billing",
            "in_bc": "in_bc",
            "bc_id": "bc_id",
            "currency": "currency",
            "account_status": "status",
            "paid_via": "paid_via",
            "region": "region",
        }
        values: dict[str, Any] = {"advertiser_id": fields["advertiser_id"]}
        for key, column in columns.items():
            if key in fields:
                value = fields[key]
                values[column] = bool(value) if key == "in_bc" and value is not None else value
        with self.transaction() as conn:
            existing = conn.execute(
                select(accounts.c.id).where(
                    accounts.c.team_id == team_id,
                    accounts.c.advertiser_id == values["advertiser_id"],
                )
            ).scalar()
            if existing is not None:
                conn.execute(update(accounts).where(accounts.c.id == existing).values(**values))
                return int(existing)
            result = conn.execute(
                insert(accounts).values(team_id=team_id, created_at=utcnow(), **values)
            )
            return inserted_id(result)

    def remove_account(self, team_id: int, account_id: int) -> bool:
        with self.transaction() as conn:
            gone = conn.execute(
                accounts.delete().where(accounts.c.team_id == team_id, accounts.c.id == account_id)
            ).rowcount
        return bool(gone)


def _account_fields(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "ref": row["id"],
        "advertiser_id": row["advertiser_id"],
        "account_name": row["name"],
        "billing": row["billing"],
        "in_bc": row["in_bc"],
        "bc_id": row["bc_id"],
        "currency": row["currency"],
        "account_status": row["status"],
        "paid_via": row["paid_via"],
        "region": row["region"],
    }
