"""Long work (an import, an export) that runs beside the updates, one of a kind per chat.

An update that starts such work answers at once and hands the rest to a task: the chat's
next updates, and every other chat's, go on meanwhile. Within a chat one import (or one
export) runs at a time; the caller tells the user when one is still going. Imports are
also claimed in the database (`ImportService.claim`), which holds across processes:
`holder` names this process there.

While the application runs, the task is PTB's `Application.create_task`: its errors go to
the error handler and `Application.stop()` waits for it before the bot shuts down. The
terminal chat and the tests handle updates without starting the application; there it is
a plain task with the same error handling, and `wait` lets them see it through.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Coroutine
from typing import Any

from telegram.ext import Application

log = logging.getLogger(__name__)

WorkKey = tuple[str, int]


class BackgroundWork:
    """The chats' running imports and exports, by (kind, chat id)."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.application = application
        self._running: dict[WorkKey, asyncio.Task[None]] = {}
        # Who holds a chat's import claim in the database (see ImportService.claim): this
        # process's own name, so another process on the same database waits its turn.
        self.holder = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(6)}"

    def running(self, kind: str, chat_id: int) -> asyncio.Task[None] | None:
        """The chat's work of `kind` still going, if any."""
        return self._running.get((kind, chat_id))

    def start(
        self, kind: str, chat_id: int, work: Coroutine[Any, Any, None], update: object
    ) -> bool:
        """Run `work` in the background unless the chat already has work of `kind` going
        (then `work` is closed unrun and this returns False)."""
        key = (kind, chat_id)
        if key in self._running:
            work.close()
            return False
        if self.application.running:
            task = self.application.create_task(work, update=update, name=f"{kind}:{chat_id}")
        else:
            task = asyncio.create_task(self._reported(work, update), name=f"{kind}:{chat_id}")
        self._running[key] = task

        def done(finished: asyncio.Task[None]) -> None:
            if self._running.get(key) is finished:
                del self._running[key]

        task.add_done_callback(done)
        return True

    async def wait(self) -> None:
        """Until every piece of work started so far has ended (however it ended)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def _reported(self, work: Coroutine[Any, Any, None], update: object) -> None:
        # What Application.create_task does for a running application.
        try:
            await work
        except Exception as error:
            await self.application.process_error(update, error)
