"""How an intake takes an answer: a button, typed text, a skip, a date (perhaps
ambiguous) or a file (`Answering`, a part of `Intake`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.dates import Ambiguous, When, parse_after, parse_when
from conversations.inputs import contains_card_number, whole_number
from conversations.intake.core import IntakeCore
from conversations.intake.parsing import (
    AMOUNT_STEPS,
    TEXT_PARSERS,
    clean_or_none,
    date_or_none,
    parse_amount_answer,
    time_or_none,
    when_to_json,
)
from conversations.intake.steps import (
    ANSWER_KEYS,
    CHOICES_WITH_TYPING,
    MAX_CHARGE_AGE_DAYS,
    YES_NO_STEPS,
    Kind,
    Note,
    Step,
)
from conversations.texts import InputError


class Answering(IntakeCore):
    """Taking the answer to the current step, then moving on."""

    def choose(self, value: str, today: date) -> list[Note]:
        """Take a button's value as the answer to the current step."""
        step = self.step
        if self.pending is not None:
            return self._choose_pending(value)
        if step is Step.NOTICED:
            return self._answer_noticed_button(value, today)
        spec = self.spec
        if spec.kind is not Kind.CHOICE or value not in spec.choices:
            if step in CHOICES_WITH_TYPING:
                return self.submit_text(value, today)
            raise InputError("Please pick one of the buttons.")
        key = ANSWER_KEYS[step][0]
        if step in YES_NO_STEPS:
            self.answers[key] = value == "yes"
        else:
            self.answers[key] = value
        if step is Step.ACCOUNT_BC and value == "no":
            self.answers["bc_id"] = None
        self._advance()
        return []

    def submit_text(self, text: str, today: date, locale: str = "en") -> list[Note]:
        """Take typed text as the answer to the current step; raise InputError if unusable.

        `locale` is the chat's language code: amounts and dates are read the way it
        writes them (``1.234,56``, ``09.11.2026``, ``3 ноября``)."""
        step = self.step
        spec = self.spec
        if self.pending is not None:
            raise InputError("Please pick one of the dates on the buttons, or type it again.")
        if spec.kind is Kind.DATE:
            return self._answer_date(step, text, today, locale)
        if step in AMOUNT_STEPS:
            notes = parse_amount_answer(self.answers, text, locale)
            self.answers.pop("charges", None)  # a typed amount is about one charge
            self._advance()
            return notes
        parser = TEXT_PARSERS.get(step)
        if parser is None:
            if spec.kind is Kind.FILES:
                raise InputError("Send a photo or a file, or tap Done when you're finished.")
            raise InputError("Please pick one of the buttons.")
        notes = parser(self.answers, text)
        self._advance()
        return notes

    def skip(self) -> None:
        """Skip an optional step, recording that it was asked."""
        if not self.spec.optional:
            raise InputError("This one I need to judge your case — please answer it.")
        for key in ANSWER_KEYS[self.step]:
            self.answers.setdefault(key, None)
        if self.step is Step.EVIDENCE:
            self.answers.setdefault("evidence", [])
        self._advance()

    def add_evidence(
        self, file_id: str, kind: str, caption: str | None, name: str | None
    ) -> tuple[int, bool]:
        """Keep a photo or document (by its file id) as evidence, at any step.

        Returns how many files there are and whether the caption or file name held
        a full card number (masked before it is kept; the user should be told).
        """
        if self.finished:
            raise InputError("This case is finished — send /new to start another.")
        had_card = any(contains_card_number(t) for t in (caption, name) if t)
        items: list[dict[str, Any]] = self.answers.setdefault("evidence", [])
        if not any(item["file_id"] == file_id for item in items):
            items.append(
                {
                    "file_id": file_id,
                    "kind": kind,
                    "caption": clean_or_none(caption, 300),
                    "name": clean_or_none(name, 120),
                }
            )
        return len(items), had_card

    def tag_evidence(self, index: int, what: str) -> None:
        """Note which checklist item a file is (for the checklist and the message)."""
        items: list[dict[str, Any]] = self.answers.get("evidence") or []
        if not 0 <= index < len(items):
            raise InputError("That file isn't here any more.")
        items[index]["covers"] = what

    def evidence_done(self) -> None:
        """Finish the evidence step (with or without files)."""
        self.answers.setdefault("evidence", [])
        self._advance()

    def _answer_date(self, step: Step, text: str, today: date, locale: str) -> list[Note]:
        if step is Step.CHARGE_DATE:
            # A typed charge is no longer the imported row whose status was known, nor
            # the several charges of an import's flag.
            self.answers.pop("charge_status", None)
            self.answers.pop("charges", None)
        first = date_or_none(self.answers.get("charge_date"))
        parsed: When | Ambiguous | None = None
        if step is Step.OTHER_CHARGE and first is not None:
            # "same day", "a few minutes later": told from the first charge.
            first_when = When(first, time_or_none(self.answers.get("charge_time")))
            parsed = parse_after(text, first_when, today, locale=locale)
        if parsed is None:
            parsed = parse_when(
                text,
                today,
                max_age_days=MAX_CHARGE_AGE_DAYS,
                allow_time=step in (Step.CHARGE_DATE, Step.OTHER_CHARGE),
                locale=locale,
            )
        if isinstance(parsed, Ambiguous):
            self.pending = [when_to_json(option) for option in parsed.options]
            return [Note("ambiguous_date")]
        self._store_when(step, parsed)
        return self._after_date(step)

    def _choose_pending(self, value: str) -> list[Note]:
        assert self.pending is not None
        index = whole_number(value, most_digits=2)
        if index is None or index >= len(self.pending):
            raise InputError("Please pick one of the dates on the buttons.")
        chosen = self.pending[index]
        self.pending = None
        when = When(date.fromisoformat(str(chosen["day"])), time_or_none(chosen["at"]))
        self._store_when(self.step, when)
        return self._after_date(self.step)

    def _after_date(self, step: Step) -> list[Note]:
        notes: list[Note] = []
        charge_day = date_or_none(self.answers.get("charge_date"))
        if step is Step.PAUSED_ON and charge_day is not None:
            paused = date_or_none(self.answers.get("paused_on"))
            if paused is not None and paused > charge_day:
                notes.append(Note("paused_after_charge"))
        if step is Step.OTHER_CHARGE and charge_day is not None:
            # Two charges on one day without times are a pair like any other (the verdict
            # does not need the times); only the very same minute is the same charge.
            other_time = self.answers.get("other_time")
            if (
                self.answers.get("other_date") == self.answers.get("charge_date")
                and other_time is not None
                and other_time == self.answers.get("charge_time")
            ):
                self.answers.pop("other_date", None)
                self.answers.pop("other_time", None)
                raise InputError(
                    "That's the same date and time as the first charge. When was the other one?"
                )
        self._advance()
        return notes

    def _store_when(self, step: Step, when: When) -> None:
        keys = ANSWER_KEYS[step]
        self.answers[keys[0]] = when.day.isoformat()
        if len(keys) > 1:
            self.answers[keys[1]] = when.at.strftime("%H:%M") if when.at else None

    def _answer_noticed_button(self, value: str, today: date) -> list[Note]:
        if value == "today":
            day = today
        elif value == "yesterday":
            day = date.fromordinal(today.toordinal() - 1)
        elif value == "charge_day" and self.answers.get("charge_date"):
            day = date.fromisoformat(self.answers["charge_date"])
        else:
            raise InputError("Please pick one of the buttons, or type a date.")
        self.answers["noticed"] = day.isoformat()
        self._advance()
        return []
