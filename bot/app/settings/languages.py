"""/language and its buttons (`m:lang:<code>`): the language the bot speaks in a chat."""

from __future__ import annotations

from bot.app.intake.common import IntakeContext
from bot.views import i18n, menu_screens
from bot.views.callbacks import Callback
from bot.views.callbacks import Kind as ButtonKind
from bot.views.i18n import _
from bot.views.replies import ButtonResult, Reply, Who


class Languages:
    """The chat's language: chosen on its first contact, changed under /language."""

    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx

    def language_for(self, who: Who) -> str:
        """The language to answer this update in (chosen on the chat's first contact)."""
        return self.ctx.followup.first_contact(who)

    def language(self, who: Who) -> list[Reply]:
        """/language: the languages, each in its own name, as buttons."""
        return [menu_screens.languages(self.ctx.renderer, is_group=who.in_group)]

    def language_button(self, who: Who, pressed: Callback) -> ButtonResult:
        """A language picked under /language: the user's own chat, or a group by an admin."""
        code = pressed.action if not pressed.value else ""
        if pressed.kind is not ButtonKind.LANGUAGE or code not in i18n.LANGUAGES:
            return ButtonResult(_("That button isn't one I know."), [])
        renderer = self.ctx.renderer
        if who.in_group and not who.is_admin:
            refused = menu_screens.languages(renderer, is_group=True, refused=True)
            return ButtonResult(_("Only a group admin can change the group's language."), [refused])
        self.ctx.followup.set_language(who, code)
        with i18n.speaking(code):
            changed = menu_screens.languages(renderer, is_group=who.in_group, changed=True)
            return ButtonResult(i18n.LANGUAGES[code].name, [changed])
