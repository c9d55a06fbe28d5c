"""The terminal chat as a newcomer meets it: `python -m bot chat` in a fresh folder, typing.

Each test runs the real command in a subprocess, with the database and the files
folder in tmp_path, no Telegram token, and tmp_path as the working directory (so
no stray .env is read).
"""
# Over 400 lines: one newcomer's terminal session, step by step, in a fresh folder.

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADVERTISER_ID = "7289000011112221010"
# Every setting the bot reads (pydantic-settings matches names case-insensitively).
SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "DEFAULT_TIMEZONE",
    "LOG_LEVEL",
    "FILES_DIR",
)


def _env(tmp_path: Path, *, database: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUTF8"] = "1"
    env["FILES_DIR"] = str(tmp_path / "files")
    if database:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 't.sqlite3'}"
    return env


def run_bot(
    tmp_path: Path,
    lines: list[str],
    *args: str,
    database: bool = True,
    clock: str | None = None,
    machine_tz: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in tmp_path, typing `lines`, until end of input.

    `clock` runs it under faketime (`@2028-02-29 12:00:00` starts the clock there,
    `-2d` shifts it back two days); `machine_tz` sets the machine's time zone (TZ)."""
    env = _env(tmp_path, database=database)
    command = [sys.executable, "-m", "bot", *args]
    if clock is not None:
        command = [_faketime(), "-f", clock, *command]
    if machine_tz is not None:
        env["TZ"] = machine_tz
    return subprocess.run(
        command,
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def _faketime() -> str:
    found = shutil.which("faketime")
    if found is None:
        pytest.skip("faketime is not installed (apt-get install -y faketime; .ci/run does)")
    return found


def _today() -> date:
    # The bot's clock is the real one, in UTC (DEFAULT_TIMEZONE is unset).
    return datetime.now(UTC).date()


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _assert_clean_exit(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "Sorry — something went wrong" not in result.stdout, result.stdout


# What a duplicate charge asks of a new account, after the reason: the advertiser ID, who
# is paid, the billing option and the currency (not its status or Business Center).
ACCOUNT_ANSWERS = [
    ADVERTISER_ID,
    "TikTok directly",  # a label typed
    "2",  # [2] Automatic payment (card)
    "1",  # [1] USD
]


def test_whole_duplicate_charge_intake_in_the_terminal(tmp_path: Path) -> None:
    """A whole duplicate-charge intake, by number, label and file:, ends in a sent, listed case."""
    charge_day = _today() - timedelta(days=10)
    statement = tmp_path / "statement.pdf"
    statement.write_bytes(b"%PDF-1.4 card statement")
    typed = [
        "/new",
        "I was charged twice",
        *ACCOUNT_ANSWERS,
        f"{charge_day.isoformat()} 10:02",
        "$189.90",
        "1881",
        "BDUS2026550101",
        "Skip",
        f"{charge_day.isoformat()} 10:08",
        "BDUS2026550102",
        "My money back",
        "Yesterday",
        f"file: {statement}",
        "2",  # which checklist item: [2] Bank or card statement
        "1",  # [1] ✅ Done (1)
        "Copy as file",
        "I've sent it",
        "TT-0099123",
        "/cases",
    ]
    result = run_bot(tmp_path, typed, "chat")

    _assert_clean_exit(result)
    out = result.stdout
    assert out.startswith("Terminal chat, on the local SQLite file ")
    assert "\n> " in out
    assert out.count("> ") >= len(typed), "one prompt per line typed"
    lines = out.splitlines()
    for button in (
        "  [1] Manual payment (prepaid)",
        "  [2] Automatic payment (card)",
        "  [1] TikTok directly",
        "  [1] I was charged twice",
        "  [1] ✅ Done (1)",
        "  [1] 📄 Copy as file",
        "  [3] ✍️ Sign it with your name",  # offered until the user signs or declines
        "  [5] ✅ I've sent it",
    ):
        assert button in lines, button
    # The verdict, with the names of its source pages and its warnings.
    assert "🔎 Worth asking — TikTok reviews these case by case." in out
    assert "From TikTok's help pages: TikTok billing options · Automatic payment" in out
    assert "Don't start a chargeback" in out
    # The message, with the key facts of both charges.
    subject = f"Subject: Duplicate charge of 189.90 USD on {_long(charge_day)}"
    assert f"{subject} — ad account {ADVERTISER_ID}" in out
    for fact in (
        f"- {_long(charge_day)}, 10:02, document BDUS2026550101",
        f"- {_long(charge_day)}, 10:08, document BDUS2026550102",
        "Card: ending 1881",
        "Billing option: automatic payment",
        f"We noticed this on {_long(_today() - timedelta(days=1))}",
        "- Bank or card statement (statement.pdf)",
    ):
        assert fact in out, fact
    # "Copy as file" saved the message under FILES_DIR.
    saved = tmp_path / "files" / "refund-request-case-1.txt"
    assert f"📎 refund-request-case-1.txt — saved to {saved}" in out
    content = saved.read_text(encoding="utf-8")
    assert content.startswith(subject)
    assert "BDUS2026550102" in content
    # Sent, the ticket kept, and the case listed.
    assert "✅ Noted as sent." in out
    assert "🎫 Ticket TT-0099123 saved." in out
    assert "📁 This is case #1." in out
    assert "#1 · Waiting for TikTok · I was charged twice" in out
    # The list shows the amount as it was typed; the message to TikTok spells it out.
    assert "$189.90 · charged " in out and "ticket TT-0099123" in out
    assert (tmp_path / "t.sqlite3").is_file()


def test_a_number_typed_at_a_typed_question_is_the_answer_not_a_button(tmp_path: Path) -> None:
    """At "how much?" (buttons: [1] Back [2] Cancel) typing 2 means 2 USD, not Cancel; at a
    choice a number still presses its button, and a label typed still presses it (issue 16
    A.4)."""
    charge_day = _today() - timedelta(days=10)
    result = run_bot(
        tmp_path,
        ["/new", "I was charged twice", *ACCOUNT_ANSWERS, f"{charge_day.isoformat()} 10:02", "2"],
        "chat",
    )
    _assert_clean_exit(result)
    out = result.stdout
    amount_question = out.rsplit("How much", 1)[1]
    assert "  [2] ✖️ Cancel" in amount_question.splitlines()
    assert "I've stopped" not in out
    assert "last 4 digits" in amount_question, amount_question

    back = run_bot(tmp_path, ["/new", "Continue", "back", "cancel"], "chat")
    _assert_clean_exit(back)
    after_back = back.stdout.split("  [2] Start over", 1)[1].split("last 4 digits", 1)[1]
    assert "How much" in after_back, "typing a label still presses it"
    assert "I've stopped" in after_back


def test_a_number_the_question_refuses_presses_that_button(tmp_path: Path) -> None:
    """Beside a typed question, a number is tried as the answer first; one the question
    can't take was meant as a button: "1" under "[1] Skip" at the card and document
    questions skips them, and nothing says it was refused."""
    charge_day = _today() - timedelta(days=10)
    result = run_bot(
        tmp_path,
        [
            "/new",
            "I was charged twice",
            *ACCOUNT_ANSWERS,
            f"{charge_day.isoformat()} 10:02",
            "$189.90",
            "1",  # [1] Skip at "which card?"
            "1",  # [1] Skip at "the document number?"
        ],
        "chat",
    )
    _assert_clean_exit(result)
    out = result.stdout
    assert "Which campaigns are involved?" in out
    assert "⚠️" not in out, out
    assert "Card: ending" not in out


def test_a_number_typed_after_a_question_without_buttons_is_the_answer(tmp_path: Path) -> None:
    """ "Partly refunded" asks how much came back (no buttons under the question): 2 typed
    there is 2 USD, not the second button of the case shown above it (issue 16 A.4, A.8)."""
    charge_day = _today() - timedelta(days=10)
    result = run_bot(
        tmp_path,
        [
            "/new",
            "I was charged twice",
            *ACCOUNT_ANSWERS,
            f"{charge_day.isoformat()} 10:02",
            "$189.90",
            "1881",
            "BDUS2026550101",
            "Skip",
            f"{charge_day.isoformat()} 10:08",
            "Skip",
            "My money back",
            "Yesterday",
            "Skip",
            "I've sent it",
            "Skip",
            "/case 1",
            "They replied",
            "Partly refunded",
            "2",
        ],
        "chat",
    )
    _assert_clean_exit(result)
    out = result.stdout
    assert "How much came back for case #1?" in out
    assert "Noted: 2.00 USD refunded on case #1." in out, out[-1500:]


def test_default_command_without_a_token_opens_the_terminal_chat(tmp_path: Path) -> None:
    """`python -m bot` without a token says so, names its SQLite file, and exits 0 at EOF."""
    result = run_bot(tmp_path, [])

    _assert_clean_exit(result)
    database = tmp_path / "t.sqlite3"
    assert result.stdout.startswith(
        "No TELEGRAM_BOT_TOKEN is set, so this is the terminal chat, "
        f"on the local SQLite file {database}.\n"
    )
    assert "Type /new to start" in result.stdout
    assert "> " in result.stdout
    assert database.is_file()


def test_default_database_is_refundbot_sqlite3_in_the_current_folder(tmp_path: Path) -> None:
    """Without DATABASE_URL the chat keeps its cases in ./refundbot.sqlite3, as the README says."""
    result = run_bot(tmp_path, ["/new", "I was charged twice", *ACCOUNT_ANSWERS], database=False)

    _assert_clean_exit(result)
    assert "on the local SQLite file refundbot.sqlite3." in result.stdout
    assert (tmp_path / "refundbot.sqlite3").is_file()
    assert "Step 1 — what went wrong" in result.stdout
    assert "Step 6 of 16 — the charge" in result.stdout


def test_end_of_input_mid_intake_and_a_second_run_continues(tmp_path: Path) -> None:
    """EOF mid-intake exits 0; the next run's /new offers Continue, at the same question."""
    first = run_bot(tmp_path, ["/new", "I was charged twice", *ACCOUNT_ANSWERS], "chat")

    _assert_clean_exit(first)
    assert first.stdout.rstrip().endswith(">"), "it stopped at the prompt"
    assert "When was the charge?" in first.stdout

    charge_day = _today() - timedelta(days=3)
    second = run_bot(
        tmp_path, ["/new", "Continue", f"{charge_day.isoformat()} 10:02", "189.90 USD"], "chat"
    )

    _assert_clean_exit(second)
    out = second.stdout
    assert "You have a case in progress — Step 6 of 16 — the charge" in out
    lines = out.splitlines()
    assert "  [1] Continue" in lines and "  [2] Start over" in lines
    after_continue = out.split("  [2] Start over", 1)[1]
    assert "What's the account's advertiser ID?" not in after_continue
    assert "When was the charge?" in after_continue
    assert "How much was it, tax included?" in after_continue
    # The card question only comes for a card-paying account: the billing answer was kept.
    assert "Which card was charged?" in after_continue


def test_a_second_run_on_a_clock_that_moved_back_still_answers(tmp_path: Path) -> None:
    """The server's clock went back two days between two runs: the second run's answers
    are not taken for redeliveries of the first run's (it used to answer nothing)."""
    first = run_bot(tmp_path, ["/new", "I was charged twice", *ACCOUNT_ANSWERS], "chat")
    _assert_clean_exit(first)
    assert "When was the charge?" in first.stdout

    second = run_bot(tmp_path, ["/new", "Continue", "189.90 USD"], "chat", clock="-2d")

    _assert_clean_exit(second)
    out = second.stdout
    assert "You have a case in progress — Step 6 of 16 — the charge" in out
    after_continue = out.split("  [2] Start over", 1)[1]
    assert "When was the charge?" in after_continue


@pytest.mark.parametrize(
    ("instant", "machine_tz"),
    [
        # "yesterday" is a leap day.
        (datetime(2028, 3, 1, 9, 0, tzinfo=UTC), "UTC"),
        # New Year in UTC, still New Year's Eve where the machine is.
        (datetime(2027, 1, 1, 0, 30, tzinfo=UTC), "America/Los_Angeles"),
        # A leap day in UTC, already 1 March where the machine is (UTC+14).
        (datetime(2028, 2, 29, 23, 30, tzinfo=UTC), "Pacific/Kiritimati"),
    ],
    ids=["after-leap-day", "new-year", "machine-ahead-of-utc"],
)
def test_a_whole_intake_reads_dates_right_on_any_day(
    tmp_path: Path, instant: datetime, machine_tz: str
) -> None:
    """The bot's days are UTC's (DEFAULT_TIMEZONE unset), whatever day it is and wherever
    the machine's clock is set: "yesterday" and "when did you notice" land on the right
    dates around a leap day and a new year."""
    # faketime reads the instant in the machine's time zone.
    local = instant.astimezone(ZoneInfo(machine_tz))
    result = run_bot(
        tmp_path,
        [
            "/new",
            "I was charged twice",
            *ACCOUNT_ANSWERS,
            "yesterday 10:02",
            "$189.90",
            "1881",
            "Skip",
            "Skip",
            "yesterday 10:08",
            "Skip",
            "My money back",
            "Today",
            "Skip",
        ],
        "chat",
        clock=f"@{local:%Y-%m-%d %H:%M:%S}",
        machine_tz=machine_tz,
    )

    _assert_clean_exit(result)
    out = result.stdout
    today = instant.date()
    yesterday = today - timedelta(days=1)
    assert f"Subject: Duplicate charge of 189.90 USD on {_long(yesterday)}" in out, out
    assert f"- {_long(yesterday)}, 10:02" in out
    assert f"- {_long(yesterday)}, 10:08" in out
    assert f"We noticed this on {_long(today)}" in out


def test_a_file_line_for_a_missing_file_gets_a_friendly_message(tmp_path: Path) -> None:
    """`file:` naming no file gets a friendly message, no traceback, and the intake goes on."""
    result = run_bot(
        tmp_path,
        [
            "file: /does/not/exist",
            "/new",
            "I was charged twice",
            "file: /does/not/exist",
            f"file: {tmp_path}",
            ADVERTISER_ID,
        ],
        "chat",
    )

    _assert_clean_exit(result)
    assert result.stderr == ""
    out = result.stdout
    assert out.count("There's no file at /does/not/exist.") == 2
    assert f"There's no file at {tmp_path}." in out
    assert "Who do you pay for ads" in out, "the next answer still counts"


def test_a_case_left_at_the_verdict_stays_a_draft_to_open_again(tmp_path: Path) -> None:
    """A case left at the verdict is a draft: /new starts another case at once, and
    /case 1 opens the draft again, its message as written (issue 16 A.1)."""
    first = run_bot(
        tmp_path,
        [
            "/new",
            "I want my unused balance back",
            ADVERTISER_ID,
            "TikTok directly",
            "Active",
            "Manual payment (prepaid)",
            "No",
            "USD",
            "420 USD",
            "Yes, I'm an admin",
            "Skip",
        ],
        "chat",
    )
    _assert_clean_exit(first)
    assert "Subject: Refund of unspent balance (420.00 USD)" in first.stdout

    second = run_bot(tmp_path, ["/new", "/case 1", "Open the draft"], "chat")

    _assert_clean_exit(second)
    assert "You have a case in progress" not in second.stdout
    assert "Pick the one closest to what happened" in second.stdout
    after_open = second.stdout.split("Open the draft", 1)[1]
    assert "Subject: Refund of unspent balance (420.00 USD)" in after_open


def test_the_bot_runs_without_the_postgresql_extras(tmp_path: Path) -> None:
    """The lock brings greenlet, asyncpg and psycopg, but `pip install refundbot` without
    the `postgres` extra doesn't: the bot must start and chat on SQLite without them."""
    blocked = "import sys\nfor name in ('greenlet', 'asyncpg', 'psycopg'):\n"
    blocked += "    sys.modules[name] = None\n"
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked + "from bot.cli import main\nsys.exit(main(['chat']))",
        ],
        input="/new\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env=_env(tmp_path),
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Step 1 — what went wrong" in run.stdout


def test_reminders_due_while_the_chat_was_closed_show_when_it_opens(tmp_path: Path) -> None:
    """A case sent ten days ago, no reply recorded: opening the terminal chat shows the
    reminder with its buttons, as Telegram would have (the sweep runs in the chat too)."""
    from bot.config import Settings
    from bot.telegram.application import build_service
    from bot.telegram.terminal import TERMINAL_USER_ID
    from tests.stored_cases import make_real_case

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        database_url=f"sqlite:///{tmp_path / 't.sqlite3'}",
    )
    service = build_service(settings)
    case_id = make_real_case(
        service.followup, TERMINAL_USER_ID, datetime.now(UTC) - timedelta(days=10)
    )
    # No quiet hours, so that the test passes at any hour it runs (a reminder that fell
    # due while the chat was closed waits for their end: tests/bot/test_followup.py).
    service.store.update_team_settings(TERMINAL_USER_ID, quiet_start="00:00", quiet_end="00:00")
    service.store.close()
    result = run_bot(tmp_path, [], "chat")
    _assert_clean_exit(result)
    assert f"Case #{case_id} — no reply from TikTok yet" in result.stdout
    assert "Send a follow-up" in result.stdout
