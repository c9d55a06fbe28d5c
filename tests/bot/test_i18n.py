"""Languages: the catalogues, the chat's language, formatting per locale, and every text
of the bot rendered in every language.

The checks that need translations (no missing entry, no English showing through, the
intake in Russian and Portuguese) skip a language whose catalogue has no translated
entry yet, saying so; once a catalogue has any translation they are strict.
"""
# Over 400 lines: every text and locale format checked against the same catalogues.

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from sqlalchemy import event
from telegram.ext import Application

from bot.app.intake.service import RefundService
from bot.db.store import Store
from bot.db.tables import cases
from bot.exports import parse_export
from bot.telegram.transport import InProcessBotApi
from bot.views import i18n
from bot.views.formats import long_date, money, short_date
from bot.views.rendering import Renderer
from conversations.anomalies import (
    CHARGED_AFTER_PAUSE,
    DUPLICATE_CHARGE,
    VERIFICATION_NOT_REVERSED,
    find_anomalies,
)
from conversations.facts import Reason
from conversations.policy import Policy
from tests.bot.test_followup import run_hours
from tests.bot.test_rendering import chat_contexts, rendered_for
from tests.helpers import ChatDriver, Clock, bot_process, plain, sent_case, to_the_charge_date

App = Application[Any, Any, Any, Any, Any, Any]
OTHER_LANGUAGES = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]
TEMPLATE = i18n.LOCALES_DIR / "messages.pot"


