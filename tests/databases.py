"""The databases the suite runs on: a fresh SQLite file per test, and (where one is
reachable) a fresh PostgreSQL database per test, copied from a migrated template.

PostgreSQL comes from REFUNDBOT_TEST_POSTGRES_URL (`.ci/run` sets it), else the local
server at 127.0.0.1:5432; without one, the PostgreSQL half of the suite is skipped with
the reason. REFUNDBOT_TEST_DATABASES=sqlite runs the SQLite half only.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Generator
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

from bot.db import schema
from bot.db.engine import make_engine

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
_numbers = itertools.count(1)


def wanted() -> list[str]:
    """The database kinds to run the suite on."""
    names = os.environ.get("REFUNDBOT_TEST_DATABASES", "sqlite,postgresql")
    return [name.strip() for name in names.split(",") if name.strip()]


@dataclass
class PostgresServer:
    """A PostgreSQL server the tests may create and drop databases on."""

    url: str  # SQLAlchemy URL of the database we connect to for CREATE/DROP DATABASE

    @classmethod
    def find(cls) -> PostgresServer | str:
        """The server, or why there is none."""
        url = os.environ.get("REFUNDBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
        try:
            with psycopg.connect(cls._libpq(url), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else "error"
            return (
                f"no PostgreSQL reachable at {make_url(url).render_as_string()} ({first_line}); "
                "set REFUNDBOT_TEST_POSTGRES_URL to run the PostgreSQL half of the suite"
            )
        return cls(url)

    @staticmethod
    def _libpq(url: str) -> str:
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def url_for(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return (
            make_url(self.url)
            .set(drivername=driver, database=database)
            .render_as_string(hide_password=False)
        )

    def execute(self, sql: str) -> None:
        with psycopg.connect(self._libpq(self.url), autocommit=True) as conn:
            conn.execute(sql.encode())  # our own identifiers, never user input

    def create(self, name: str, template: str | None = None) -> None:
        self.drop(name)
        suffix = f" TEMPLATE {template}" if template else ""
        self.execute(f'CREATE DATABASE "{name}"{suffix}')

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def migrated_template(self) -> Generator[str, None, None]:
        """A database at the newest schema, to copy for each test (dropped at the end)."""
        name = f"refundbot_template_{os.getpid()}"
        self.create(name)
        try:
            schema.upgrade(make_engine(self.url_for(name)))
            yield name
        finally:
            self.drop(name)

    def fresh(self, template: str) -> Generator[str, None, None]:
        """A new database copied from `template`, dropped after the test."""
        name = f"refundbot_test_{os.getpid()}_{next(_numbers)}"
        self.create(name, template)
        try:
            yield name
        finally:
            self.drop(name)
