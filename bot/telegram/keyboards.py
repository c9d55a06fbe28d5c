"""Turns the service's buttons into Telegram inline keyboards.

Decision (issue 15: PTB's own types unless a benchmark in the same run shows a cost that
matters against the whole update): keyboards stay the Bot API's JSON, sent through
`api_kwargs`. `benchmarks/bench_keyboards.py` times a question's five-button keyboard both
ways, interleaved, beside the intake's p50 per update, in one run. Two runs on this VM
(2 cores shared with other work; medians of 5 rounds each):

                                        Bot API JSON    PTB's types
    build + serialise                   13.7 / 13.6 µs  155 / 173 µs
    send_message with the keyboard      310 / 261 µs    435 / 410 µs
    PTB's extra a keyboard (a button)   125 / 149 µs (25 / 30 µs)
    a whole update (the intake's p50)   861 / 878 µs
    PTB's extra / a whole update        14.5 % / 17.0 %, against the 5 % allowed

Three earlier runs on a busier VM gave 8 % to 59 %: never under 5 %, so the JSON stays.
Run the benchmark again before changing this; it prints its verdict.
"""

from __future__ import annotations

from typing import Any

from bot.views.callbacks import MAX_CALLBACK_BYTES
from bot.views.replies import Button


def inline_keyboard(rows: list[list[Button]]) -> dict[str, Any] | None:
    """The inline keyboard for `rows` as the Bot API's JSON object, or None when there are
    no buttons.

    It goes to Telegram as a raw parameter (`markup_kwargs`), not as PTB's
    InlineKeyboardMarkup: PTB builds a frozen object per button and walks each back into
    a dict to send it, about 30 µs a button, which on a question with five buttons cost
    more than loading and saving the intake.
    """
    if not rows:
        return None
    keyboard: list[list[dict[str, Any]]] = []
    for row in rows:
        line: list[dict[str, Any]] = []
        for button in row:
            if button.web_app:
                line.append({"text": button.label, "web_app": {"url": button.web_app}})
                continue
            if button.url:
                line.append({"text": button.label, "url": button.url})
                continue
            if len(button.data.encode()) > MAX_CALLBACK_BYTES:
                raise ValueError(f"callback_data too long: {button.data!r}")
            line.append({"text": button.label, "callback_data": button.data})
        keyboard.append(line)
    return {"inline_keyboard": keyboard}


def markup_kwargs(rows: list[list[Button]]) -> dict[str, Any] | None:
    """`api_kwargs` for a send or an edit carrying the keyboard for `rows` (PTB's documented
    way to pass a parameter as is), or None when there are no buttons."""
    keyboard = inline_keyboard(rows)
    return None if keyboard is None else {"reply_markup": keyboard}
