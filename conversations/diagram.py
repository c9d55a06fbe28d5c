"""The state diagrams as Mermaid, drawn by transitions from the machines' own tables."""

from __future__ import annotations

from typing import Any

from transitions.extensions import GraphMachine

from conversations import cases
from conversations.intake import TRANSITIONS, Intake, Step


def _draw(machine: Any, model: Any, initial: Any) -> str:
    machine.add_model(model, initial=initial)
    source: str = model.get_graph().draw(None)
    return "\n".join(line.rstrip() for line in source.strip().splitlines()) + "\n"


def intake_mermaid() -> str:
    """Mermaid source of the intake machine (Cancel, possible from every question, left out)."""
    machine = GraphMachine(
        model=None,
        states=Step,
        transitions=[t for t in TRANSITIONS if t["trigger"] != "cancel"],
        initial=Step.ACCOUNT,
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        title="Refund intake",
    )
    return _draw(machine, Intake(), Step.ACCOUNT)


def case_mermaid() -> str:
    """Mermaid source of the case lifecycle machine (after "I've sent it")."""
    machine = cases.build_machine(
        GraphMachine, graph_engine="mermaid", show_conditions=True, title="Case lifecycle"
    )
    return _draw(machine, cases.CaseTrack(), cases.CaseStatus.DRAFTED)


DIAGRAMS = {"intake": intake_mermaid, "cases": case_mermaid}
