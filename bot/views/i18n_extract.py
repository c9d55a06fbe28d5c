"""Babel extractor for the policy data: the verdict texts in `conversations/policy.toml`.

`pybabel extract` calls `extract_policy` for the file (see babel.cfg); every text a chat
shows (titles, reasons, where to send, what to do instead, warnings, the charge-age
warnings, the names of the source pages) becomes a catalogue entry keyed by its English
text as written in the file, placeholders such as `{refund_expected_days}` included.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

SITUATION_TEXTS = ("title", "reasons", "where", "instead")
PLACEHOLDER_NOTE = (
    "Translators: keep the {placeholders} in braces exactly as they are: "
    "they are filled in with numbers."
)


def policy_texts(data: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(text, where it is) for every text of the policy data that a chat shows."""
    for key, text in data.get("lateness", {}).items():
        yield text, f"lateness.{key}"
    for key, text in data.get("warnings", {}).items():
        yield text, f"warnings.{key}"
    for key, text in data.get("source_titles", {}).items():
        yield text, f"source_titles.{key}"
    for situation in data.get("situation", []):
        for field in SITUATION_TEXTS:
            value = situation.get(field)
            texts = value if isinstance(value, list) else [value]
            for text in texts:
                if isinstance(text, str) and text:
                    yield text, f"situation {situation.get('id')}: {field}"
    for note in data.get("regional_note", []):
        for field in ("text", "elsewhere", "unknown"):
            text = note.get(field)
            if isinstance(text, str) and text:
                yield text, f"regional_note {note.get('id')}: {field}"


def extract_policy(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor interface: (line number, function name, message, comments)."""
    raw = fileobj.read().decode("utf-8")
    data = tomllib.loads(raw)
    lines = raw.splitlines()
    for text, where in policy_texts(data):
        # The line the text is on (TOML strings are written on one line each here).
        needle = text.replace("\\", "\\\\").replace('"', '\\"')[:40]
        lineno = next((i for i, line in enumerate(lines, 1) if needle in line), 0)
        comments = [f"policy.toml, {where}"]
        if "{" in text:
            comments.append(PLACEHOLDER_NOTE)
        yield lineno, "_", text, comments
