"""/export and /forget in the chat's language: the case files, the csv header and the list
of what /forget deletes follow the language the handler runs in (the message sent to
TikTok stays as it was sent; the csv values stay machine-readable)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from telegram.ext import Application

from bot.app.records.files import CSV_HEADER
from bot.telegram.transport import InProcessBotApi
from bot.views import i18n
from conversations.policy import Policy
from tests.bot.test_i18n import OTHER_LANGUAGES, leaks, require_translations
from tests.bot.test_records import ALEX, GROUP, group_case, private_case, rows_of, the_zip
from tests.helpers import ChatDriver

App = Application[Any, Any, Any, Any, Any, Any]

# The English headings of a case file: none may be left in another language's file.
ENGLISH_HEADINGS = (
    "# Case #",
    "## The facts",
    "## The verdict",
    "## The message sent",
    "## The message (not marked as sent)",
    "## Timeline",
    "## Evidence",
)
FENCED = re.compile(r"^(`{3,})text\n.*?^\1$", re.MULTILINE | re.DOTALL)


async def speak(user: ChatDriver, code: str) -> None:
    """Switch the user's chat to `code` with /language."""
    await user.send("/language")
    await user.tap(i18n.LANGUAGES[code].name)


def case_file_data(store: Any, chat_id: int, case_id: int, policy: Policy) -> dict[str, Any]:
    """What a case file quotes rather than says: the subject as sent, the rulebook's
    situation id and source pages, the user's own names and captions."""
    case = store.get_case(chat_id, case_id)
    assert case is not None
    return {
        "subject": case.subject or "",
        "situation": case.situation,
        "sources": list(policy.sources.values()),
        "typed": "Northwind Apparel statement.pdf bank statement Agency Client TT-0099123",
    }


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
async def test_export_is_in_the_chats_language(
    user: ChatDriver, api: InProcessBotApi, app: App, policy: Policy, code: str
) -> None:
    """Cases made in English, then /language → another language: /export's case files have
    their headings, labels and sentences in that language (no English text of the template
    shows through; the message to TikTok is quoted as sent), and cases.csv has a translated
    header over the same machine-readable values (ISO dates, plain decimal amounts)."""
    require_translations(code)
    await private_case(user, file=True)
    await private_case(user, "1.234,56 USD", send=False)
    await speak(user, code)
    await user.send("/export")

    _filename, archive = the_zip(api)
    header, *rows = rows_of(archive)
    with i18n.speaking(code):
        assert header == [i18n.gettext(column) for column in CSV_HEADER]
        reason = i18n.gettext("I was charged twice")
    assert not set(header) & set(CSV_HEADER) - {"ticket", "status"}, header
    assert [(r[0], r[1], r[5], r[6], r[7]) for r in rows] == [
        ("1", "2026-11-26", "189.90", "USD", "2026-11-09"),
        ("2", "2026-11-26", "1234.56", "USD", "2026-11-09"),
    ]
    assert rows[0][3] == reason != "I was charged twice"
    assert rows[0][11] == "2026-11-26T10:00:00+00:00" and rows[0][12] == "2026-12-03"

    store = app.bot_data.service.store
    for case_id in (1, 2):
        case_file = archive.read(f"case-{case_id}.md").decode("utf-8")
        for heading in ENGLISH_HEADINGS:
            assert heading not in case_file, heading
        said = FENCED.sub("", case_file)  # the message to TikTok, quoted as it was sent
        assert "Hello TikTok Ads support team," not in said
        found = leaks(code, said, case_file_data(store, user.chat_id, case_id, policy))
        assert not found, f"English in {code} case-{case_id}.md: {sorted(found)}\n{case_file}"
    first = archive.read("case-1.md").decode("utf-8")
    assert first.startswith(f"# {_in(code, 'Case #%(id)s — %(reason)s', id=1, reason=reason)}\n")
    assert "Hello TikTok Ads support team," in first, "the message stays as it was sent"


def _in(code: str, message: str, **values: object) -> str:
    with i18n.speaking(code):
        return i18n.gettext(message) % values


async def test_a_russian_export_reads_in_russian(user: ChatDriver, api: InProcessBotApi) -> None:
    """A Russian user's zip: Russian headings, labels, dates the Russian way, the caption
    in Russian; the csv header in Russian."""
    require_translations("ru")
    await private_case(user, file=True)
    await speak(user, "ru")
    await user.send("/export")
    _filename, archive = the_zip(api)
    header = rows_of(archive)[0]
    assert header[:4] == ["номер", "создана", "статус", "причина"]
    assert "дата списания" in header
    case_file = archive.read("case-1.md").decode("utf-8")
    reason = _in("ru", "I was charged twice")
    for russian in (
        "# " + _in("ru", "Case #%(id)s — %(reason)s", id=1, reason=reason),
        "## Факты",
        "## Вердикт",
        "## Отправленное сообщение",
        "## История",
        "## Доказательства",
        "- Статус: ",
        "- Владелец: пользователь 1001",
        "- Номер обращения: TT-0099123",
        "- Дата списания: 9 ноября 2026 г., 10:02",
        "- Карта: оканчивается на 1881",
        "Источники свода правил:",
        "Выгружено 26 ноября 2026 г., 10:00.",
        '- документ "statement.pdf" — bank statement, добавлено ',
        ", хранится в Telegram\n",
    ):
        assert russian in case_file, russian
    caption = str(api.sent("sendDocument")[-1].params.get("caption", ""))
    assert "заявк" in caption


async def test_a_group_export_names_the_team_in_the_language(
    app: App, api: InProcessBotApi
) -> None:
    """A group's case file says which team it is from, in the group's language."""
    require_translations("es")
    alex = ChatDriver(app, api, ALEX, None, "Alex", "alex")
    in_group = ChatDriver(app, api, ALEX, GROUP, "Alex", "alex")
    api.admins.add((GROUP, ALEX))
    await group_case(in_group, alex)
    await in_group.send("/language")
    await in_group.tap("Español")
    await in_group.send("/export")
    _filename, archive = the_zip(api)
    case_file = archive.read("case-1.md").decode("utf-8")
    assert "del equipo «Team»" in case_file
    assert "- Abierto por: Alex (usuario 1001)" in case_file


async def test_forget_lists_what_it_holds_in_the_language(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """/forget's list (and the list of what went) counts in Russian, with Russian plurals."""
    require_translations("ru")
    await private_case(user)
    await private_case(user, "20 USD", send=False)
    await speak(user, "ru")
    await user.send("/forget")
    question = user.last_text()
    assert "• 2 заявки" in question and "• 1 рекламный аккаунт" in question
    assert "• настройки вашего чата (часовой пояс, тихие часы)" in question
    assert not leaks("ru", question, {})
    await user.tap("🗑")
    done = user.last_text()
    assert "• 2 заявки" in done
    assert not leaks("ru", done, {})
