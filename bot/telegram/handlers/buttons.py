"""Button presses, decoded once by the codec (bot/views/callbacks.py) and routed by their
kind: one route per kind of button, in a table. The services get the `Callback`."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest

from bot.app.stats import StatsService
from bot.telegram.handlers.commands import send_stats
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.files import run_import, send_replies
from bot.telegram.handlers.sending import still_busy
from bot.telegram.handlers.served import served, still_members, with_rights
from bot.views import callbacks
from bot.views.callbacks import Callback, Kind
from bot.views.case_actions import picks_member
from bot.views.i18n import _
from bot.views.replies import ButtonResult, Who
from conversations.inputs import storable

# A route applies one kind of button: the result to answer the press with, or None when it
# answered the press itself (an import's progress, the stats chart).
Route = Callable[[Update, BotContext, Who, Callback], Awaitable[ButtonResult | None]]
# The service's method for a kind of button that needs nothing but the service call.
ServiceButton = Callable[[BotContext], Callable[[Who, Callback], ButtonResult]]


async def button(update: Update, context: BotContext) -> None:
    """Apply a button press; old buttons lose their keyboard so they can't be pressed again."""
    query = update.callback_query
    assert query is not None
    if update.effective_chat is None or update.effective_user is None:
        # Pressed under an inline-mode message (or one Telegram no longer names): there is
        # no chat to act in. Say so on the button rather than fail.
        await query.answer(_("That button is too old to use — send /cases to see your cases."))
        return
    data = storable(query.data or "")
    who = await with_rights(update, context)
    pressed = callbacks.decode(data)
    if pressed is None:
        # Data no button of ours carries (forged, cut short): one answer for all of it.
        result = await served(context, who, context.service.expired_button, who)
    else:
        routed = await ROUTES[kind_of(data, pressed)](update, context, who, pressed)
        if routed is None:
            return
        result = routed
    await query.answer(result.toast)
    if result.replies and not result.keep_buttons:
        # Already without buttons, or too old to edit: nothing to tidy.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    await send_replies(update, context, result.replies)


def kind_of(data: str, pressed: Callback) -> Kind:
    """The route of a decoded button: its kind. A menu's bare prefix ("m:set") is no menu's
    button: the intake answers it as it answers any button it doesn't know ("m:new" is the
    one menu whose bare prefix is its button)."""
    bare = data == pressed.kind.value and pressed.kind is not Kind.NEW
    return Kind.INTAKE if bare else pressed.kind


def service_button(method: ServiceButton) -> Route:
    """The route of a button whose whole work is one service call."""

    async def route(
        update: Update, context: BotContext, who: Who, pressed: Callback
    ) -> ButtonResult:
        return await served(context, who, method(context), who, pressed)

    return route


async def case_button(
    update: Update, context: BotContext, who: Who, pressed: Callback
) -> ButtonResult:
    """A case's button; "Assign to…" offers, and a pick gives the case to, only people
    still in the group."""
    if picks_member(pressed):
        followup = context.followup
        team_id, offered = await served(context, who, followup.assign_candidates, who, pressed)
        await still_members(context, team_id, offered)
    return await served(context, who, context.service.case_button, who, pressed)


async def import_button(
    update: Update, context: BotContext, who: Who, pressed: Callback
) -> ButtonResult | None:
    """A waiting import's button (which account, which column), read in the background;
    or a case started from an import's flagged charges ("m:imp:case:…")."""
    if pressed.action == "case" and pressed.value:
        return await served(context, who, context.service.start_from_charges, who, pressed)
    query = update.callback_query
    assert query is not None
    if context.bot_data.background.running("import", who.chat_id):
        await query.answer()
        await still_busy(update, context, "import")
        return None
    job = await served(context, who, context.service.import_button, who, pressed)
    await query.answer()
    await run_import(update, context, who, job)
    return None


async def stats_button(update: Update, context: BotContext, who: Who, pressed: Callback) -> None:
    """Another period of the stats: the figures and a new chart."""
    await send_stats(update, context, who, StatsService.button, pressed)


async def cases_button(
    update: Update, context: BotContext, who: Who, pressed: Callback
) -> ButtonResult:
    """The /cases list again, with the words the button carries (open, overdue, closed)."""
    words = ":".join(field for field in (pressed.action, pressed.value) if field)
    return ButtonResult(None, await served(context, who, context.followup.list_cases, who, words))


ROUTES: dict[Kind, Route] = {
    # The intake's questions and "New case" are the intake's own (`on_button`).
    Kind.INTAKE: service_button(lambda context: context.service.on_button),
    Kind.NEW: service_button(lambda context: context.service.on_button),
    Kind.CASE: case_button,
    Kind.SHOW_CASE: service_button(lambda context: context.service.show_case_button),
    Kind.IMPORT: import_button,
    Kind.FORGET: service_button(lambda context: context.records.forget_button),
    Kind.SETTINGS: service_button(lambda context: context.followup.settings_button),
    Kind.LANGUAGE: service_button(lambda context: context.service.language_button),
    Kind.ACCOUNTS: service_button(lambda context: context.service.account_button),
    Kind.STATS: stats_button,
    Kind.CASES: cases_button,
}
assert set(ROUTES) == set(Kind), "every kind of button has a route"
