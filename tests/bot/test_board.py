"""The board's JSON API over HTTP (aiohttp's test client), as the Mini App page calls it:
initData in the Authorization header, teams checked with Telegram, actions through the
chat buttons' service."""

from __future__ import annotations

import io
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram.ext import Application

from bot.app.cases.service import FollowUpService
from bot.config import Settings
from bot.telegram.board import CSP, mount_board
from bot.telegram.miniapp_auth import InitDataError, make_init_data, validate
from bot.telegram.transport import InProcessBotApi
from tests.helpers import DEFAULT_NOW, ChatDriver, plain
from tests.stored_cases import ACCOUNT, ANSWERS

TOKEN = "123:TEST"  # the `app` fixture's bot token
RITA, OMAR, STRANGER = 4242, 5353, 6464
ACME, GLOBEX = -100111, -100222


def make_case(
    followup: FollowUpService,
    team_id: int,
    owner: int,
    *,
    reason: str = "duplicate",
    amount: str = "189.90",
    currency: str = "USD",
    advertiser: str = ACCOUNT["advertiser_id"],
    sent: bool = True,
    title: str = "",
) -> int:
    """A case as the bot makes one, in a group's team or a private chat."""
    store = followup.store
    kind = "private" if team_id > 0 else "supergroup"
    store.ensure_team(team_id, kind, title or None)
    account = {**ACCOUNT, "advertiser_id": advertiser}
    ref = store.save_account(team_id, account)
    answers = {**ANSWERS, **account, "account_ref": ref, "reason": reason}
    answers.update(amount=amount, amount_currency=currency, amount_text=f"{amount} {currency}")
    case_id = store.save_draft_case(
        case_id=None,
        team_id=team_id,
        owner_user_id=owner,
        answers=answers,
        outcome="eligible",
        situation="duplicate_charge",
        policy_version=followup.policy.version,
        subject="Duplicate charge",
        message="Hello TikTok",
        now=DEFAULT_NOW - timedelta(minutes=3),
    )
    if sent:
        track = store.load_track(case_id)
        track.send(DEFAULT_NOW, owner, followup.schedule(team_id))
        store.save_track(case_id, team_id, track)
        store.set_case_ticket(case_id, team_id, f"TT-{case_id:08d}", DEFAULT_NOW)
    return case_id


def tma(user_id: int, auth_date: int | None = None, token: str = TOKEN) -> dict[str, str]:
    user = {"id": user_id, "first_name": f"User{user_id}"}
    return {"Authorization": "tma " + make_init_data(token, user, auth_date=auth_date)}


@pytest.fixture
async def client(
    app: Application[Any, Any, Any, Any, Any, Any], settings: Settings
) -> AsyncIterator[TestClient[Any, Any]]:
    server = web.Application()
    mount_board(server, app.bot_data, app.bot, settings)
    async with TestClient(TestServer(server)) as test_client:
        yield test_client


@pytest.fixture
def teams(app: Application[Any, Any, Any, Any, Any, Any], api: InProcessBotApi) -> dict[str, int]:
    """Rita is in Acme's group; Omar in Globex's; each has a private case too."""
    followup: FollowUpService = app.bot_data.service.followup
    store = followup.store
    ids = {
        "acme_usd": make_case(followup, ACME, RITA, title="Acme"),
        "acme_eur": make_case(
            followup,
            ACME,
            RITA,
            reason="after_pause",
            amount="50.00",
            currency="EUR",
            advertiser="7289000099998888",
            title="Acme",
        ),
        "acme_draft": make_case(followup, ACME, RITA, sent=False, title="Acme"),
        "globex": make_case(followup, GLOBEX, OMAR, amount="999.00", title="Globex"),
        "rita_own": make_case(followup, RITA, RITA, amount="10.00"),
    }
    store.remember_member(ACME, RITA, "Rita", None)
    store.remember_member(GLOBEX, OMAR, "Omar", None)
    api.set_member(ACME, RITA)
    api.set_member(GLOBEX, OMAR)
    return ids


def all_ids(body: dict[str, Any]) -> set[int]:
    return {c["id"] for column in body["columns"] for c in column["cases"]}


async def cases(client: TestClient[Any, Any], user: int, query: str = "") -> dict[str, Any]:
    response = await client.get(f"/board/api/cases{query}", headers=tma(user))
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = await response.json()
    return body


