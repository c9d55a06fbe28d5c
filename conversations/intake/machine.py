"""The intake's transition table and the one machine every intake shares.

Order matters: for one trigger and source, the first transition whose conditions
hold is taken. The conditions are methods of `Intake` (see `questions.Conditions`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from transitions import Machine

from conversations.intake.steps import ACCOUNT_QUESTIONS, ACCOUNT_STEPS, FINISHED, Step
from conversations.machines import SharedMachine

S = Step


def _onward(source: Step | list[Step], trigger: str = "next") -> list[dict[str, Any]]:
    """From the reason or an account question: the reason if it isn't known yet (an intake
    begun in the old order, account first), the account if the reason needs one, the next
    account fact the reason needs, and then the reason's own questions."""
    return [
        {"trigger": trigger, "source": source, "dest": S.REASON, "conditions": "lacks_reason"},
        {"trigger": trigger, "source": source, "dest": S.ACCOUNT, "conditions": "lacks_account"},
        *(
            {"trigger": trigger, "source": source, "dest": step, "conditions": f"asks_{step}"}
            for step in ACCOUNT_QUESTIONS
        ),
        # Adding or editing an account on its own (/accounts): done once its questions are.
        *(
            {"trigger": trigger, "source": source, "dest": dest, "conditions": condition}
            for dest, condition in (
                (S.DONE, "adds_an_account"),
                (S.CHARGE_DATE, "is_about_a_charge"),
                (S.BALANCE, "is_about_the_balance"),
            )
        ),
        # Poor results, ad credits, rejected ads: the reason alone decides the verdict.
        {"trigger": trigger, "source": source, "dest": S.REVIEW},
    ]


