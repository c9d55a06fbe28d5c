"""Messages that are not commands: typed answers, evidence files and exports, and what the
bot can't read."""

from __future__ import annotations

from telegram import Update

from bot.app.imports import looks_like_export
from bot.telegram.handlers.context import BotContext, typed, who_of
from bot.telegram.handlers.files import run_import, send_replies
from bot.telegram.handlers.sending import still_busy
from bot.telegram.handlers.served import served
from bot.views.i18n import _
from conversations.inputs import mask_card_numbers, storable


async def text(update: Update, context: BotContext) -> None:
    """Take typed text as the answer to the current question."""
    assert update.message is not None and update.message.text is not None
    who = who_of(update)
    typed = storable(update.message.text)
    replies = await served(context, who, context.service.on_text, who, typed)
    await send_replies(update, context, replies)


async def unreadable(update: Update, context: BotContext) -> None:
    """Anything else in a private chat (a sticker, a voice note, a location): say what I
    can read, and ask the question again."""
    who = who_of(update)
    await send_replies(
        update, context, await served(context, who, context.service.on_unreadable, who)
    )


async def attachment(update: Update, context: BotContext) -> None:
    """Keep a photo, document or video (a screen recording) as evidence."""
    message = update.message
    assert message is not None
    if message.photo:
        photo = message.photo[-1]  # the largest size
        file_id, kind, name = photo.file_id, "photo", None
    elif message.video is not None:
        file_id, kind, name = message.video.file_id, "video", typed(message.video.file_name)
    elif message.document is not None:
        document = message.document
        file_id, kind, name = document.file_id, "document", typed(document.file_name)
        who = who_of(update)
        if looks_like_export(name) and await served(
            context, who, context.service.accepts_export, who
        ):
            size = message.document.file_size or 0
            if size > context.service.policy.import_rules.max_bytes:
                await send_replies(
                    update,
                    context,
                    context.service.imports.refused(
                        _("That file is over 10 MB. Export a shorter date range and send it again.")
                    ),
                )
                return
            if context.bot_data.background.running("import", who.chat_id):
                await still_busy(update, context, "import")
                return
            # Shown back while reading and kept with a waiting import: never a card number.
            filename = mask_card_numbers(name or "export.csv")
            job = await served(context, who, context.service.imports.begin, who, file_id, filename)
            await run_import(update, context, who, job)
            return
    else:
        return
    who = who_of(update)
    replies = await served(
        context, who, context.service.on_file, who, file_id, kind, typed(message.caption), name
    )
    await send_replies(update, context, replies)
