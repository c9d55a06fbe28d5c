"""The board in a real browser: Debian's Chromium driven by Playwright, the page and its
API served by the bot's aiohttp code, initData made by the test as Telegram would.

Never downloads a browser (no `playwright install`): without /usr/bin/chromium (or
REFUNDBOT_CHROMIUM) the tests skip and say why. Screenshots go to the test's output
folder; with REFUNDBOT_SCREENSHOTS=1 they are also copied to docs/ for the README.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.board import mount_board
from bot.telegram.miniapp_auth import make_init_data
from bot.telegram.transport import InProcessBotApi
from tests.bot.test_board import ACME, GLOBEX, RITA, TOKEN, teams  # noqa: F401 - a fixture
from tests.helpers import ChatDriver, plain

CHROMIUM = os.environ.get("REFUNDBOT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
DOCS = Path(__file__).resolve().parents[2] / "docs"
LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#999999",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f0f0f0",
    "link_color": "#2481cc",
}
DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
    "link_color": "#6ab3f3",
}

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # the dev extra not installed
    async_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(
        not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
    ),
    pytest.mark.skipif(async_playwright is None, reason="playwright is not installed"),
]


@pytest.fixture
async def board_url(
    app: Application[Any, Any, Any, Any, Any, Any], settings: Settings
) -> AsyncIterator[str]:
    server_app = web.Application()
    mount_board(server_app, app.bot_data, app.bot, settings)
    server = TestServer(server_app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/board/"))
    finally:
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def open_board(
    browser: Browser, url: str, init_data: str | None, theme: dict[str, str] = LIGHT
) -> Page:
    page = await browser.new_page(viewport={"width": 1100, "height": 640})
    fragment = {"tgWebAppThemeParams": json.dumps(theme)}
    if init_data is not None:
        fragment["tgWebAppData"] = init_data
    await page.goto(url + "#" + urlencode(fragment))
    await page.wait_for_selector("body[data-loaded]", state="attached")
    return page


def init_for(user_id: int, auth_date: int | None = None, token: str = TOKEN) -> str:
    return make_init_data(token, {"id": user_id, "first_name": "Rita"}, auth_date=auth_date)


def keep(page_png: Path, name: str) -> None:
    if os.environ.get("REFUNDBOT_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(page_png, DOCS / name)


async def test_a_member_works_the_board_in_chromium(
    browser: Browser,
    board_url: str,
    teams: dict[str, int],  # noqa: F811 - the fixture imported above
    app: Application[Any, Any, Any, Any, Any, Any],
    api: InProcessBotApi,
    tmp_path: Path,
) -> None:
    store = app.bot_data.service.store
    tokens = {name: store.get_case_any(case_id).token for name, case_id in teams.items()}
    page = await open_board(browser, board_url, init_for(RITA))
    assert await page.get_attribute("body", "data-loaded") == "yes"
    for name in ("acme_usd", "acme_eur", "acme_draft", "rita_own"):
        assert await page.locator(f'.card[data-token="{tokens[name]}"]').count() == 1
    # Another team's case is nowhere on the page.
    assert await page.locator(f'.card[data-token="{tokens["globex"]}"]').count() == 0
    assert "999" not in await page.inner_text("#board")
    assert "50.00 EUR" in await page.inner_text('[data-column="waiting"] .totals')
    # The /stats chart of all her cases, under the columns: fetched with the initData and
    # shown through a blob: URL, which the page's CSP allows.
    await expect(page.locator('#chart-box[data-state="shown"]')).to_be_visible()
    first_chart = await page.get_attribute("#chart", "src")
    assert first_chart is not None and first_chart.startswith("blob:")
    assert await page.evaluate("document.getElementById('chart').naturalWidth") > 600
    light = tmp_path / "board-light.png"
    await page.screenshot(path=str(light), full_page=True)
    keep(light, "board-light.png")

    # The team filter redraws the chart for that team.
    await page.select_option('select[name="team"]', str(ACME))
    await expect(page.locator("#chart")).not_to_have_attribute("src", first_chart)
    await expect(page.locator('#chart-box[data-state="shown"]')).to_be_visible()
    await page.select_option('select[name="team"]', "")

    # Filters: one reason.
    await page.select_option('select[name="reason"]', "after_pause")
    # Waits through Playwright's own locators: the page's CSP (script-src 'self') refuses
    # the string evaluation wait_for_function would use.
    await expect(page.locator(".card")).to_have_count(1)
    assert await page.locator(f'.card[data-token="{tokens["acme_eur"]}"]').count() == 1

    # Open a case and record an outcome.
    await page.click(f'.card[data-token="{tokens["acme_eur"]}"]')
    await page.wait_for_selector('#case-actions button[data-action="a"]')
    assert f"#{teams['acme_eur']}" in await page.inner_text("#case-text")
    await page.click('#case-actions button[data-action="a"]')
    await expect(page.locator("#toast")).not_to_have_text("")
    assert store.get_case(ACME, teams["acme_eur"]).status == "approved"
    member = ChatDriver(app, api, user_id=RITA, chat_id=ACME, first_name="Rita")
    await member.send(f"/case {teams['acme_eur']}")
    assert "Approved" in plain(member.last_text())
    await page.close()

    dark_page = await open_board(browser, board_url, init_for(RITA), theme=DARK)
    background = await dark_page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    await expect(dark_page.locator('#chart-box[data-state="shown"]')).to_be_visible()
    dark = tmp_path / "board-dark.png"
    await dark_page.screenshot(path=str(dark), full_page=True)
    keep(dark, "board-dark.png")


async def test_older_cases_are_shown_with_the_more_button(
    browser: Browser,
    app: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    teams: dict[str, int],  # noqa: F811 - the fixture imported above
) -> None:
    """With two cases a page, Acme's oldest case is not on the board at first; "Show older
    cases" brings it (and the column's total follows), then the button goes away."""
    store = app.bot_data.service.store
    oldest = store.get_case_any(teams["acme_usd"]).token
    server_app = web.Application()
    mount_board(server_app, app.bot_data, app.bot, settings, page=2)
    server = TestServer(server_app, host="127.0.0.1")
    await server.start_server()
    try:
        page = await open_board(browser, str(server.make_url("/board/")), init_for(RITA))
        assert await page.locator(".card").count() == 3
        assert await page.locator(f'.card[data-token="{oldest}"]').count() == 0
        await expect(page.locator("#more")).to_be_visible()
        await page.click("#more")
        await expect(page.locator(f'.card[data-token="{oldest}"]')).to_have_count(1)
        await expect(page.locator(".card")).to_have_count(4)
        await expect(page.locator("#more")).to_be_hidden()
        assert "199.90 USD" in await page.inner_text('[data-column="waiting"] .totals')
        await page.close()
    finally:
        await server.close()


@pytest.mark.parametrize("kind", ["stale", "forged", "missing"])
async def test_the_board_refuses_bad_init_data(
    browser: Browser,
    board_url: str,
    teams: dict[str, int],  # noqa: F811 - the fixture imported above
    kind: str,
) -> None:
    init_data = {
        "stale": init_for(RITA, auth_date=int(time.time()) - 2 * 3600),
        "forged": init_for(RITA, token="999:ANOTHER-BOT"),
        "missing": None,
    }[kind]
    page = await open_board(browser, board_url, init_data)
    assert await page.get_attribute("body", "data-loaded") == "refused"
    assert await page.locator(".card").count() == 0
    assert "expired" in await page.inner_text("#notice")
