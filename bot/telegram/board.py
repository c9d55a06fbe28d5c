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
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app.followup import ACTIONS, CASE_PREFIX, FollowUpService, _status_of
from bot.config import Settings
from bot.db.records import CaseRecord
from bot.telegram.handlers import BotData, send_reply
from bot.telegram.miniapp_auth import InitDataError, MiniAppUser, validate
from bot.views import i18n, labels
from bot.views.formats import money
from bot.views.i18n import _
from bot.views.replies import Who, account_label
from bot.views.stats_screens import ChartData, chart_data, render_chart
from conversations.cases import CaseStatus
from conversations.inputs import mask_card_numbers
from conversations.stats import Period, PeriodKey, compute
from conversations.texts import N_

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
# A team's newest cases the board shows at first, and how many more each "Show older
# cases" adds (the chat's /cases shows 20); at most BOARD_MOST_PAGES pages.
BOARD_PAGE = 2000
BOARD_MOST_PAGES = 50
# Actions the board offers: the status buttons (not "Send a follow-up", whose message is
# for the chat) and "Assign to me".
BOARD_ACTIONS = frozenset(ACTIONS) - {"f"} | {"A"}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("drafted", N_("Drafted")),
    ("waiting", N_("Waiting for TikTok")),
    ("overdue", N_("Overdue")),
    ("approved", N_("Approved")),
    ("closed", N_("Refunded / denied")),
)
COLUMN_OF: dict[CaseStatus, str] = {
    CaseStatus.DRAFTED: "drafted",
    CaseStatus.SENT: "waiting",
    CaseStatus.AWAITING_REPLY: "waiting",
    CaseStatus.FOLLOWED_UP: "waiting",
    CaseStatus.ANSWERED: "waiting",
    CaseStatus.OVERDUE: "overdue",
    CaseStatus.APPROVED: "approved",
    CaseStatus.REFUNDED: "closed",
    CaseStatus.PARTLY_REFUNDED: "closed",
    CaseStatus.DENIED: "closed",
    CaseStatus.CLOSED: "closed",
}
# The page's own words, translated here so the page needs no catalogue.
PAGE_TEXTS: dict[str, str] = {
    "team": N_("Team"),
    "account": N_("Ad account"),
    "reason": N_("Reason"),
    "assignee": N_("Assignee"),
    "all": N_("All"),
    "private": N_("My private chat"),
    "empty": N_("No cases here."),
    "refused": N_("Open the board from the bot in Telegram (the link has expired)."),
    "chart": N_("Chart: money asked and recovered by month, approvals by reason"),
    "more": N_("Show older cases"),
}
# A filter's query parameter → the card's field it compares.
FILTER_FIELDS = {
    "team": "team_id",
    "account": "account_id",
    "reason": "reason_key",
    "assignee": "assignee_id",
}
_TAGS = re.compile(r"<[^>]+>")


