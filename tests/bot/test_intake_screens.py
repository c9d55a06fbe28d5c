"""The intake's screens (bot/views/*_screens.py) make their buttons with the callback codec,
in the wire format buttons already sent still use, and the terminal tells a choice from
the buttons around a typed question."""

from __future__ import annotations

from datetime import date
from functools import cache

from bot.app.intake.buttons import is_a_choice
from bot.views import callbacks, intake_screens, menu_screens, review_screens
from bot.views.callbacks import Kind as ButtonKind
from bot.views.intake_screens import Asking
from bot.views.rendering import Renderer
from bot.views.replies import Who
from conversations.intake import Intake, Step, attached

PRIVATE = Who(chat_id=1, user_id=1)


@cache
def renderer() -> Renderer:
    return Renderer()


def test_an_intake_button_keeps_its_wire_format() -> None:
    """`Asking.data` writes what the intake's buttons always carried, so old ones work."""
    at = Asking("tok123", 7)
    assert at.data("b") == "i:tok123:7:b"
    assert at.data("L", "0:") == "i:tok123:7:L:0:"
    assert at.data("V", "0:screenshot") == "i:tok123:7:V:0:screenshot"


def test_every_button_of_a_question_answers_its_intake_and_step() -> None:
    """Each button of the first question decodes as an intake button of that token and seq."""
    reply = intake_screens.question(renderer(), Asking("tok123", 4), Intake(), PRIVATE)
    pressed = [callbacks.decode(b.data) for row in reply.buttons for b in row]
    assert pressed and all(
        p is not None and p.kind is ButtonKind.INTAKE and (p.token, p.seq) == ("tok123", 4)
        for p in pressed
    )


def test_the_terminal_presses_choices_but_not_the_buttons_around_a_typed_question() -> None:
    """Back, Cancel, Skip and "Pick from imported charges" surround a typed question: a
    number typed there is the answer; any other button makes the keyboard a choice."""
    at = Asking("tok123", 2)
    around = [at.data("b"), at.data("x"), at.data("s"), at.data("L", "0:")]
    assert not is_a_choice(around)
    assert is_a_choice([*around, at.data("c", "duplicate")])
    assert is_a_choice([callbacks.menu(ButtonKind.NEW)])
    reason = intake_screens.question(renderer(), at, Intake(), PRIVATE)
    assert is_a_choice([b.data for row in reason.buttons for b in row])
    intake = Intake()
    with attached(intake):
        intake.choose("duplicate", date(2026, 12, 6))
        # No saved account: the new account's questions, the first one typed.
        intake.begin_new_account(from_menu=False)
    assert intake.step is not Step.REASON
    typed = intake_screens.question(renderer(), at, intake, PRIVATE)
    assert not is_a_choice([b.data for row in typed.buttons for b in row])


def test_menu_buttons_keep_their_wire_format() -> None:
    """/accounts, /language and "Open case #N" buttons read as they always did."""
    account = {
        "ref": 5,
        "advertiser_id": "7289000011112222",
        "account_name": None,
        "billing": None,
        "currency": None,
        "in_bc": None,
        "region": None,
        "account_status": None,
    }
    accounts = menu_screens.accounts(renderer(), [account], is_admin=True)
    assert [b.data for row in accounts.buttons for b in row] == [
        "m:acc:ed:5",
        "m:acc:rm:5",
        "m:acc:add",
    ]
    languages = menu_screens.languages(renderer(), is_group=False)
    assert "m:lang:ru" in [b.data for row in languages.buttons for b in row]
    already = review_screens.already_a_case(12, "AbC_d-9")
    assert already.buttons[0][0].data == "m:case:AbC_d-9"