# Order matters: for one trigger and source, the first transition whose
# conditions hold is taken.
TRANSITIONS: list[dict[str, Any]] = [
    *_onward(S.REASON),
    *_onward(S.ACCOUNT, "pick_account"),
    # From the menu of saved accounts, or (/accounts: an account on its own) at once.
    {"trigger": "add_account", "source": [S.ACCOUNT, S.REASON], "dest": S.ACCOUNT_ID},
    *(t for step in ACCOUNT_STEPS for t in _onward(step)),
    {"trigger": "next", "source": S.CHARGE_DATE, "dest": S.CHARGE_AMOUNT},
    {
        "trigger": "next",
        "source": S.CHARGE_AMOUNT,
        "dest": S.CHARGE_CARD,
        "conditions": "pays_by_card",
    },
    {"trigger": "next", "source": S.CHARGE_AMOUNT, "dest": S.CHARGE_INVOICE},
    {"trigger": "next", "source": S.CHARGE_CARD, "dest": S.CHARGE_INVOICE},
    {"trigger": "next", "source": S.CHARGE_INVOICE, "dest": S.CHARGE_CAMPAIGNS},
    {
        "trigger": "next",
        "source": S.CHARGE_CAMPAIGNS,
        "dest": S.OTHER_CHARGE,
        "conditions": "is_duplicate",
    },
    {
        "trigger": "next",
        "source": S.CHARGE_CAMPAIGNS,
        "dest": S.PAUSED_ON,
        "conditions": "is_after_pause",
    },
    {
        "trigger": "next",
        "source": S.CHARGE_CAMPAIGNS,
        "dest": S.INVOICE_PROBLEM,
        "conditions": "is_wrong_invoice",
    },
    {"trigger": "next", "source": S.CHARGE_CAMPAIGNS, "dest": S.STORY, "conditions": "needs_story"},
    {
        "trigger": "next",
        "source": S.CHARGE_CAMPAIGNS,
        "dest": S.WANT,
        "conditions": "asks_want",
    },
    {"trigger": "next", "source": S.CHARGE_CAMPAIGNS, "dest": S.NOTICED},
    {"trigger": "next", "source": S.WANT, "dest": S.NOTICED},
    {"trigger": "next", "source": S.OTHER_CHARGE, "dest": S.OTHER_INVOICE},
    {"trigger": "next", "source": S.OTHER_INVOICE, "dest": S.WANT, "conditions": "asks_want"},
    {"trigger": "next", "source": S.OTHER_INVOICE, "dest": S.NOTICED},
    {"trigger": "next", "source": S.PAUSED_ON, "dest": S.SPEND_AFTER_PAUSE},
    {"trigger": "next", "source": S.SPEND_AFTER_PAUSE, "dest": S.WANT, "conditions": "asks_want"},
    {"trigger": "next", "source": S.SPEND_AFTER_PAUSE, "dest": S.NOTICED},
    {"trigger": "next", "source": S.INVOICE_PROBLEM, "dest": S.NOTICED},
    {"trigger": "next", "source": S.STORY, "dest": S.WANT, "conditions": "asks_want"},
    {"trigger": "next", "source": S.STORY, "dest": S.NOTICED},
    {"trigger": "next", "source": S.NOTICED, "dest": S.EVIDENCE},
    {
        "trigger": "next",
        "source": S.BALANCE,
        "dest": S.APPEAL,
        "conditions": "account_is_suspended",
    },
    {"trigger": "next", "source": S.BALANCE, "dest": S.ADMIN},
    {"trigger": "next", "source": S.APPEAL, "dest": S.ADMIN, "conditions": "appeal_was_won"},
    # An appeal not (yet) won blocks the refund: nothing more to ask or attach.
    {"trigger": "next", "source": S.APPEAL, "dest": S.REVIEW},
    # Only an admin can ask for the balance back: a non-admin hears so at once, before
    # being asked for anything more (the verdict is blocked whatever else they answer).
    {"trigger": "next", "source": S.ADMIN, "dest": S.REVIEW, "conditions": "is_not_admin"},
    # On automatic payment only money added to the balance is refunded this way (T1).
    {
        "trigger": "next",
        "source": S.ADMIN,
        "dest": S.ADDED_BALANCE,
        "conditions": "pays_automatically",
    },
    {"trigger": "next", "source": S.ADMIN, "dest": S.EVIDENCE},
    {"trigger": "next", "source": S.ADDED_BALANCE, "dest": S.EVIDENCE},
    {"trigger": "next", "source": S.EVIDENCE, "dest": S.REVIEW},
    {"trigger": "edit", "source": S.REVIEW, "dest": S.EDIT},
    {"trigger": "mark_sent", "source": S.REVIEW, "dest": S.TICKET},
    {"trigger": "next", "source": S.TICKET, "dest": S.DONE},
    {"trigger": "close", "source": S.REVIEW, "dest": S.DONE},
    {"trigger": "cancel", "source": [s for s in Step if s not in FINISHED], "dest": S.CANCELLED},
]


class IntakeMachine(SharedMachine):
    """The shared intake machine."""


def build_machine(machine_cls: type[Machine] = IntakeMachine, **kwargs: Any) -> Machine:
    """Build the intake machine (a `GraphMachine` class may be passed to draw it)."""
    return machine_cls(
        model=None,
        states=Step,
        transitions=TRANSITIONS,
        initial=Step.REASON,
        auto_transitions=False,
        **kwargs,
    )


MACHINE = build_machine()


def next_step(intake: Any, step: Step, trigger: str = "next") -> Step | None:
    """Where `trigger` leads from `step` for these answers: the first transition whose
    conditions hold (as the machine picks it), or None."""
    for dest, conditions in _choices(trigger, step):
        if all(bool(getattr(intake, name)()) == target for name, target in conditions):
            return dest
    return None


@cache
def _choices(trigger: str, step: Step) -> tuple[tuple[Step, tuple[tuple[str, bool], ...]], ...]:
    """The transitions `trigger` offers from `step`, in the machine's order: each one's
    destination and its conditions (a method of the intake, and the value it must give).
    Read from the one shared machine once: it never changes after it is built, and the
    step counter walks it several times an update."""
    transitions = MACHINE.events[trigger].transitions.get(step.name, [])
    return tuple(
        (Step[str(t.dest)], tuple((str(c.func), bool(c.target)) for c in t.conditions))
        for t in transitions
    )
