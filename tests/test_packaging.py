"""A wheel (`pip install .`, not editable) carries everything the bot reads at run time:
built here, installed into a folder of its own, and run from outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# What a source tree holds that is not source: left out of the copy the wheel is built from
# (setuptools' build/ folder would otherwise carry files from an earlier build).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", "build", "*.egg-info", "node_modules", "__pycache__", ".*_cache", ".hypothesis"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "refundbot"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        # With the locked setuptools, as the Dockerfile builds it.
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--quiet", "-w", str(out), str(source)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 and "Could not find a version that satisfies" in result.stderr:
        pytest.skip(f"the build backend can't be fetched here: {result.stderr.strip()[-300:]}")
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("refundbot-*.whl")
    return built


def test_the_wheel_has_every_template_catalogue_migration_and_board_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = [
        *(f"bot/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "templates").rglob("*.j2")),
        *(f"bot/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "locales").rglob("*.po")),
        *(p.relative_to(ROOT).as_posix() for p in (ROOT / "bot" / "migrations").rglob("*.py")),
        "bot/db/migrations/script.py.mako",
        "conversations/policy.toml",
        # The board's page (bot/telegram/board.py serves them from the package).
        *(p.relative_to(ROOT).as_posix() for p in (ROOT / "bot" / "static").rglob("*.*")),
    ]
    assert len(wanted) > 80
    missing = [name for name in wanted if name not in names]
    assert missing == []


def test_the_installed_wheel_runs_the_chat_in_every_language(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run(
        [*install, "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    # The wheel's copy first on the path (ahead of this checkout's editable install); run
    # from a folder that is not the checkout.
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    script = (
        "import sys\n"
        "import bot\n"
        "from bot.views import i18n\n"
        "print('package:', bot.__file__)\n"
        "for code in i18n.LANGUAGES:\n"
        "    with i18n.speaking(code):\n"
        "        print(code, i18n.gettext('Skip'))\n"
        "from bot.cli import main\n"
        "sys.argv = ['refundbot', 'chat']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input="/new\n",
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"package: {target / 'bot' / '__init__.py'}" in result.stdout
    assert "ru Пропустить" in result.stdout
    assert "es Omitir" in result.stdout
    assert "Step 1 — what went wrong" in result.stdout
    assert (work / "refundbot.sqlite3").exists()


def test_every_package_of_the_source_is_listed_for_the_wheel() -> None:
    """pyproject.toml lists the packages one by one (templates/ and locales/ are mapped
    into `bot`); a package left off would be missing from an installed bot."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("bot", "conversations")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found - listed == set()
