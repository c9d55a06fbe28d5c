"""Files in the background: an export read and stored a chunk at a time behind a progress
message, the records zip put together. `send_replies` lives here because a reply can
resume an import that waited for its ad account."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from bot.app.imports import ImportJob
from bot.exports import export_title, parse_export
from bot.telegram.handlers.context import BotContext, who_of
from bot.telegram.handlers.sending import edit_or_send, send_reply, still_busy
from bot.telegram.handlers.served import off_the_loop, served
from bot.views.formats import number
from bot.views.i18n import _, ngettext
from bot.views.phrases import said
from bot.views.replies import Reply, Who
from conversations.anomalies import find_anomalies
from conversations.billing import ChargeRow, ExportError, new_rows

# One logger for all the handlers, as before they were split into modules.
log = logging.getLogger("bot.telegram.handlers")


async def send_replies(update: Update, context: BotContext, replies: list[Reply]) -> None:
    """Send each reply to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    for reply in replies:
        if reply.chat_id is not None and reply.chat_id != chat.id:
            # Another chat (a team's group card): its failure must not spoil this reply.
            try:
                await send_reply(context.bot, chat.id, reply, context.service)
            except TelegramError as error:
                log.warning("Could not update chat %s: %s", reply.chat_id, error)
            continue
        await send_reply(context.bot, chat.id, reply, context.service)
    if any(reply.resume_import for reply in replies):
        # An account was just saved for an export that waited for it: read it now.
        who = who_of(update)
        job = await served(context, who, context.service.imports.resume, who)
        await run_import(update, context, who, job)


# Rows stored per transaction: each is a few milliseconds of the event loop (SQLite writes
# there), so other chats' updates get through between them.
IMPORT_CHUNK_ROWS = 500


# The progress message is edited at most this often (Telegram allows about one message a
# second per chat, edits included) and only for files this big.
PROGRESS_SECONDS = 2.0


PROGRESS_ROWS = 5_000


async def run_import(
    update: Update, context: BotContext, who: Who, job: ImportJob | list[Reply]
) -> None:
    """Answer at once with a progress message, then read and store the export in the
    background: one import at a time per chat, in this process (`BackgroundWork`) and
    across processes on one database (a claim in it)."""
    if not isinstance(job, ImportJob):
        await send_replies(update, context, job)
        return
    background = context.bot_data.background
    imports = context.service.imports
    if not await served(context, who, imports.claim, who.chat_id, background.holder):
        await still_busy(update, context, "import")
        return
    try:
        progress = await context.bot.send_message(
            who.chat_id, "📂 " + _("Reading %(file)s…") % {"file": job.filename}
        )
    except BaseException:
        await served(context, who, imports.release, who.chat_id, background.holder)
        raise
    if not background.start(
        "import", who.chat_id, read_export(update, context, who, job, progress), update
    ):
        await served(context, who, imports.release, who.chat_id, background.holder)
        await still_busy(update, context, "import")


async def read_export(
    update: Update, context: BotContext, who: Who, job: ImportJob, progress: Message
) -> None:
    """Download and read the export off the event loop, store its new rows a chunk at a
    time with the progress message edited as it goes, then report. The chat's import
    claim is renewed as it goes and given up at the end, however it ends."""
    try:
        await _read_export(update, context, who, job, progress)
    finally:
        holder = context.bot_data.background.holder
        await served(context, who, context.service.imports.release, who.chat_id, holder)


async def _read_export(
    update: Update, context: BotContext, who: Who, job: ImportJob, progress: Message
) -> None:
    imports = context.service.imports
    rules = context.service.policy.import_rules
    read = ReadSoFar()
    decided: ImportJob | list[Reply] = job
    try:
        file = await context.bot.get_file(job.file_id)
        data = bytes(await file.download_as_bytearray())
        if not job.chosen:
            # Which account: the one its title lines name, else the one saved, else ask.
            title = await asyncio.to_thread(
                export_title,
                data,
                job.filename,
                max_bytes=rules.max_bytes,
                max_rows=rules.max_rows,
            )
            decided = await served(context, who, context.service.import_account, who, job, title)
        if not isinstance(decided, ImportJob):
            raise AccountToAsk
        job = decided
        # Parsing 100,000 rows takes about a second: not on the loop other users share.
        parsing = asyncio.ensure_future(
            asyncio.to_thread(
                parse_export,
                data,
                job.filename,
                mapping=job.mapping,
                default_currency=job.currency,
                max_bytes=rules.max_bytes,
                max_rows=rules.max_rows,
                progress=read.update,
            )
        )
        await show_rows_read(context, who, job, progress, parsing, read)
        report = await parsing
    except AccountToAsk:
        assert not isinstance(decided, ImportJob)
        replies = decided
        await edit_progress(
            progress, _("%(file)s is waiting for its ad account.") % {"file": job.filename}
        )
        await send_replies(update, context, replies)
        return
    except ExportError as error:
        replies = imports.refused(said(error))
    except TelegramError:
        replies = imports.refused(
            _("I couldn't fetch that file from Telegram. Please send it again.")
        )
    else:
        del data
        replies = await served(context, who, imports.question, who, job, report)
        if not replies:
            added, already = await store_rows(context, who, job, report.rows, progress, read)
            account = await served(context, who, imports.account_facts, who, job)
            flags = await asyncio.to_thread(
                find_anomalies,
                report.rows,
                context.service.policy,
                today=account.today,
                paused=account.paused,
                account=account.advertiser_id,
            )
            replies = await served(
                context, who, imports.report, job, report, account, added, already, flags
            )
    first, rest = replies[0], replies[1:]
    if first.buttons:
        rest = replies
    else:
        await edit_or_send(context, who, progress, first.text)
    await send_replies(update, context, rest)