async def test_a_member_sees_their_teams_and_private_cases_not_anothers(
    client: TestClient[Any, Any], teams: dict[str, int]
) -> None:
    body = await cases(client, RITA)
    assert all_ids(body) == {
        teams["acme_usd"],
        teams["acme_eur"],
        teams["acme_draft"],
        teams["rita_own"],
    }
    columns = {c["key"]: c for c in body["columns"]}
    assert [c["id"] for c in columns["drafted"]["cases"]] == [teams["acme_draft"]]
    # Currencies are never added together.
    assert columns["waiting"]["totals"] == ["50.00 EUR", "199.90 USD"]
    assert all_ids(await cases(client, OMAR)) == {teams["globex"]}


async def test_someone_who_left_the_group_no_longer_sees_its_cases(
    client: TestClient[Any, Any], teams: dict[str, int], api: InProcessBotApi
) -> None:
    api.set_member(ACME, RITA, "left", is_member=False)
    assert all_ids(await cases(client, RITA)) == {teams["rita_own"]}


async def test_a_stranger_sees_nothing(
    client: TestClient[Any, Any], teams: dict[str, int], api: InProcessBotApi
) -> None:
    body = await cases(client, STRANGER)
    assert all_ids(body) == set()
    response = await client.get("/board/api/case/" + "x" * 10, headers=tma(STRANGER))
    assert response.status == 404


async def test_filters(client: TestClient[Any, Any], teams: dict[str, int]) -> None:
    body = await cases(client, RITA, "?reason=after_pause")
    assert all_ids(body) == {teams["acme_eur"]}
    body = await cases(client, RITA, "?account=7289000099998888")
    assert all_ids(body) == {teams["acme_eur"]}
    body = await cases(client, RITA, f"?team={RITA}")
    assert all_ids(body) == {teams["rita_own"]}
    assert {o["value"] for o in body["filters"]["team"]} == {str(ACME), str(RITA)}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        tma(RITA, auth_date=int(time.time()) - 2 * 3600),
        tma(RITA, token="999:ANOTHER-BOT"),
    ],
    ids=["missing", "wrong scheme", "stale", "forged"],
)
async def test_without_valid_init_data_nothing_is_shown(
    client: TestClient[Any, Any], teams: dict[str, int], headers: dict[str, str]
) -> None:
    response = await client.get("/board/api/cases", headers=headers)
    assert response.status == 401
    assert "columns" not in await response.json()


async def test_another_teams_case_is_not_found_nor_changed(
    client: TestClient[Any, Any],
    app: Application[Any, Any, Any, Any, Any, Any],
    teams: dict[str, int],
) -> None:
    store = app.bot_data.service.store
    token = store.get_case(GLOBEX, teams["globex"]).token
    assert (await client.get(f"/board/api/case/{token}", headers=tma(RITA))).status == 404
    response = await client.post(
        f"/board/api/case/{token}", headers=tma(RITA), json={"data": f"k:{token}:a"}
    )
    assert response.status == 404
    assert store.get_case(GLOBEX, teams["globex"]).status == "awaiting_reply"


async def test_an_outcome_recorded_on_the_board_shows_in_the_chats_case(
    client: TestClient[Any, Any],
    app: Application[Any, Any, Any, Any, Any, Any],
    api: InProcessBotApi,
    teams: dict[str, int],
) -> None:
    store = app.bot_data.service.store
    case_id = teams["acme_usd"]
    token = store.get_case(ACME, case_id).token
    shown = await (await client.get(f"/board/api/case/{token}", headers=tma(RITA))).json()
    assert f"#{case_id}" in shown["text"]
    approve = next(a for a in shown["actions"] if a["data"].split(":")[2] == "a")
    response = await client.post(
        f"/board/api/case/{token}", headers=tma(RITA), json={"data": approve["data"]}
    )
    assert response.status == 200, await response.text()
    assert store.get_case(ACME, case_id).status == "approved"
    # The group's /case N says so, as after the button in the chat.
    member = ChatDriver(app, api, user_id=RITA, chat_id=ACME, first_name="Rita")
    await member.send(f"/case {case_id}")
    assert "Approved" in plain(member.last_text())
    # A forged action (not one the case offers) is refused without a change.
    response = await client.post(
        f"/board/api/case/{token}", headers=tma(RITA), json={"data": f"k:{token}:f"}
    )
    assert response.status == 400


