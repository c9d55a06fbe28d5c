"""Fixtures shared by every test tier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app.intake.service import RefundService
from bot.config import Settings
from bot.db.store import Store
from bot.telegram.application import build_application, build_service
from bot.telegram.transport import InProcessBotApi
from bot.views.rendering import Renderer
from conversations.policy import Policy, load_policy
from tests.databases import PostgresServer, wanted
from tests.helpers import DEFAULT_NOW, ChatDriver, Clock


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    """The PostgreSQL server the suite may use (skips the test when there is none)."""
    found = PostgresServer.find()
    if isinstance(found, str):
        pytest.skip(found)
    return found


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> Iterator[str]:
    yield from postgres.migrated_template()


@pytest.fixture
def postgres_database(postgres: PostgresServer, postgres_template: str) -> Iterator[str]:
    """The name of a new, migrated PostgreSQL database for this test alone."""
    yield from postgres.fresh(postgres_template)


@pytest.fixture(params=wanted())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test that touches the database runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'refundbot.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.url_for(request.getfixturevalue("postgres_database"))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        database_url=db_url,
        files_dir=tmp_path / "files",
        telegram_bot_token=None,
    )


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store.open(db_url)
    yield store
    store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(DEFAULT_NOW)


@pytest.fixture
def service(settings: Settings, store: Store, policy: Policy, clock: Clock) -> RefundService:
    return build_service(settings, store=store, policy=policy, clock=clock)


@pytest.fixture
def api() -> InProcessBotApi:
    return InProcessBotApi()


@pytest.fixture
async def app(
    settings: Settings, service: RefundService, api: InProcessBotApi
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = build_application(
        settings, service, request=api, token="123:TEST", rate_limited=False
    )
    async with application:
        yield application


@pytest.fixture
def user(app: Application[Any, Any, Any, Any, Any, Any], api: InProcessBotApi) -> ChatDriver:
    """A user in a private chat with the bot."""
    return ChatDriver(app, api)