class AccountToAsk(Exception):
    """The export's ad account isn't known yet: ask, and read it once answered."""


class ReadSoFar:
    """How far the parser (in its thread) has read: rows read, and the file's rows below
    its header when known."""

    def __init__(self) -> None:
        self.rows = 0
        self.total: int | None = None

    def update(self, rows: int, total: int | None) -> None:
        self.rows, self.total = rows, total


async def show_rows_read(
    context: BotContext,
    who: Who,
    job: ImportJob,
    progress: Message,
    parsing: asyncio.Future[Any],
    read: ReadSoFar,
) -> None:
    """While the file is read, edit the progress message with the rows read of the file
    (at most every PROGRESS_SECONDS, once it's past PROGRESS_ROWS), renewing the chat's
    import claim each time."""
    holder = context.bot_data.background.holder
    shown = -1
    while not parsing.done():
        await asyncio.wait({parsing}, timeout=PROGRESS_SECONDS)
        if parsing.done():
            return
        await served(context, who, context.service.imports.renew, who.chat_id, holder)
        if read.rows < PROGRESS_ROWS or read.rows == shown:
            continue
        shown = read.rows
        await edit_progress(progress, rows_read_text(job, read))


def rows_read_text(job: ImportJob, read: ReadSoFar) -> str:
    if read.total:
        return _("%(file)s: %(done)s of %(total)s rows read…") % {
            "file": job.filename,
            "done": number(min(read.rows, read.total)),
            "total": number(read.total),
        }
    return _("%(file)s: %(done)s rows read…") % {"file": job.filename, "done": number(read.rows)}


async def edit_progress(progress: Message, text: str) -> None:
    with contextlib.suppress(TelegramError):
        await progress.edit_text("📂 " + text)


async def store_rows(
    context: BotContext,
    who: Who,
    job: ImportJob,
    rows: list[ChargeRow],
    progress: Message,
    read: ReadSoFar,
) -> tuple[int, int]:
    """Store the rows not stored before, a chunk per transaction (renewing the chat's
    import claim), with the progress message saying the whole file was read and how many
    new charges are being saved; return how many were added and how many were there
    already."""
    imports = context.service.imports
    holder = context.bot_data.background.holder
    seen = await off_the_loop(context.service, imports.stored_fingerprints, job)
    fresh = await asyncio.to_thread(new_rows, rows, seen)
    del seen
    total = len(fresh)
    if read.rows >= PROGRESS_ROWS:
        text = ngettext(
            "%(file)s: all %(rows)s rows read; saving %(num)s new charge…",
            "%(file)s: all %(rows)s rows read; saving %(num)s new charges…",
            total,
        ) % {"file": job.filename, "rows": number(read.rows), "num": number(total)}
        await edit_progress(progress, text)
    for start in range(0, total, IMPORT_CHUNK_ROWS):
        chunk = fresh[start : start + IMPORT_CHUNK_ROWS]
        await served(context, who, imports.store_chunk, job, chunk)
        await served(context, who, imports.renew, who.chat_id, holder)
        await asyncio.sleep(0)  # the other chats' updates that are ready run now
    return total, len(rows) - total


async def build_export(context: BotContext, who: Who, progress: Message) -> None:
    """Build the zip off the event loop, send it, and turn the progress message into the
    summary."""
    replies = await off_the_loop(context.service, context.records.export, who)
    for reply in replies:
        if reply.document is not None:
            await send_reply(context.bot, who.chat_id, dataclasses.replace(reply, text=""))
        await edit_or_send(context, who, progress, reply.text)
