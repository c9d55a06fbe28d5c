"""The terminal chat: the real bot, its templates and database, talking on stdin/stdout.

It runs the same PTB `Application` as Telegram mode with the in-process Bot API
in place of the network: each line typed becomes an update, each message the
bot sends is printed, buttons as numbered lines.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.app.intake.buttons import is_a_choice
from bot.app.intake.service import RefundService
from bot.app.reminders.sweep import ReminderSweep
from bot.config import Settings
from bot.telegram.application import build_application
from bot.telegram.transport import ApiCall, InProcessBotApi, UpdateFactory
from conversations.inputs import whole_number

TERMINAL_USER_ID = 1001

log = logging.getLogger(__name__)
_TAGS = re.compile(r"<[^>]+>")


def html_to_text(text: str) -> str:
    """Telegram HTML as a terminal shows it: tags dropped, entities decoded."""
    return html.unescape(_TAGS.sub("", text))


class TerminalScreen:
    """Prints what the bot sends and remembers the last buttons, to map numbers to taps."""

    def __init__(self, out: TextIO, files_dir: Path) -> None:
        self.out = out
        self.files_dir = files_dir
        self.buttons: list[tuple[str, str]] = []
        self.buttons_message_id = 0
        # Whether the newest message came with buttons: after a question without any
        # ("what's the ticket number?"), a number typed is its answer.
        self.last_had_buttons = True
        # What the bot sent while a typed number was tried as an answer (see `run_terminal`).
        self.held: list[ApiCall] | None = None

    def show(self, call: ApiCall) -> None:
        if self.held is not None:
            self.held.append(call)
            return
        if call.method == "sendMessage":
            self._print(html_to_text(call.text))
            self._show_buttons(call)
        elif call.method == "editMessageText":
            # A terminal can't change what it printed: the new version is printed below.
            self._print(html_to_text(call.text))
            self._print("")
        elif call.method == "sendPhoto":
            self._save_files(call, "🖼")
            caption = str(call.params.get("caption") or "")
            if caption:
                self._print(html_to_text(caption))
            self._show_buttons(call)
        elif call.method == "sendDocument":
            self._save_files(call, "📎")
            self._print("")
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            self._print(f"  ({call.params['text']})")

    def _show_buttons(self, call: ApiCall) -> None:
        """The message's buttons as numbered lines; they are what a number typed presses."""
        buttons = call.buttons
        self.last_had_buttons = bool(buttons)
        if buttons:
            self.buttons = buttons
            self.buttons_message_id = call.message_id or 0
            for number, (label, _) in enumerate(buttons, start=1):
                self._print(f"  [{number}] {label}")
        self._print("")

    def _save_files(self, call: ApiCall, icon: str) -> None:
        """A sent file or picture, saved under the files folder (a terminal can't show it)."""
        for filename, content in call.files.values():
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(filename).name
            path.write_bytes(content)
            self._print(f"{icon} {Path(filename).name} — saved to {path}")

    def button_for(self, line: str) -> str | None:
        """The callback data of the button the user meant by number (where the buttons are
        a choice: beside a typed question a number is the answer) or by label."""
        choice = line.strip()
        number = whole_number(choice, most_digits=3)
        choice_shown = self.last_had_buttons and is_a_choice([data for _, data in self.buttons])
        if choice_shown and number is not None and 1 <= number <= len(self.buttons):
            return self.buttons[number - 1][1]
        folded = choice.casefold()
        for label, data in self.buttons:
            if label.casefold() == folded or _plain(label) == folded:
                return data
        return None

    def numbered_button(self, line: str) -> str | None:
        """The callback data of button N when `line` is just the number N."""
        number = whole_number(line.strip(), most_digits=3)
        if self.last_had_buttons and number is not None and 1 <= number <= len(self.buttons):
            return self.buttons[number - 1][1]
        return None

    def hold(self) -> None:
        self.held = []

    def release(self, *, show: bool) -> list[ApiCall]:
        """Stop holding; show what was held, or drop it. Returns what was held."""
        held, self.held = self.held or [], None
        if show:
            for call in held:
                self.show(call)
        return held

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def _plain(label: str) -> str:
    """A label without its leading emoji or trailing count, so `I've sent it` matches
    `✅ I've sent it` and `done` matches `✅ Done (2)`."""
    label = re.sub(r"\s*\(\d+\)$", "", label)
    return re.sub(r"^[^\w]+", "", label).strip().casefold()


