"""The board: a team's cases as a Telegram Mini App, served by the bot's own aiohttp server.

- `GET /board/` the page, `/board/board.js` and `/board/board.css` (plain files shipped in
  the package, no build step, no CDN), with a strict Content-Security-Policy.
- `GET /board/api/cases` the cases of the teams the user belongs to and of their
  private chat, in columns by status, with money totals per column and currency; query
  parameters `team`, `account`, `reason` and `assignee` filter. Each team's newest
  `BOARD_PAGE` cases come first; `shown=N` asks for its newest N (the page's "Show older
  cases" adds a page at a time), and `more` says whether a team has older ones.
- `GET /board/api/case/<token>` what `/case N` shows, and the actions it offers.
- `GET /board/api/chart.png` the /stats chart (all time) of the team chosen with `team`,
  or of all the user's teams and private chat together; 204 when no sent case has an
  amount to draw. Read and drawn off the event loop.
- `POST /board/api/case/<token>` `{"data": "k:<token>:a:3"}` applies one of those actions
  through `FollowUpService.on_button`, with the same permission checks as the chat's
  buttons; a team case's card in its group follows, as after a press there.

Who asks is known only from `Authorization: tma <initData>`, validated as Telegram's
documentation specifies (`bot.telegram.miniapp_auth`). A group counts as the user's team only
while Telegram says they are in it (getChatMember, kept a minute: `Memberships`, exactly
as group buttons are checked).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app.cases.service import FollowUpService
from bot.config import Settings
from bot.db.records import CaseRecord
from bot.telegram.board_listing import BOARD_PAGE, Place, listing, plain
from bot.telegram.handlers import BotData, send_reply
from bot.telegram.miniapp_auth import InitDataError, MiniAppUser, validate
from bot.views import callbacks, i18n
from bot.views.callbacks import Callback, Kind
from bot.views.case_actions import ACTIONS
from bot.views.i18n import _
from bot.views.replies import Who
from bot.views.stats_screens import ChartData, chart_data, render_chart
from conversations.inputs import mask_card_numbers
from conversations.stats import Period, PeriodKey, compute

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static" / "board"
# Scripts, styles, pictures and requests only from this server: no inline script, no
# other origin; only Telegram may frame the page (the Mini App's web view). Pictures may
# also be blob: URLs, the page's own copies of what it fetched with its initData (the
# chart: an <img src> request can't carry the Authorization header).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors https://web.telegram.org https://*.telegram.org"
)
AUTH_SCHEME = "tma "
# Actions the board offers: the status buttons (not "Send a follow-up", whose message is
# for the chat) and "Assign to me".
BOARD_ACTIONS = frozenset(ACTIONS) - {"f"} | {"A"}


ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    404: web.HTTPNotFound,
}


def board_action(callback: Callback | None, token: str) -> bool:
    """Whether `callback` is one of the actions the board offers on the case `token` (its
    button as the chat shows it, at most with the case's version after the action)."""
    return (
        callback is not None
        and callback.kind is Kind.CASE
        and callback.token == token
        and callback.action in BOARD_ACTIONS
        and ":" not in callback.value
    )


def BoardError(status: int, error: str) -> web.HTTPException:
    """A JSON error answer to raise."""
    return ERRORS[status](text=json.dumps({"error": error}), content_type="application/json")


def board_app(
    bot_data: BotData,
    bot: Any,
    bot_token: str,
    max_age: Callable[[], float],
    page: int = BOARD_PAGE,
) -> web.Application:
    """The board's routes; mounted under /board on the public server. `page`: the cases
    of a team shown at first, and added by each "Show older cases"."""
    service = bot_data.service
    followup: FollowUpService = service.followup
    store = service.store

    def user_of(request: web.Request) -> MiniAppUser:
        header = request.headers.get("Authorization", "")
        if not header.startswith(AUTH_SCHEME):
            raise BoardError(401, "initData missing")
        try:
            return validate(header[len(AUTH_SCHEME) :].strip(), bot_token, max_age())
        except InitDataError as error:
            log.warning("Refused a board request from %s: %s", request.remote, error)
            raise BoardError(401, "initData refused") from error

    async def places(user: MiniAppUser) -> list[Place]:
        """The user's private chat, and each group Telegram says they are in now."""
        name = mask_card_numbers(user.first_name)[:255]
        own = Who(
            chat_id=user.id,
            user_id=user.id,
            first_name=name,
            username=user.username,
            is_admin=True,
            language_code=user.language_code,
        )
        found = [Place(user.id, "", own)]
        for team_id, title in await store.run(store.member_teams, user.id):
            if team_id > 0:
                continue
            standing, fresh = await bot_data.members.standing(bot, team_id, user.id)
            who = Who(
                chat_id=team_id,
                user_id=user.id,
                chat_kind="supergroup",
                chat_title=title,
                first_name=name,
                username=user.username,
                is_admin=standing.admin,
                language_code=user.language_code,
            )
            if not standing.member:
                if fresh:
                    await store.run(followup.members_left, team_id, [user.id])
                continue
            if fresh:
                await store.run(service.remember_member, who)
            found.append(Place(team_id, title or str(team_id), who))
        return found

    async def language(user: MiniAppUser) -> str:
        return await store.run(followup.chat_language, user.id, user.language_code)

    async def cases_api(request: web.Request) -> web.Response:
        user = user_of(request)
        teams = await places(user)
        query = dict(request.query)
        with i18n.speaking(await language(user)):
            body = await store.run(listing, store, user, teams, query, page)
        return web.json_response(body)

    async def find(user: MiniAppUser, token: str) -> tuple[Place, CaseRecord]:
        """The case and the place the user sees it from; 404 for anything else (another
        team's case looks exactly like one that doesn't exist)."""
        case = await store.run(store.case_by_token_any, token)
        if case is not None:
            for place in await places(user):
                if followup.visible_case(place.who, token) is not None:
                    return place, case
        raise BoardError(404, "not found")

    def detail(who: Who, case: CaseRecord) -> dict[str, Any]:
        replies = service.show_case(who, str(case.id))
        if not replies:
            raise BoardError(404, "not found")
        reply = replies[0]
        token = case.token
        assert token is not None  # the board finds a case by its token
        actions = [
            {"label": b.label, "data": b.data}
            for row in reply.buttons
            for b in row
            if board_action(callbacks.decode(b.data), token)
        ]
        if followup.may_change(who, case):
            # As the group card offers it.
            mine = callbacks.case(token, "A")
            actions.insert(0, {"label": "🙋 " + _("Assign to me"), "data": mine})
        else:
            actions = []
        return {"id": case.id, "token": case.token, "text": plain(reply.text), "actions": actions}

    async def case_api(request: web.Request) -> web.Response:
        user = user_of(request)
        place, case = await find(user, request.match_info["token"])
        with i18n.speaking(await language(user)):
            body = await store.run_for_chat(place.who.chat_id, detail, place.who, case)
        return web.json_response(body)

    async def act_api(request: web.Request) -> web.Response:
        user = user_of(request)
        token = request.match_info["token"]
        place, case = await find(user, token)
        try:
            data = (await request.json())["data"]
        except Exception as error:  # whatever a malformed body makes the parser raise
            raise BoardError(400, "bad request") from error
        pressed = callbacks.decode(data) if isinstance(data, str) else None
        if pressed is None or not board_action(pressed, token):
            raise BoardError(400, "bad action")
        who = place.who
        with i18n.speaking(await language(user)):
            result = await store.run_for_chat(who.chat_id, followup.on_button, who, pressed)
            fresh = await store.run_for_chat(who.chat_id, store.case_by_token_any, token)
            body = await store.run_for_chat(who.chat_id, detail, who, fresh or case)
        # The team's group card follows the change, as after a press in the chat.
        for reply in result.replies:
            if reply.chat_id is not None and reply.chat_id != user.id:
                try:
                    await send_reply(bot, reply.chat_id, reply, service)
                except Exception:  # the change is saved; a card that can't be edited isn't fatal
                    log.warning("Could not update the card of case %s", case.id, exc_info=True)
        return web.json_response({"toast": result.toast, "case": body})

    def chart_of(teams: list[Place]) -> ChartData | None:
        """What the /stats chart of these teams' cases (all time) draws: their figures from
        the same query and computation as /stats, currencies kept apart."""
        found = [case for place in teams for case in store.stats_cases(place.team_id, None)]
        return chart_data(compute(found, Period(PeriodKey.ALL, None), service.clock()))

    async def chart_api(request: web.Request) -> web.Response:
        user = user_of(request)
        teams = await places(user)
        wanted = request.query.get("team", "")
        if wanted:
            teams = [place for place in teams if str(place.team_id) == wanted]
            if not teams:
                raise BoardError(404, "not found")
        with i18n.speaking(await language(user)):
            if store.is_async:
                chart = await store.run(chart_of, teams)
            else:
                chart = await asyncio.to_thread(chart_of, teams)
            if chart is None:
                return web.Response(status=204)
            # matplotlib takes a few hundred milliseconds a chart: in a thread.
            png = await asyncio.to_thread(render_chart, chart)
        return web.Response(body=png, content_type="image/png")

    def static(name: str, content_type: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        body = (STATIC / name).read_bytes()

        async def serve(request: web.Request) -> web.Response:
            return web.Response(
                body=body,
                content_type=content_type,
                charset="utf-8",
                headers={
                    "Content-Security-Policy": CSP,
                    "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer",
                    "Cache-Control": "no-cache",
                },
            )

        return serve

    @web.middleware
    async def no_store(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        if request.path.startswith("/board/api/"):
            # Case data: never kept by a cache or a proxy.
            response.headers["Cache-Control"] = "no-store"
        return response

    app = web.Application(middlewares=[no_store])
    app.router.add_get("/", static("index.html", "text/html"))
    app.router.add_get("/board.js", static("board.js", "text/javascript"))
    app.router.add_get("/board.css", static("board.css", "text/css"))
    app.router.add_get("/api/cases", cases_api)
    app.router.add_get("/api/chart.png", chart_api)
    app.router.add_get("/api/case/{token}", case_api)
    app.router.add_post("/api/case/{token}", act_api)
    return app


def mount_board(
    app: web.Application,
    bot_data: BotData,
    bot: Any,
    settings: Settings,
    page: int = BOARD_PAGE,
) -> None:
    """Serve the board under /board/ of `app`, checking initData with this bot's token
    (`page`: each team's cases shown at first, and added by "Show older cases")."""
    max_age = float(settings.board_auth_max_age)
    app.add_subapp("/board/", board_app(bot_data, bot, bot.token, lambda: max_age, page))
