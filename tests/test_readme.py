"""The README stays true: its diagrams are the machines', its Quick start is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conversations.diagram import DIAGRAMS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("machine", sorted(DIAGRAMS))
def test_readme_diagram_matches_the_machine(machine: str) -> None:
    """Each Mermaid block in the README is exactly what `refundbot diagram <machine>` prints
    now (regenerate it with that command when the machine changes)."""
    start, end = f"<!-- diagram:{machine}:start -->", f"<!-- diagram:{machine}:end -->"
    match = re.search(re.escape(start) + r"\n```mermaid\n(.*?)```\n" + re.escape(end), README, re.S)
    assert match, f"README.md has no {machine} diagram between {start} and {end}"
    assert match.group(1) == DIAGRAMS[machine]()


def test_quick_start_has_two_commands_and_ci_runs_the_test_one() -> None:
    """Quick start shows exactly two commands; .ci/run runs the second one."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block
    commands = [
        line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")
    ]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
