"""The intake's state diagram as Mermaid, drawn by transitions from the machine's own table."""

from __future__ import annotations

from transitions.extensions import GraphMachine

from conversations.intake import TRANSITIONS, Intake, Step


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
    model = Intake()
    machine.add_model(model, initial=Step.ACCOUNT)
    source: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in source.strip().splitlines()) + "\n"
