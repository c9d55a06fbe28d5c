"""The lock (requirements/*.txt) is what gets installed and tested, and it agrees with
pyproject.toml's ranges: a fresh machine runs exactly what CI ran."""

from __future__ import annotations

import os
import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
BOT_LOCK = ROOT / "requirements" / "bot.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
INSTALL = "pip install -r requirements/{lock} && pip install --no-deps --no-build-isolation"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?:\s*\\)?$", re.M)


def _pins(lock: Path) -> dict[str, str]:
    return {canonicalize_name(name): pinned for name, pinned in _PIN.findall(lock.read_text())}


def _entries(lock: Path) -> list[str]:
    """Each requirement of the lock with its continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", lock.read_text(encoding="utf-8"))
    return [line for line in text.splitlines() if line and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("lock", [BOT_LOCK, DEV_LOCK], ids=["bot", "dev"])
def test_every_locked_package_has_an_exact_version_and_hashes(lock: Path) -> None:
    entries = _entries(lock)
    assert len(entries) > 30
    for entry in entries:
        assert re.match(r"^[A-Za-z0-9._-]+==\S+ ", entry), entry
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry


@pytest.mark.parametrize(
    ("lock", "extras"),
    [(BOT_LOCK, ["postgres"]), (DEV_LOCK, ["postgres", "dev"])],
    ids=["bot", "dev"],
)
def test_the_lock_holds_every_dependency_within_pyprojects_range(
    lock: Path, extras: list[str]
) -> None:
    pins = _pins(lock)
    wanted = [
        *PROJECT["project"]["dependencies"],
        *(dep for extra in extras for dep in PROJECT["project"]["optional-dependencies"][extra]),
        *PROJECT["build-system"]["requires"],
    ]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {lock.name}: run scripts/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock.name} pins {name}=={pins[name]}, outside {requirement}: run scripts/lock"
        )


def test_the_test_tools_sit_on_exactly_the_bots_versions() -> None:
    bot, dev = _pins(BOT_LOCK), _pins(DEV_LOCK)
    assert {name: dev.get(name) for name in bot} == bot


def test_readme_ci_and_dockerfile_install_from_the_lock() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert INSTALL.format(lock="bot.txt") + " -e . && refundbot" in quick_start
    assert INSTALL.format(lock="dev.txt") + " -e . && python -m pytest" in quick_start
    assert "pip install -e" not in quick_start
    assert INSTALL.format(lock="dev.txt") in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install -r requirements/bot.txt" in dockerfile
    assert "pip install --no-deps --no-build-isolation ." in dockerfile


@pytest.mark.skipif(
    os.environ.get("REFUNDBOT_UNLOCKED") == "1",
    reason="scripts/check-latest runs the suite on the newest releases, not the lock",
)
def test_this_environment_runs_the_locked_versions() -> None:
    """What the tests run on is what the lock says (so a green run is a green lock)."""
    wrong = []
    for name, pinned in sorted(_pins(DEV_LOCK).items()):
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            wrong.append(f"{name}: locked {pinned}, installed {installed}")
    assert wrong == [], "install from the lock: pip install -r requirements/dev.txt"