async def run_terminal(
    settings: Settings,
    service: RefundService,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    banner: str = "",
) -> int:
    """Chat on stdin/stdout until end of input; return the exit code."""
    screen = TerminalScreen(stdout, settings.files_dir)
    api = InProcessBotApi(on_call=screen.show)
    application = build_application(
        settings, service, request=api, token="terminal", rate_limited=False
    )
    loop = asyncio.get_running_loop()
    async with application:
        updates = UpdateFactory(
            application.bot,
            user_id=TERMINAL_USER_ID,
            first_name="You",
            after=service.store.newest_update_id(TERMINAL_USER_ID),
        )
        if banner:
            screen._print(banner)
        # Reminders come here as they would on Telegram: what fell due while the chat was
        # closed shows first, then whatever falls due while it is open.
        sweep: ReminderSweep = application.bot_data.sweep
        await _sweep_once(sweep)
        reminders = asyncio.create_task(_sweep_every(sweep, settings.sweep_seconds))
        board = None
        try:
            if settings.board_dev_link:
                # Imported here: the plain terminal chat doesn't pay for aiohttp's server.
                from bot.telegram.web import start_dev_board

                board = await start_dev_board(application, settings)
            while True:
                stdout.write("> ")
                stdout.flush()
                line = await loop.run_in_executor(None, stdin.readline)
                if not line:
                    stdout.write("\n")
                    stdout.flush()
                    # An import or export still going finishes (and shows) before the end.
                    await application.bot_data.background.wait()
                    return 0
                line = line.rstrip("\r\n")
                update = _update_for(line, screen, updates, api)
                if update is None:
                    continue
                numbered = screen.numbered_button(line) if update.callback_query is None else None
                if numbered is None:
                    await application.process_update(update)
                    continue
                # A number beside a typed question ("[1] Skip" under "the invoice number?")
                # is tried as the answer first ("2" at "How much?" is 2 of the currency);
                # an answer the bot refuses was meant as the button's number.
                screen.hold()
                await application.process_update(update)
                held = screen.release(show=False)
                if _refused(held):
                    update = updates.button(numbered, message_id=screen.buttons_message_id)
                    await application.process_update(update)
                else:
                    for call in held:
                        screen.show(call)
        finally:
            reminders.cancel()
            if board is not None:
                await board.stop()


async def _sweep_once(sweep: ReminderSweep) -> None:
    try:
        await sweep.run_once()
    except Exception:  # a failed sweep must not end the chat; the next one tries again
        log.exception("The reminder sweep failed")


async def _sweep_every(sweep: ReminderSweep, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        await _sweep_once(sweep)


def _refused(calls: list[ApiCall]) -> bool:
    """Whether the bot's first message says it couldn't take the answer (⚠️ …)."""
    first = next((c for c in calls if c.method == "sendMessage"), None)
    return first is not None and first.text.lstrip().startswith("⚠️")


def _update_for(
    line: str, screen: TerminalScreen, updates: UpdateFactory, api: InProcessBotApi
) -> Any:
    if not line.strip():
        return None
    if line.startswith("file:"):
        path = Path(line.removeprefix("file:").strip()).expanduser()
        if not path.is_file():
            screen._print(f"There's no file at {path}.\n")
            return None
        # The in-process API serves the file's bytes when the bot downloads it.
        file_id = f"local-{len(api.files) + 1}-{path.name}"
        api.files[file_id] = path.read_bytes()
        return updates.document(file_id, path.name)
    data = None if line.startswith("/") else screen.button_for(line)
    if data is not None:
        return updates.button(data, message_id=screen.buttons_message_id)
    return updates.text(line)
