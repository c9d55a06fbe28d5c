"""The import's screens (bot/views/import_screens.py): every button made with the codec and
still in the wire format the bot has always sent, and a button of the import's that the
bot never made answered as expired, not read as something else."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.telegram.transport import InProcessBotApi
from bot.views import callbacks, import_screens
from bot.views.callbacks import Kind
from bot.views.rendering import Renderer
from bot.views.replies import Reply
from conversations.anomalies import DUPLICATE_CHARGE, Flag
from conversations.billing import ChargeRow, ColumnQuestion
from tests.bot.test_import_accounts import NO_TITLE, two_accounts
from tests.helpers import ChatDriver, plain

NORTHWIND = {"ref": 7, "advertiser_id": "7289000000001010", "account_name": "Northwind"}
ACME = {"ref": 12, "advertiser_id": "7301000000003456", "account_name": "Acme"}


def data_of(reply: Reply) -> list[str]:
    return [button.data for row in reply.buttons for button in row]


def test_the_account_buttons_keep_their_wire_format(renderer: Renderer) -> None:
    """Which account: one button a saved account ("m:imp:acc:<ref>"), then "add" and
    "x"; an account the file names: "new", "other", "x"."""
    which = import_screens.which_account(renderer, "export.csv", [NORTHWIND, ACME])
    assert data_of(which) == ["m:imp:acc:7", "m:imp:acc:12", "m:imp:add", "m:imp:x"]
    offer = import_screens.new_account(renderer, "export.csv", ACME, [NORTHWIND])
    assert data_of(offer) == ["m:imp:new", "m:imp:other", "m:imp:x"]
    assert offer.buttons[0][0].label == "✅ Yes, save 7301…3456"


def test_the_column_buttons_are_the_candidates_places(renderer: Renderer) -> None:
    """A column: a button a candidate by its place, "None of these" for a field the
    import can do without; the date order has no "none"."""
    optional = ColumnQuestion("card_last4", ("Card", "Method"))
    assert data_of(import_screens.column_question(renderer, optional)) == [
        "m:imp:map:0",
        "m:imp:map:1",
        "m:imp:map:-",
        "m:imp:x",
    ]
    order = ColumnQuestion("date_order", ("day_first", "month_first"), "03/11/2026")
    dates = import_screens.column_question(renderer, order)
    assert data_of(dates) == ["m:imp:map:0", "m:imp:map:1", "m:imp:x"]
    assert dates.buttons[0][0].label == "Day first (03/11 = 3 Nov)"


def test_a_flag_offers_its_case_or_a_new_one(renderer: Renderer) -> None:
    """A flag kept as #42 starts a case with "m:imp:case:f:42"; one a case is already
    about opens that case ("m:case:<token>"); one whose charges weren't stored has no
    button."""
    row = ChargeRow(datetime(2026, 11, 3, 11, 20), Decimal("50.00"), "USD", "1881", "BDN1")
    flag = Flag(DUPLICATE_CHARGE, (row, row), "Charged twice", ())
    assert data_of(import_screens.flag_to_start(renderer, flag, 42)) == ["m:imp:case:f:42"]
    assert data_of(import_screens.flag_to_start(renderer, flag, None)) == []
    opened = import_screens.flag_with_case(renderer, flag, 3, "ab12")
    assert data_of(opened) == ["m:case:ab12"]
    assert opened.buttons[0][0].label == "Open case #3"
    for data in ["m:imp:case:f:42", "m:imp:acc:7", "m:imp:map:-", "m:imp:x"]:
        button = callbacks.decode(data)
        assert button is not None and button.kind is Kind.IMPORT


async def test_an_import_button_the_bot_never_made_is_expired(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """While the bot asks which account: a button with two values, one with none, or an
    unknown action is answered "expired" and imports nothing; the file still waits, and
    the real button imports it."""
    await two_accounts(user)
    api.files["plain"] = NO_TITLE
    await user.send_file("plain", "export.csv")
    question = user.last_with_buttons()
    for forged in ["m:imp:acc:1:2", "m:imp:acc", "m:imp:map", "m:imp:map:0:1", "m:imp:zz:1"]:
        await user.press(forged, question.message_id or 1)
        assert "That import has expired" in user.last_text(), forged
    acme = next(data for label, data in question.buttons if "Acme" in label)
    calls = await user.press(acme, question.message_id or 1)
    texts = [plain(c.text) for c in calls if "text" in c.params]
    assert any("2 charges imported" in text for text in texts), texts
