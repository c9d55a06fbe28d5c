"""What the board shows: its columns by status, a card per case, the filters' choices
and the page's words (the web routes are in bot/telegram/board.py)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.app.cases.listing import status_of
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.telegram.miniapp_auth import MiniAppUser
from bot.views import labels
from bot.views.formats import money
from bot.views.i18n import _
from bot.views.replies import Who, account_label
from conversations.cases import CaseStatus
from conversations.texts import N_

# A team's newest cases the board shows at first, and how many more each "Show older
# cases" adds (the chat's /cases shows 20); at most BOARD_MOST_PAGES pages.
BOARD_PAGE = 2000
BOARD_MOST_PAGES = 50

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


def listing(
    store: Store, user: MiniAppUser, teams: list[Place], query: dict[str, str], page: int
) -> dict[str, Any]:
    """The board's columns of the teams' cards (each team's newest cases, as many pages
    as `shown` asks for), filtered as `query` asks, with the filters' choices and the page's
    words."""
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
            card = case_card(case, place, names)
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
        if all(str(c[f"{k}_id" if k != "reason" else "reason_key"]) == v for k, v in wanted.items())
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


def case_card(
    case: CaseRecord, place: Place, names: dict[int, tuple[str, str | None]]
) -> dict[str, Any] | None:
    """One case on the board (None for one no column shows)."""
    status = CaseStatus(status_of(case))
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