@cache
def catalog(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def po_path(code: str) -> Path:
    return i18n.LOCALES_DIR / code / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def texts(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """A catalogue entry's id or string as a list of texts (plural entries have several)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def translated(message: Any) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(message.id) and all(strings) and not message.fuzzy


def require_translations(code: str) -> None:
    """Skip when the language's catalogue has no translated entry at all (not delivered)."""
    if not any(translated(m) for m in catalog(po_path(code))):
        pytest.skip(f"locales/{code}: no entry translated yet — the catalogue is not delivered")


# --- the catalogues ------------------------------------------------------------------------


def test_every_language_has_a_catalogue() -> None:
    """Each configured language has its .po file, and English needs no translations."""
    for code in i18n.LANGUAGES:
        assert po_path(code).exists(), f"missing {po_path(code)}"
    assert i18n.translations(i18n.DEFAULT_LANGUAGE).gettext("Skip") == "Skip"


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_no_text_is_missing_from_a_catalogue(code: str) -> None:
    """Every text of the template has a translation (every plural form) in the language."""
    require_translations(code)
    entries = {m.id: m for m in catalog(po_path(code)) if m.id}
    missing = [
        str(m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog(TEMPLATE)
        if m.id and not (m.id in entries and translated(entries[m.id]))
    ]
    assert not missing, f"{len(missing)} texts without a {code} translation: {missing[:10]}"


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+(?:\[\d\])?\}|</?[a-z]+>")


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_translations_keep_placeholders_and_tags(code: str) -> None:
    """A translation keeps every placeholder and HTML tag of its English text."""
    require_translations(code)
    broken = []
    for m in catalog(po_path(code)):
        if not m.id or not translated(m):
            continue
        source = texts(m.id)[-1]
        wanted = sorted(set(PLACEHOLDER.findall(source)) - {"%(num)s", "%(num)d"})
        for string in texts(m.string):
            if sorted(set(PLACEHOLDER.findall(string)) - {"%(num)s", "%(num)d"}) != wanted:
                broken.append(source)
    assert not broken, f"{code}: placeholders or tags changed in {broken[:5]}"


# --- which language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("telegram", "expected"),
    [
        ("pt-br", "pt_BR"),
        ("pt", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("ru", "ru"),
        ("es", "es"),
        ("es-419", "es"),
        ("id", "id"),
        ("en-GB", "en"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_telegram_language_picks_the_closest_supported(telegram: str | None, expected: str) -> None:
    """Telegram's language_code maps to the closest language the bot speaks, else English."""
    assert i18n.best_language(telegram) == expected


def test_the_language_is_scoped_to_the_block() -> None:
    """`speaking` sets the language for what is rendered inside and restores it after."""
    assert i18n.current() == "en"
    with i18n.speaking("ru"):
        assert i18n.current() == "ru"
        with i18n.speaking("xx"):
            assert i18n.current() == "en"
    assert i18n.current() == "en"


# --- formatting per locale ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "amount", "currency", "expected"),
    [
        ("en", "1234.56", "EUR", "1,234.56 EUR"),
        ("ru", "1234.56", "EUR", "1 234,56 €"),
        ("es", "1234.56", "EUR", "1.234,56 €"),
        ("pt_BR", "1234.56", "BRL", "R$ 1.234,56"),
        ("id", "1500000", "IDR", "Rp1.500.000"),
        ("id", "1234.5", "EUR", "€1.234,50"),
        ("ru", "18990", "JPY", "18 990 ¥"),
        ("pt_BR", "12.345", "KWD", "KWD 12,345"),
    ],
)
def test_money_is_written_the_local_way(
    code: str, amount: str, currency: str, expected: str
) -> None:
    """Amounts follow the reader's locale (English keeps `189.90 USD`)."""
    with i18n.speaking(code):
        assert money(Decimal(amount), currency) == expected


@pytest.mark.parametrize(
    ("code", "short", "long"),
    [
        ("en", "3 Nov 2026", "3 November 2026"),
        ("ru", "03.11.2026", "3 ноября 2026 г."),
        ("es", "03/11/2026", "3 de noviembre de 2026"),
        ("pt_BR", "03/11/2026", "3 de novembro de 2026"),
        ("id", "03/11/2026", "3 November 2026"),
    ],
)
def test_dates_are_written_the_local_way(code: str, short: str, long: str) -> None:
    """Dates follow the reader's locale (English keeps `3 Nov 2026`)."""
    with i18n.speaking(code):
        assert short_date(date(2026, 11, 3)) == short
        assert long_date(date(2026, 11, 3)) == long


# --- every text in every language --------------------------------------------------------

# Words that are the same in every language here: names of products, menus kept in English
# by TikTok, codes and units.
ALLOWED = {
    "tiktok", "ads", "manager", "business", "center", "telegram", "smart", "csv", "xlsx",
    "usd", "eur", "gbp", "brl", "idr", "rub", "chf", "utc", "europe", "berlin", "name",
    "https", "tg", "user", "id", "md", "pdf", "txt", "zip", "ok", "agency",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z]{4,}")


@cache
def english_vocabulary() -> frozenset[str]:
    """The words of the bot's English texts (what would show if a text fell back)."""
    words: set[str] = set()
    for m in catalog(TEMPLATE):
        if m.id:
            for text in texts(m.id):
                words.update(w.casefold() for w in WORD.findall(PLACEHOLDER.sub(" ", text)))
    return frozenset(words - ALLOWED)


def kept_in(code: str) -> frozenset[str]:
    """English words the translators kept on purpose (they appear in a translation)."""
    words: set[str] = set()
    for m in catalog(po_path(code)):
        for string in texts(m.string):
            words.update(w.casefold() for w in WORD.findall(string))
    return frozenset(words)


def values_in(context: Any) -> set[str]:
    """The words of the data a template was given (user text, names): not the bot's."""
    if isinstance(context, dict):
        return set().union(*(values_in(v) for v in context.values())) if context else set()
    if isinstance(context, list | tuple | set | frozenset):
        return set().union(*(values_in(v) for v in context)) if context else set()
    if isinstance(context, str):
        return {w.casefold() for w in WORD.findall(context)}
    if hasattr(context, "__dict__"):
        return values_in(vars(context))
    return set()


COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")


def leaks(code: str, text: str, context: Any) -> set[str]:
    # Commands (/export, /import …) are typed in English in every language.
    shown = {w.casefold() for w in WORD.findall(COMMAND.sub(" ", plain(text)))}
    return (shown & english_vocabulary()) - kept_in(code) - values_in(context)


def test_the_leak_check_catches_an_untranslated_text() -> None:
    """The check is not trivially passing: an English sentence of the bot is caught."""
    assert leaks("ru", "Which ad account is it about?", {}) >= {"which", "about"}
    assert not leaks("ru", "Какой рекламный аккаунт?", {})
    assert not leaks("ru", "/export — выгрузить заявки", {})


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_every_chat_text_renders_in_every_language(code: str, renderer: Renderer) -> None:
    """Every chat template, with every context the bot passes, renders in the language
    under StrictUndefined (no English showing through once the catalogue exists)."""
    check = any(translated(m) for m in catalog(po_path(code)))
    problems: list[str] = []
    with i18n.speaking(code):
        for name, contexts in chat_contexts().items():
            for context in contexts:
                text = renderer.chat_text(name, **context)
                found = leaks(code, text, context) if check else set()
                if found:
                    problems.append(f"{name}: {sorted(found)}")
    if not check:
        pytest.skip(f"locales/{code}: rendered without errors; nothing translated yet")
    assert not problems, f"English in {code}: {problems[:10]}"


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
@pytest.mark.parametrize("reason", list(Reason))
def test_every_support_message_renders_in_every_language(
    code: str, reason: Reason, renderer: Renderer
) -> None:
    """Every support message (each intake path) renders in the language when asked to."""
    check = any(translated(m) for m in catalog(po_path(code)))
    problems: list[str] = []
    with i18n.speaking(code):
        for rendered in rendered_for(reason)[:8]:
            if rendered.template is None:
                continue
            message = renderer.support_message(rendered.template, **rendered.context)
            assert message.language == code
            found = leaks(code, message.as_text(), rendered.context) if check else set()
            if found:
                problems.append(f"{rendered.template}: {sorted(found)}")
    if not check:
        pytest.skip(f"locales/{code}: rendered without errors; nothing translated yet")
    assert not problems, f"English in {code}: {problems[:10]}"


# --- the chat's language ---------------------------------------------------------------------


def language_of(driver: ChatDriver) -> str:
    """The language the /language menu marks as current."""
    labels = [label for label, _data in driver.last_with_buttons().buttons]
    marked = [label.removeprefix("• ") for label in labels if label.startswith("• ")]
    assert len(marked) == 1, labels
    return next(code for code, lang in i18n.LANGUAGES.items() if lang.name == marked[0])


async def test_first_contact_picks_the_telegram_language(app: App, api: InProcessBotApi) -> None:
    """A Brazilian client's first message sets the chat to Portuguese (Brazil)."""
    user = ChatDriver(app, api, user_id=2001)
    user.updates.user["language_code"] = "pt-br"
    await user.send("/start")
    await user.send("/language")
    assert language_of(user) == "pt_BR"


async def test_language_command_changes_it_and_it_survives_a_restart(
    settings: Any, policy: Policy, clock: Clock, db_url: str
) -> None:
    """/language → Русский is kept for the user: a restarted bot still speaks Russian."""
    async with bot_process(settings, policy, clock, db_url) as (app, api):
        user = ChatDriver(app, api)
        await user.send("/language")
        assert language_of(user) == "en"
        await user.tap("Русский")
        assert "Русский" in user.toasts()
    async with bot_process(settings, policy, clock, db_url) as (app, api):
        user = ChatDriver(app, api)
        await user.send("/language")
        assert language_of(user) == "ru"
    store = Store.open(db_url)
    try:
        assert store.chat_language(user.chat_id) == "ru"
    finally:
        store.close()


async def test_only_a_group_admin_changes_the_groups_language(
    app: App, api: InProcessBotApi
) -> None:
    """In a group, a member's tap is refused and changes nothing; an admin's works."""
    group = -100777
    api.admins.add((group, 3003))
    member = ChatDriver(app, api, 3002, group, "Sam")
    admin = ChatDriver(app, api, 3003, group, "Kim")
    await member.send("/language")
    await member.tap("Español")
    assert "Only a group admin can change the group's language." in member.toasts()
    await member.send("/language")
    assert language_of(member) == "en"
    await admin.tap("Español")
    await admin.send("/language")
    assert language_of(admin) == "es"


async def test_the_support_message_is_english_with_a_button_for_the_users_language(
    app: App, api: InProcessBotApi
) -> None:
    """A Russian-speaking user gets the message to TikTok in English, with a button to
    have it in Russian and one back to English; the .txt file follows what is shown."""
    user = ChatDriver(app, api, user_id=4001)
    user.updates.user["language_code"] = "ru"
    await user.send("/new")
    await _duplicate_intake(user)
    assert "Hello TikTok Ads support team," in user.last_text()
    await user.tap("Русский")
    shown_ru = user.last_text()
    assert any("English" in label for label, _data in user.last_with_buttons().buttons)
    await user.tap("English")
    assert "Hello TikTok Ads support team," in user.last_text()
    ru_catalogue = any(translated(m) for m in catalog(po_path("ru")))
    if ru_catalogue:
        assert "Hello TikTok Ads support team," not in shown_ru


async def test_a_draft_opened_again_keeps_the_language_of_its_message(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """The message's language is kept with the case: its draft opened again (the intake
    rebuilt from the case) is still written in it, and so is a case saved by the previous
    version, which kept the language among its answers."""
    user = ChatDriver(app, api, user_id=4002)
    user.updates.user["language_code"] = "ru"
    await user.send("/new")
    await _duplicate_intake(user)
    await user.tap("Русский")
    in_russian = user.last_text()

    def offers_english() -> bool:
        return any("English" in label for label, _d in user.last_with_buttons().buttons)

    async def open_again() -> None:
        await user.send("/new")  # the draft's intake row is replaced
        await user.send("/case 1")
        await user.tap("📝")

    case = store.get_case(user.chat_id, 1)
    assert case is not None and case.message_language == "ru"
    assert "_message_language" not in case.answers
    await open_again()
    assert offers_english() and user.last_text() == in_russian
    with store.engine.begin() as conn:
        conn.execute(
            cases.update().values(
                answers={**case.answers, "_message_language": "ru"}, message_language=None
            )
        )
    await open_again()
    assert offers_english() and user.last_text() == in_russian


async def _duplicate_intake(user: ChatDriver) -> None:
    """Answer a duplicate-charge intake up to the verdict, tapping by callback data so the
    steps work whatever language the labels are in."""
    await to_the_charge_date(user)
    await user.send("2026-11-09 10:02")
    await user.send("189.90 USD")
    for _step in range(3):
        await user.tap_data(":s")
    await user.send("2026-11-09 10:08")
    await user.tap_data(":s")
    await user.tap_data(":c:money_back")
    await user.tap_data(":c:today")
    await user.tap_data(":s")


@pytest.mark.parametrize(("telegram", "code"), [("ru", "ru"), ("pt-br", "pt_BR")])
async def test_a_whole_intake_in_the_users_language(
    app: App, api: InProcessBotApi, telegram: str, code: str
) -> None:
    """A full intake for a user whose Telegram speaks Russian / Portuguese: the questions
    and the verdict are in that language, the message to TikTok in English until the
    language button is tapped, then in that language."""
    require_translations(code)
    user = ChatDriver(app, api, user_id=5001)
    user.updates.user["language_code"] = telegram
    await user.send("/new")
    await _duplicate_intake(user)
    texts = [plain(m.text) for m in user.messages() if m.method == "sendMessage"]
    with i18n.speaking(code):
        pages = i18n.gettext("From TikTok's help pages:")
        verdict = next(t for t in texts if pages in t)
        # The sources by their pages' names, in the language too.
        assert i18n.gettext("Automatic payment") in verdict
        assert not leaks(code, verdict, {"id": "7289000011112221010 Northwind"})
    assert "Hello TikTok Ads support team," in user.last_text()
    await user.tap(i18n.LANGUAGES[code].name)
    translated_message = user.last_text()
    assert "Hello TikTok Ads support team," not in translated_message
    with i18n.speaking(code):
        assert i18n.gettext("Hello TikTok Ads support team,") in translated_message


# --- texts shown outside a handler's language, and texts the domain keeps in English --------

CRASH = (
    "Sorry — something went wrong on my side. Your answers so far are saved; "
    "try again, or send /cancel."
)


async def test_the_error_reply_is_in_the_chats_language(
    app: App, api: InProcessBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error handler runs outside the per-handler language: it still answers a
    Russian-speaking chat in Russian."""
    require_translations("ru")
    user = ChatDriver(app, api, user_id=6001)
    user.updates.user["language_code"] = "ru"
    await user.send("/start")

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.bot_data.service, "help", broken)
    await user.send("/help")
    with i18n.speaking("ru"):
        expected = i18n.gettext(CRASH)
    assert expected != CRASH
    assert user.last_text() == expected
    assert not leaks("ru", user.last_text(), {})


IMPORT_CSV = b"""Time,Amount,Currency,Payment method,Document,Status
2026-11-12 10:02,120.00,USD,Visa **** 1881,D7,Success
2026-11-12 10:08,120.00,USD,Visa **** 1881,D8,Success
2026-02-30 10:02,50.00,USD,Visa **** 1881,D9,Success
2026-11-13 10:02,abc,USD,Visa **** 1881,D10,Success
,,,,,
Total,290.00,,,,
"""


def _import_report(renderer: Renderer, policy: Policy) -> list[str]:
    """An import report with skipped lines and every kind of flag, rendered now."""
    report = parse_export(IMPORT_CSV, "export.csv", default_currency="USD")
    assert len(report.skipped) == 4
    verification = dataclasses.replace(
        report.rows[0], kind="verification", document="V1", happened_at=datetime(2026, 11, 2)
    )
    flags = find_anomalies(
        [*report.rows, verification],
        policy,
        today=date(2026, 12, 30),
        paused={"7289000011112221010": date(2026, 11, 1)},
        account="7289000011112221010",
    )
    assert {flag.rule for flag in flags} == {
        DUPLICATE_CHARGE,
        VERIFICATION_NOT_REVERSED,
        CHARGED_AFTER_PAUSE,
    }
    done = renderer.chat_text(
        "import_done",
        filename="export.csv",
        added=2,
        already=0,
        skipped=report.skipped,
        skipped_count=len(report.skipped),
        failed=[dataclasses.replace(report.rows[0], status="failed")],
        failed_count=2,
        account="",
    )
    return [
        done,
        *(renderer.chat_text("import_flag", flag=flag, case_id=None) for flag in flags),
        renderer.chat_text("import_flag", flag=flags[0], case_id=3),
    ]


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_an_import_report_reads_in_the_language(
    code: str, renderer: Renderer, policy: Policy
) -> None:
    """Skipped-line reasons and the "worth a look" explanations are kept in English by the
    domain and shown in the reader's language (amounts and dates the local way)."""
    require_translations(code)
    english = plain("\n".join(_import_report(renderer, policy)))
    assert "The date “2026-02-30 10:02” doesn't exist." in english
    assert "Two charges of 120.00 USD on the card ending 1881 6 minutes apart" in english
    with i18n.speaking(code):
        shown = _import_report(renderer, policy)
        skipped_reason = i18n.gettext("A total line.")
        pause = i18n.gettext(
            "Spend from before a pause is usually billed later, at the next billing threshold "
            "or bill date, so these may well be for earlier spend. Only spend that happened "
            "after the pause is a billing error: compare them with the daily spend in Ads "
            "Manager."
        )
    text = plain("\n".join(shown))
    assert skipped_reason != "A total line." and skipped_reason in text
    assert pause in text
    assert "2026-11-02" not in text  # the verification's date, written the local way
    for part in shown:
        found = leaks(code, part, {"filename": "export.csv", "cells": "abc Visa"})
        assert not found, f"English in {code}: {sorted(found)}\n{plain(part)}"


def _language_switch(user: ChatDriver, action: str) -> tuple[str, str, str]:
    """The newest message with a follow-up/escalation language button (action "F"/"E"):
    its text, the button's label and its data."""
    for message in reversed(user.messages()):
        for label, data in message.buttons:
            if data.startswith("k:") and data.split(":")[-1][:1] == action:
                assert len(data.encode()) <= 64
                return plain(message.text), label, data
    raise AssertionError(f"no {action} language button")


@pytest.mark.parametrize(("action", "subject"), [("f", "Follow-up on ticket"), ("e", "No answer")])
async def test_the_follow_up_and_escalation_are_english_with_a_language_button(
    app: App, api: InProcessBotApi, clock: Clock, action: str, subject: str
) -> None:
    """In a Russian chat the follow-up and the escalation message are in English, with a
    button to have them in Russian and one back to English, like the first message."""
    require_translations("ru")
    user = ChatDriver(app, api, user_id=7001)
    await sent_case(user)
    store = app.bot_data.service.store
    case = await store.run(store.get_case, user.chat_id, 1)
    assert case is not None
    token = case.token
    await user.send("/language")
    await user.tap("Русский")
    await run_hours(app, clock, 24 * 7)  # no reply from TikTok in time: a follow-up is due
    await user.press(f"k:{token}:{action}")
    switch = action.upper()
    english, label, data = _language_switch(user, switch)
    assert f"Subject: {subject}" in english
    assert "русский" in label.casefold()
    await user.press(data)
    russian, label, data = _language_switch(user, switch)
    assert "Subject:" not in russian and subject not in russian
    assert "English" in label
    # The subject of the first message is quoted as it was sent (in English).
    sent = {"account": "Northwind Apparel", "ticket": "TT-0099123", "subject": case.subject}
    assert not leaks("ru", russian, sent)
    await user.press(data)
    again, label, _data = _language_switch(user, switch)
    assert f"Subject: {subject}" in again
    assert "русский" in label.casefold()


async def test_a_button_press_reads_the_chats_language_in_its_own_transaction(
    user: ChatDriver, service: RefundService
) -> None:
    """On SQLite the chat's language is read in the transaction of the update's first
    service call (bot.telegram.handlers.served), not in one of its own before it: a button
    press is one transaction, and still answers in the chat's language."""
    store = service.store
    if store.is_async:
        pytest.skip("with asyncpg the language is read before the update's transaction")
    await user.send("/language")
    await user.tap("Español")
    await user.send("/new")
    begins: list[object] = []

    def counted(connection: object) -> None:
        begins.append(connection)

    event.listen(store.engine, "begin", counted)
    try:
        await user.tap("Me cobraron dos veces")
    finally:
        event.remove(store.engine, "begin", counted)
    assert len(begins) == 1
    assert "Paso 2" in user.last_text()