async def test_older_cases_come_a_page_at_a_time(
    app: Application[Any, Any, Any, Any, Any, Any], settings: Settings, teams: dict[str, int]
) -> None:
    """Each team's newest `page` cases first, and `more` while a team has older ones;
    `shown` asks for more (rounded up to whole pages); a bad `shown` is the first page."""
    server = web.Application()
    mount_board(server, app.bot_data, app.bot, settings, page=2)
    async with TestClient(TestServer(server)) as paged:
        first = await cases(paged, RITA)
        # Acme's two newest (the draft and the EUR case) and Rita's own: not Acme's first.
        assert all_ids(first) == {teams["acme_draft"], teams["acme_eur"], teams["rita_own"]}
        assert first["more"] is True and first["shown"] == 2 and first["page"] == 2
        both = await cases(paged, RITA, "?shown=3")
        assert both["shown"] == 4 and both["more"] is False
        assert teams["acme_usd"] in all_ids(both)

        # The totals are of what is shown: Rita's own 10.00 USD, then Acme's 189.90 too.
        def waiting(body: dict[str, Any]) -> list[str]:
            column = next(c for c in body["columns"] if c["key"] == "waiting")
            return list(column["totals"])

        assert waiting(first) == ["50.00 EUR", "10.00 USD"]
        assert waiting(both) == ["50.00 EUR", "199.90 USD"]
        for junk in ("?shown=-1", "?shown=abc", "?shown=٣", "?shown=99999999999"):
            assert (await cases(paged, RITA, junk))["shown"] == 2


async def test_the_chart_is_the_stats_chart_of_the_chosen_team_for_members_only(
    client: TestClient[Any, Any], teams: dict[str, int]
) -> None:
    """GET /board/api/chart.png: the /stats chart (a PNG) of all Rita's cases, or of one
    team she is in; another team's is refused like a team that doesn't exist, initData is
    required, and someone with no sent case with an amount gets 204 (nothing to draw)."""
    whole = await client.get("/board/api/chart.png", headers=tma(RITA))
    assert whole.status == 200 and whole.content_type == "image/png"
    assert whole.headers["Cache-Control"] == "no-store"
    everything = await whole.read()
    assert everything.startswith(b"\x89PNG")
    acme = await client.get(f"/board/api/chart.png?team={ACME}", headers=tma(RITA))
    assert acme.status == 200
    assert (await acme.read()) != everything  # Acme's cases alone draw another chart
    assert (
        await client.get(f"/board/api/chart.png?team={GLOBEX}", headers=tma(RITA))
    ).status == 404
    assert (await client.get("/board/api/chart.png")).status == 401
    assert (await client.get("/board/api/chart.png", headers=tma(STRANGER))).status == 204


async def test_the_page_has_a_strict_content_security_policy(
    client: TestClient[Any, Any],
) -> None:
    for path in ("/board/", "/board/board.js", "/board/board.css"):
        response = await client.get(path)
        assert response.status == 200
        assert response.headers["Content-Security-Policy"] == CSP
    page = await (await client.get("/board/")).text()
    assert "<script>" not in page and "telegram.org" not in page
    assert "default-src 'self'" in CSP and "unsafe-inline" not in CSP
    # Pictures: this server's, and the page's own blob: copies (the chart), nothing else.
    assert "img-src 'self' data: blob:;" in CSP and "*" not in CSP.split("img-src")[1].split(";")[0]


async def test_board_in_private_gives_a_mini_app_button_or_says_why_not(
    app: Application[Any, Any, Any, Any, Any, Any], api: InProcessBotApi
) -> None:
    user = ChatDriver(app, api)
    await user.send("/board")
    assert "HTTPS" in user.last_text()
    app.bot_data.board_url = "https://bot.example.com/board/"
    calls = await user.send("/board")
    markup = calls[-1].params["reply_markup"]
    assert "https://bot.example.com/board/" in str(markup) and "web_app" in str(markup)


async def test_the_terminal_prints_a_local_link_signed_for_its_user(
    settings: Settings, tmp_path: Path
) -> None:
    """BOARD_DEV_LINK: the terminal chat's /board gives a local link whose initData the
    board accepts for the terminal's user (and only within the allowed age)."""
    from bot.telegram.application import build_service
    from bot.telegram.terminal import TERMINAL_USER_ID, run_terminal

    dev = settings.model_copy(update={"board_dev_link": True, "http_port": 0})
    service = build_service(dev)
    out = io.StringIO()
    try:
        await run_terminal(dev, service, stdin=io.StringIO("/board\n"), stdout=out)
    finally:
        service.store.close()
    found = re.search(r"(http://127\.0\.0\.1:\d+/board/)#(\S+)", out.getvalue())
    assert found, out.getvalue()
    init_data = parse_qs(found.group(2))["tgWebAppData"][0]
    user = validate(init_data, "terminal", dev.board_auth_max_age)
    assert user.id == TERMINAL_USER_ID
    with pytest.raises(InitDataError):
        validate(init_data, "terminal", dev.board_auth_max_age, now=time.time() + 3601)