def whole(text: str | None, default: int) -> int:
    """A query's count (ASCII digits, at most seven), else `default`."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 7:
        return default
    return int(text)


def plain(text: str) -> str:
    """Telegram HTML as plain text (the page shows it as text, never as markup)."""
    return html.unescape(_TAGS.sub("", text))


@dataclass(frozen=True)
class Place:
    """A team the user may see on the board, and the `Who` its actions are taken as."""

    team_id: int
    title: str
    who: Who


ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    404: web.HTTPNotFound,
}


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

    def listing(user: MiniAppUser, teams: list[Place], query: dict[str, str]) -> dict[str, Any]:
        wanted_pages = -(-whole(query.get("shown"), page) // page)  # rounded up
        newest = page * min(max(wanted_pages, 1), BOARD_MOST_PAGES)
        cards: list[dict[str, Any]] = []
        more = False
        for place in teams:
            names = store.member_names(place.team_id)
            # One more than asked for: whether the team has older cases.
            found = store.list_cases(place.team_id, limit=newest + 1)
            more = more or len(found) > newest
            for case in found[:newest]:
                card = _card(case, place, names)
                if card is not None:
                    cards.append(card)
        options = {
            "team": sorted({(c["team_id"], c["team"]) for c in cards}),
            "account": sorted({(c["account_id"], c["account"]) for c in cards if c["account_id"]}),
            "reason": sorted({(c["reason_key"], c["reason"]) for c in cards}),
            "assignee": sorted({(c["assignee_id"], c["assignee"]) for c in cards if c["assignee"]}),
        }
        wanted = {k: query[k] for k in ("team", "account", "reason", "assignee") if query.get(k)}
        shown = [
            c
            for c in cards
            if all(
                str(c[f"{k}_id" if k != "reason" else "reason_key"]) == v for k, v in wanted.items()
            )
        ]
        columns = []
        for key, title in COLUMNS:
            inside = [c for c in shown if c["column"] == key]
            totals: dict[str, Decimal] = {}
            for c in inside:
                if c["amount"] is not None and c["currency"]:
                    totals[c["currency"]] = totals.get(c["currency"], Decimal(0)) + c["amount"]
            columns.append(
                {
                    "key": key,
                    "title": _(title),
                    "count": len(inside),
                    # Currencies are never added together: one total each.
                    "totals": [money(v, k) for k, v in sorted(totals.items())],
                    "cases": [{k: v for k, v in c.items() if k != "amount"} for c in inside],
                }
            )
        return {
            "user": {"id": user.id, "first_name": user.first_name},
            "columns": columns,
            "filters": {
                k: [{"value": str(v), "label": label} for v, label in opts]
                for k, opts in options.items()
            },
            "selected": wanted,
            "shown": newest,
            "page": page,
            "more": more and newest < page * BOARD_MOST_PAGES,
            "texts": {k: _(v) for k, v in PAGE_TEXTS.items()},
        }

    def _card(
        case: CaseRecord, place: Place, names: dict[int, tuple[str, str | None]]
    ) -> dict[str, Any] | None:
        status = CaseStatus(_status_of(case))
        column = COLUMN_OF.get(status)
        if column is None or not case.token:
            return None
        answers = case.answers
        currency = answers.get("amount_currency")
        try:
            amount = Decimal(str(answers["amount"])) if answers.get("amount") else None
        except (InvalidOperation, ValueError):
            amount = None
        advertiser = str(answers.get("advertiser_id") or "")
        assignee = names.get(case.assignee_user_id or 0)
        return {
            "id": case.id,
            "token": case.token,
            "team_id": place.team_id,
            "team": place.title or _(PAGE_TEXTS["private"]),
            "column": column,
            "status": labels.STATUS_WORDS.get(status, str(status)),
            "reason_key": case.reason,
            "reason": labels.REASONS.get(case.reason, case.reason),
            "amount": amount,
            "currency": currency,
            "money": money(amount, currency) if amount is not None else "—",
            "account_id": advertiser,
            "account": account_label(answers) if advertiser else "",
            "assignee_id": case.assignee_user_id or "",
            "assignee": assignee[0] if assignee else "",
            "ticket": case.ticket or "",
        }

    async def cases_api(request: web.Request) -> web.Response:
        user = user_of(request)
        teams = await places(user)
        query = dict(request.query)
        with i18n.speaking(await language(user)):
            body = await store.run(listing, user, teams, query)
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
        prefix = f"{CASE_PREFIX}:{case.token}:"
        actions = [
            {"label": b.label, "data": b.data}
            for row in reply.buttons
            for b in row
            if b.data.startswith(prefix) and b.data.split(":")[2] in BOARD_ACTIONS
        ]
        if followup.may_change(who, case):
            # As the group card offers it.
            actions.insert(0, {"label": "🙋 " + _("Assign to me"), "data": prefix + "A"})
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
        parts = data.split(":") if isinstance(data, str) else []
        if len(parts) not in (3, 4) or parts[:2] != [CASE_PREFIX, token]:
            raise BoardError(400, "bad action")
        if parts[2] not in BOARD_ACTIONS:
            raise BoardError(400, "bad action")
        who = place.who
        with i18n.speaking(await language(user)):
            result = await store.run_for_chat(who.chat_id, followup.on_button, who, data)
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
