"""The README stays true: its diagram is the machine's, its Quick start is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from conversations.diagram import intake_mermaid

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_diagram_matches_the_machine() -> None:
    """The Mermaid block in the README is exactly what `refundbot diagram` prints now
    (regenerate it with `refundbot diagram` when the machine changes)."""
    match = re.search(
        r"<!-- diagram:start -->\n```mermaid\n(.*?)```\n<!-- diagram:end -->", README, re.S
    )
    assert match, "README.md has no diagram block between the diagram markers"
    assert match.group(1) == intake_mermaid()


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
