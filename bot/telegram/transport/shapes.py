"""The Bot API's JSON objects the fake API answers with and the updates are built of: the
bot, users, chats and chat members."""

from __future__ import annotations

import time
from typing import Any

BOT_USER: dict[str, Any] = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Refund Guide",
    "username": "refund_guide_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


# What a restricted member may not do (getChatMember's "restricted" carries each).
RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_react_to_messages",
)


def chat_member(user: dict[str, Any], status: str, *, is_member: bool = True) -> dict[str, Any]:
    """A ChatMember as the Bot API gives it, with each status's required fields."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "administrator":
        member.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        )
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "restricted":
        member.update({"is_member": is_member, "until_date": 0, "can_edit_tag": False})
        for right in RESTRICTED_RIGHTS:
            member[right] = False
    return member


def chat_json(chat_id: int, title: str | None = None) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    return {"id": chat_id, "type": "supergroup", "title": title or "Team"}


def user_json(user_id: int, first_name: str, language_code: str = "en") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


def sent_message(method: str, params: dict[str, Any], message_id: int) -> dict[str, Any]:
    """The Message Telegram answers a sendMessage, sendPhoto or sendDocument with."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat_json(int(params["chat_id"])),
        "from": BOT_USER,
    }
    if method == "sendMessage":
        message["text"] = params.get("text", "")
    elif method == "sendPhoto":
        # Telegram answers with the sizes it made of the picture; one will do.
        message["photo"] = [
            {
                "file_id": f"photo-{message_id}",
                "file_unique_id": f"p{message_id}",
                "width": 1,
                "height": 1,
            }
        ]
        if params.get("caption"):
            message["caption"] = params["caption"]
    else:
        message["document"] = {
            "file_id": f"doc-{message_id}",
            "file_unique_id": f"u{message_id}",
        }
    return message
