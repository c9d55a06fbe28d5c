"""The team's saved ad accounts (/accounts, `m:acc:*`), and the short intake that adds
or edits one: for the account menu, or for an import that waits for its account."""

from __future__ import annotations

from typing import Any

from bot.app.intake.common import IntakeContext, new_row
from bot.app.intake.questions import Questions
from bot.views import menu_screens
from bot.views.callbacks import Callback
from bot.views.callbacks import Kind as ButtonKind
from bot.views.i18n import _
from bot.views.replies import ButtonResult, Reply, Who
from conversations.inputs import whole_number
from conversations.intake import Purpose, attached


class Accounts:
    """/accounts and the intake that adds (or edits) one account, then ends."""

    def __init__(self, ctx: IntakeContext, questions: Questions) -> None:
        self.ctx = ctx
        self.questions = questions

    def accounts(self, who: Who) -> list[Reply]:
        """The team's ad accounts; admins (and the owner of a private chat) can remove one."""
        store = self.ctx.store
        store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        listed = store.list_accounts(who.chat_id)
        return [menu_screens.accounts(self.ctx.renderer, listed, is_admin=who.is_admin)]

    def account_button(self, who: Who, pressed: Callback) -> ButtonResult:
        """Add, edit (any member) or remove (admins only) one of the team's accounts."""
        if pressed.kind is not ButtonKind.ACCOUNTS:
            return ButtonResult(_("That button isn't one I know."), [])
        action = pressed.action
        if action == "add":
            return ButtonResult(None, self.account_intake(who, None))
        ref = whole_number(pressed.value)
        store = self.ctx.store
        if action == "ed" and ref is not None:
            account = store.get_account(who.chat_id, ref)
            if account is None:
                return ButtonResult(_("That account is gone."), [])
            return ButtonResult(None, self.account_intake(who, account))
        if action != "rm" or ref is None:
            return ButtonResult(_("That button isn't one I know."), [])
        if not who.is_admin:
            return ButtonResult(_("Only a group admin can remove an account."), [])
        if not store.remove_account(who.chat_id, ref):
            return ButtonResult(_("That account is already gone."), [])
        return ButtonResult(_("Removed."), self.accounts(who))

    def account_intake(
        self, who: Who, account: dict[str, Any] | None, *, known: dict[str, Any] | None = None
    ) -> list[Reply]:
        """An intake that only adds a new account (starting from what is `known` of it:
        what an import's file said), or edits a saved `account`, then ends."""
        replies: list[Reply] = []
        row = self.ctx.load_once(who)
        if row is not None and not row.intake.finished:
            replies += self.questions.cancel(row, who)
        row = new_row(who)
        with attached(row.intake):
            if account is None:
                row.intake.purpose = Purpose.ACCOUNT
                row.intake.begin_new_account()
                if known:
                    row.intake.prefill(known)
            else:
                row.intake.edit_account(account)
        row.intake.history.clear()
        return replies + self.questions.save_and_ask(row, who)
