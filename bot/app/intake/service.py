"""What the bot does with each thing a user says or taps, independent of transport.

A handler (Telegram or terminal) turns an update into one call here and sends the
`Reply`s it gets back. `RefundService` holds one object a use case and hands each call to
its own:

    inputs      /start, /new, /cancel, typed answers, files   bot/app/intake/inputs.py
    buttons     the intake's buttons, a draft's two            bot/app/intake/buttons.py
    questions   which question comes next, and asking it       bot/app/intake/questions.py
    review      the verdict, the draft case, the message       bot/app/intake/review.py
    accounts    /accounts and the account questions            bot/app/intake/accounts.py
    import_intake  cases from an import's flags, its account   bot/app/intake/from_imports.py
    cases       one case shown (/case N, "Case #12 ›")         bot/app/cases/display.py
    languages   /language                                       bot/app/settings/languages.py
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from bot.app.cases.display import CaseDisplay
from bot.app.cases.service import FollowUpService
from bot.app.imports import ImportJob, ImportService
from bot.app.intake.accounts import Accounts
from bot.app.intake.buttons import IntakeButtons
from bot.app.intake.common import IntakeContext
from bot.app.intake.from_imports import ImportIntake
from bot.app.intake.inputs import IntakeInputs
from bot.app.intake.questions import Questions
from bot.app.intake.review import Review
from bot.app.settings.languages import Languages
from bot.db.store import Store
from bot.views.callbacks import Callback
from bot.views.policy_texts import PolicyTexts
from bot.views.rendering import Renderer
from bot.views.replies import ButtonResult, Reply, Who
from conversations.billing import ExportTitle
from conversations.policy import Policy

log = logging.getLogger(__name__)


class RefundService:
    """The intake and the case list, as a user meets them in a chat: the use cases, and
    the services they share (`store`, `followup`, `imports`…) for the transports."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        renderer: Renderer,
        clock: Callable[[], datetime],
        timezone: str = "UTC",
    ) -> None:
        self.store = store
        self.policy = policy
        self.renderer = renderer
        self.clock = clock
        self.followup = FollowUpService(store, policy, renderer, clock, timezone)
        self.imports = ImportService(store, policy, renderer, clock)
        self.policy_texts = PolicyTexts(policy)
        ctx = IntakeContext(
            store, policy, renderer, clock, self.followup, self.imports, self.policy_texts
        )
        self.ctx = ctx
        self.review = Review(ctx)
        self.questions = Questions(ctx, self.review)
        self.inputs = IntakeInputs(ctx, self.questions, self.review)
        self.buttons = IntakeButtons(ctx, self.questions, self.review, self.inputs)
        self.account_menu = Accounts(ctx, self.questions)
        self.import_intake = ImportIntake(ctx, self.questions, self.account_menu)
        self.cases = CaseDisplay(ctx)
        self.languages = Languages(ctx)

    def today(self, who: Who | None = None, team_id: int | None = None) -> date:
        """Today in the team's time zone, else the chat's, else the default zone."""
        return self.ctx.today(who, team_id)

    # --- commands ------------------------------------------------------------------

    def start(self, who: Who, payload: str = "") -> list[Reply]:
        return self.inputs.start(who, payload)

    def new(self, who: Who, bot_username: str = "") -> list[Reply]:
        return self.inputs.new(who, bot_username)

    def cancel(self, who: Who) -> list[Reply]:
        return self.inputs.cancel(who)

    def help(self, who: Who) -> list[Reply]:
        return [self.ctx.reply("help", is_group=who.in_group)]

    def accounts(self, who: Who) -> list[Reply]:
        return self.account_menu.accounts(who)

    def show_case(self, who: Who, argument: str) -> list[Reply]:
        return self.cases.show_case(who, argument)

    def language(self, who: Who) -> list[Reply]:
        return self.languages.language(who)

    def language_for(self, who: Who) -> str:
        return self.languages.language_for(who)

    # --- what a user sends -----------------------------------------------------------

    def on_text(self, who: Who, text: str) -> list[Reply]:
        return self.inputs.on_text(who, text)

    def on_unreadable(self, who: Who) -> list[Reply]:
        return self.inputs.on_unreadable(who)

    def on_file(
        self, who: Who, file_id: str, kind: str, caption: str | None, name: str | None
    ) -> list[Reply]:
        return self.inputs.on_file(who, file_id, kind, caption, name)

    def accepts_export(self, who: Who) -> bool:
        return self.inputs.accepts_export(who)

    # --- buttons -----------------------------------------------------------------------

    def on_button(self, who: Who, pressed: Callback) -> ButtonResult:
        return self.buttons.on_button(who, pressed)

    def expired_button(self, who: Who) -> ButtonResult:
        """A button whose data no button of ours carries (forged, cut short)."""
        return self.buttons.expired()

    def case_button(self, who: Who, pressed: Callback) -> ButtonResult:
        return self.buttons.case_button(who, pressed)

    def show_case_button(self, who: Who, pressed: Callback) -> ButtonResult:
        return self.cases.show_case_button(who, pressed)

    def language_button(self, who: Who, pressed: Callback) -> ButtonResult:
        return self.languages.language_button(who, pressed)

    def account_button(self, who: Who, pressed: Callback) -> ButtonResult:
        return self.account_menu.account_button(who, pressed)

    def start_from_charges(self, who: Who, pressed: Callback) -> ButtonResult:
        return self.import_intake.start_from_charges(who, pressed)

    # --- imports -------------------------------------------------------------------------

    def import_account(
        self, who: Who, job: ImportJob, title: ExportTitle
    ) -> ImportJob | list[Reply]:
        return self.import_intake.import_account(who, job, title)

    def import_button(self, who: Who, pressed: Callback) -> ImportJob | list[Reply]:
        return self.import_intake.import_button(who, pressed)

    # --- teams in groups -------------------------------------------------------------

    def remember_member(self, who: Who) -> None:
        self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        self.store.remember_member(who.chat_id, who.user_id, who.first_name, who.username)

    def bot_added(self, who: Who) -> list[Reply]:
        """Added to a group: it becomes the team's workspace."""
        self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        self.store.unblock_chat(who.chat_id)
        return [self.ctx.reply("group_start")]

    def bot_removed(self, who: Who) -> None:
        """Removed from a group: its reminders stop; the team's data stays."""
        self.store.block_chat(who.chat_id, self.clock())
