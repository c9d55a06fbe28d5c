"""What the intake and case machines share: one `transitions` machine per kind, shared
by every model, that a model is attached to for the length of one update."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from transitions import Machine

M = TypeVar("M")


class SharedMachine(Machine):
    """A machine many models pass through: attaching one binds nothing to it.

    Machine would bind an is_<state>() helper and look for on_enter/on_exit methods for
    every state, and a method per trigger, on every attach. The models here say where
    they are themselves and fire triggers through `machine.events[name]`, so all of that
    would be per-update work for nothing (and the bound partials would shadow the case
    model's typed trigger methods).
    """

    def _add_model_to_state(self, state: Any, model: Any) -> None:
        return None

    def _add_trigger_to_model(self, trigger: str, model: Any) -> None:
        # Would build two partials per trigger for `_checked_assignment` to throw away.
        return None

    def _checked_assignment(self, model: Any, name: str, func: Any) -> None:
        return None


@contextmanager
def attached(machine: Machine, model: M, initial: Any) -> Iterator[M]:
    """Attach `model` to `machine` for the length of one update (re-entrant)."""
    if model in machine.models:
        yield model
        return
    machine.add_model(model, initial=initial)
    try:
        yield model
    finally:
        machine.remove_model(model)
