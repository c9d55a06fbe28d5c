"""Billing exports as advertisers send them (issue 16, C and D), through the real
Application: failed payments, verification charges without a type column, a charge typed
and then imported, exports in other code pages and languages, and the same charge twice."""

from __future__ import annotations

from typing import Any

from bot.db.store import Store
from bot.telegram.transport import InProcessBotApi
from tests.bot.test_imports import edited_texts, send_export, with_account
from tests.helpers import ChatDriver, plain


def stored(store: Store, chat_id: int) -> list[dict[str, Any]]:
    account_id = store.list_accounts(chat_id)[0]["ref"]
    return store.list_transactions(account_id, month=None, offset=0, limit=50)[0]


async def to_the_picker(user: ChatDriver) -> list[str]:
    """/new on the saved account, "I don't recognise", then the list of imported charges."""
    await user.send("/new")
    if any("Start over" in label for label in user.button_labels()):
        await user.tap("Start over")
    await user.tap("A charge I don't recognise")
    await user.tap("Northwind")
    await user.tap("Pick from imported charges")
    return user.button_labels()


async def test_failed_rows_are_named_and_never_offered(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """The failed payment of 4 Nov 16:02 is named as failed in the report, and the list of
    charges to dispute leaves it out (C.1); the successful one three minutes later stays."""
    await with_account(user)
    await send_export(user, api, "billing_title_lines.csv")
    report = edited_texts(api)[-1]
    assert "1 of them failed: no money was taken" in report
    assert "line 8: 50.00 USD on 04 Nov 2026 16:02 failed" in report
    await to_the_picker(user)
    labels: list[str] = []
    while True:
        labels += [label for label in user.button_labels() if "· ••" in label]
        if not any("Older" in label for label in user.button_labels()):
            break
        await user.tap("Older")
    assert any("4 Nov 2026 16:05" in label for label in labels)
    assert not any("16:02" in label or "Failed" in label for label in labels), labels


async def test_a_russian_excel_csv_is_read(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """A CSV saved by a Russian Excel (cp1251, Russian headers, statuses and types) is read,
    not decoded as cp1252 into mojibake and refused (C.6)."""
    await with_account(user)
    await send_export(user, api, "billing_ru_cp1251.csv")
    report = edited_texts(api)[-1]
    assert "3 charges imported" in report and "1 of them failed" in report, report
    rows = {row["invoice_number"]: row for row in stored(store, user.chat_id)}
    assert rows["BDRU2026110301"]["status"] == "success"
    assert rows["BDRU2026110301"]["kind"] == "payment"
    assert rows["BDRU2026110401"]["status"] == "failed"
    assert rows["BDRU2026110501"]["kind"] == "refund"
    assert rows["BDRU2026110501"]["amount"] == "1200.00"


async def test_headers_in_the_bots_other_languages(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """Spanish, Portuguese and Indonesian exports are read by their own column names, with
    no question about which column is which (C.6)."""
    await with_account(user)
    exports = {
        "es": "Fecha y hora,Método de pago,Número de documento,Estado,Importe,Moneda,Tipo\n"
        "2026-11-03 11:20:41,Visa 1881,ES1,Exitoso,50.00,USD,Pago automático\n",
        "pt": "Data e hora;Forma de pagamento;Número do documento;Situação;Valor;Moeda;Tipo\n"
        "2026-11-04 11:20:41;Visa 1881;PT1;Concluído;60,00;USD;Pagamento automático\n",
        "id": "Waktu transaksi,Metode pembayaran,Nomor dokumen,Status,Jumlah,Mata uang,Jenis\n"
        "2026-11-05 11:20:41,Visa 1881,ID1,Gagal,70.00,USD,Pembayaran otomatis\n",
    }
    for code, text in exports.items():
        api.files[f"file-{code}"] = text.encode()
        await user.send_file(f"file-{code}", f"{code}.csv")
        assert "1 charge imported" in edited_texts(api)[-1], (code, edited_texts(api)[-1])
    rows = {row["invoice_number"]: row for row in stored(store, user.chat_id)}
    assert rows["ES1"]["status"] == "success" and rows["ES1"]["kind"] == "payment"
    assert rows["PT1"]["amount"] == "60.00" and rows["PT1"]["status"] == "success"
    assert rows["ID1"]["status"] == "failed" and rows["ID1"]["card_last4"] == "1881"


async def test_month_names_in_the_bots_languages(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """Times written with a month's name in Russian, Spanish, Portuguese or Indonesian are
    read (one set of month names, conversations/dates/), not skipped as unreadable."""
    await with_account(user)
    header = "Time,Document number,Amount,Currency\n"
    exports = {
        "ru": "9 ноября 2026 10:02,RU1,10.00,USD\n",
        "es": "9 de noviembre de 2026 10:03,ES1,11.00,USD\n",
        "pt": "9 de nov. de 2026 10:04,PT1,12.00,USD\n",
        "id": "9 Agt 2026 10:05,ID1,13.00,USD\n",
    }
    for code, text in exports.items():
        api.files[f"file-{code}"] = (header + text).encode()
        await user.send_file(f"file-{code}", f"{code}.csv")
        assert "1 charge imported" in edited_texts(api)[-1], (code, edited_texts(api)[-1])
    rows = {row["invoice_number"]: row for row in stored(store, user.chat_id)}
    assert rows["RU1"]["happened_on"] == "2026-11-09", rows["RU1"]
    assert rows["ES1"]["happened_on"] == "2026-11-09"
    assert rows["PT1"]["happened_on"] == "2026-11-09"
    assert rows["ID1"]["happened_on"] == "2026-08-09"
    assert [rows[name]["happened_at_time"][:5] for name in ("RU1", "ES1", "PT1", "ID1")] == [
        "10:02",
        "10:03",
        "10:04",
        "10:05",
    ]


async def test_a_verification_charge_needs_no_type_column(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """An export with no "type" column: 10.00 USD on card 4242's first row, with no document
    number and no refund within 15 days, is flagged as a verification charge left
    unreversed (C.2). Card 1881's 10.00 USD is refunded in time, and card 5555's first row
    has a document number: neither is flagged."""
    await with_account(user)
    api.files["file-v"] = (
        b"Time,Payment method,Document number,Status,Amount,Currency\n"
        b"2026-10-01 09:00:00,Visa 4242,,Success,10.00,USD\n"
        b"2026-10-02 09:00:00,Visa 4242,BD1,Success,80.00,USD\n"
        b"2026-10-03 09:00:00,Visa 1881,,Success,10.00,USD\n"
        b"2026-10-09 09:00:00,Visa 1881,,Success,-10.00,USD\n"
        b"2026-10-04 09:00:00,Visa 5555,BD2,Success,10.00,USD\n"
    )
    await user.send_file("file-v", "export.csv")
    flags = [plain(m.text) for m in user.messages() if "Worth a look" in m.text]
    assert len(flags) == 1, flags
    assert "verification not reversed" in flags[0]
    assert "10.00 USD on the card ending 4242 on 2026-10-01" in flags[0]
    assert "looks like a card verification charge" in flags[0]
    assert "2026-10-16" in flags[0]  # the 15 days' end


async def type_a_charge(user: ChatDriver, day: str, amount: str, card: str, document: str) -> None:
    """/new on the saved account: a charge "I don't recognise", typed, to a sent case."""
    await user.send("/new")
    if any("Start over" in label for label in user.button_labels()):
        await user.tap("Start over")
    await user.tap("A charge I don't recognise")
    await user.tap("Northwind")
    if any("Type it instead" in label for label in user.button_labels()):
        await user.tap("Type it instead")
    await user.send(day)
    await user.send(amount)
    await user.send(card)
    await user.send(document)
    await user.tap("Skip")  # campaigns
    await user.tap("My money back")
    await user.tap("Today")
    await user.tap("Skip")  # evidence
    await user.tap("I've sent it")
    await user.send("TT-0099123")


async def test_a_typed_charge_imported_later_is_listed_once(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """75.20 USD typed into a case with its document number, then imported with the same
    number: the list of charges shows it once (C.3)."""
    await with_account(user)
    await type_a_charge(user, "10 Nov 2026", "75.20 USD", "1881", "BDUS2026111001")
    await send_export(user, api, "billing_overlap_1.csv")
    labels = await to_the_picker(user)
    assert len([label for label in labels if "75.20 USD ·" in label]) == 1, labels
    assert labels[0].startswith("10 Nov 2026 14:30 · 75.20 USD · ••1881")


async def test_the_same_charge_twice_is_pointed_at_its_case(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """D: a second case typed for a charge already in a sent case (same document number)
    says so and offers that case; an export holding the charges of an existing case raises
    its flag with the case named, not "Start a case from this"."""
    await with_account(user)
    await type_a_charge(user, "9 Nov 2026", "1189.90 USD", "1881", "BDUS2026110901")
    await type_a_charge(user, "9 Nov 2026", "1189.90 USD", "1881", "BDUS2026110901")
    warning = next(m for m in user.messages() if "already about this charge" in m.text)
    assert "Case #1 is already about this charge" in plain(warning.text)
    opened = next(data for label, data in warning.buttons if "Open case #1" in label)
    await user.press(opened)
    assert "#1" in user.last_text()
    await send_export(user, api, "billing_title_lines.csv")
    duplicate = next(
        m for m in user.messages() if "Worth a look" in m.text and "duplicate" in m.text
    )
    assert "Case #1 is already about this charge" in plain(duplicate.text)
    labels = [label for label, _data in duplicate.buttons]
    assert labels == ["Open case #1"], labels


async def test_a_flag_with_a_case_says_so_on_re_import(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """D: a case started from a flag; the same export again raises the flag with that case
    named and offered, and the first flag's "Start a case from this" no longer starts a
    second case."""
    await with_account(user)
    await send_export(user, api, "billing_title_lines.csv")
    flag = next(m for m in user.messages() if "Worth a look" in m.text and "duplicate" in m.text)
    start = next(data for label, data in flag.buttons if "Start a case" in label)
    await user.press(start, flag.message_id or 1)
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    await user.tap("Skip")
    await user.tap("I've sent it")
    await user.send("TT-0099123")
    before = len(user.messages())
    await send_export(user, api, "billing_title_lines.csv")
    again = next(
        m for m in user.messages()[before:] if "Worth a look" in m.text and "duplicate" in m.text
    )
    assert "Case #1 is already about this charge" in plain(again.text)
    assert [label for label, _data in again.buttons] == ["Open case #1"]
    await user.press(start, flag.message_id or 1)
    assert "Case #1 is already about this charge" in user.last_text()
    assert "Which campaigns" not in user.all_text()[-500:]


async def test_a_picked_charge_stays_one_charge(user: ChatDriver, api: InProcessBotApi) -> None:
    """C.3: an imported charge picked for a case is not stored again as a typed one, so the
    list of charges still shows it once."""
    await with_account(user)
    await send_export(user, api, "billing_overlap_1.csv")
    await to_the_picker(user)
    await user.tap("10 Nov 2026 14:30")
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    await user.tap("Skip")
    await user.tap("I've sent it")
    await user.send("TT-0099123")
    labels = await to_the_picker(user)
    assert len([label for label in labels if "75.20 USD ·" in label]) == 1, labels
