"""Where the bot's data folders are (`templates/`, `locales/`): inside the installed package
when it was installed from a wheel (`pip install .`), at the top of the checkout when it
runs from one (an editable install, the tests)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder `name`: the package's copy when there is one, else the checkout's."""
    installed = PACKAGE / name
    return installed if installed.is_dir() else PACKAGE.parent / name
