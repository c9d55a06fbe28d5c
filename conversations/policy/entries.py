"""The entries of the policy: situations (and their `match`) and regional notes, each
checked on its own and across the list."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum

from conversations.facts import Facts, Outcome
from conversations.policy.model import RECIPIENTS, UNKNOWN, Condition, RegionalNote, Situation
from conversations.policy.reader import _Reader
from conversations.regions import known_regions

_REGION_PATTERN = re.compile(r"^[A-Z]{2}$")
_MAX_REASONS = 3  # more than three "why" sentences stops being readable in a chat
_SITUATION_REQUIRED = (
    "id",
    "row",
    "outcome",
    "match",
    "title",
    "reasons",
    "sources",
    "where",
    "recipient",
)
_SITUATION_OPTIONAL = ("template", "instead", "warnings", "regions")
_NOTE_REQUIRED = ("id", "situations", "regions", "text", "sources")
_NOTE_OPTIONAL = ("elsewhere", "unknown")
# Outcomes that must say what to do instead (or first).
_NEEDS_INSTEAD = frozenset({Outcome.NOT_ELIGIBLE, Outcome.BLOCKED})


@dataclass(frozen=True)
class _FactKind:
    """What a `match` key may hold: values of an enum, or booleans; and whether None occurs."""

    enum: type[StrEnum] | None  # None: the fact is a bool
    nullable: bool


class _EntryReader(_Reader):
    """Reads and checks the [[situation]] and [[regional_note]] entries."""

    def situation(
        self,
        raw: object,
        index: int,
        placeholders: Mapping[str, object],
        warnings: Mapping[str, str],
        sources: Mapping[str, str],
    ) -> Situation:
        raw, id_, where = self.entry(
            raw, "situation", index, _SITUATION_REQUIRED, _SITUATION_OPTIONAL
        )

        outcome_text = self.text(raw, "outcome", where)
        try:
            outcome = Outcome(outcome_text)
        except ValueError:
            self.fail(
                where, f"unknown outcome {outcome_text!r} (expected one of: {_names(Outcome)})"
            )

        row = raw["row"]
        if not isinstance(row, int) or isinstance(row, bool) or row < 0:
            self.fail(where, "row must be a POLICY.md §2 row number, or 0 for an extra entry")

        def render(key: str, text: str) -> str:
            return self.render(text, placeholders, f"{where} {key}")

        reasons = self.text_list(raw, "reasons", where)
        if not 1 <= len(reasons) <= _MAX_REASONS:
            self.fail(where, f"reasons must hold 1 to {_MAX_REASONS} sentences, not {len(reasons)}")

        source_keys = self.text_list(raw, "sources", where)
        if not source_keys:
            self.fail(where, "sources must name at least one source key")
        for key in source_keys:
            if key not in sources:
                self.fail(where, f"unknown source {key!r} (define it in [sources])")

        warning_keys = self.text_list(raw, "warnings", where) if "warnings" in raw else ()
        for key in warning_keys:
            if key not in warnings:
                self.fail(where, f"warning {key!r} is not defined in [warnings]")

        where_to = self.text(raw, "where", where, allow_empty=True)
        recipient = self.text(raw, "recipient", where, allow_empty=True)
        if recipient and recipient not in RECIPIENTS:
            self.fail(
                where,
                f"unknown recipient {recipient!r} (expected one of: "
                f'{", ".join(sorted(RECIPIENTS))}, or "" when nothing is sent)',
            )
        if bool(where_to) != bool(recipient):
            self.fail(where, "where and recipient go together: set both, or leave both empty")
        template = self.text(raw, "template", where) if "template" in raw else None
        if template is not None and not recipient:
            self.fail(where, f"template {template!r} needs a where and a recipient to send it to")
        instead = render("instead", self.text(raw, "instead", where)) if "instead" in raw else None
        if outcome in _NEEDS_INSTEAD and instead is None:
            self.fail(where, f"a {outcome.value} entry must say what to do instead (key 'instead')")

        return Situation(
            id=id_,
            row=row,
            outcome=outcome,
            match=self.match(raw["match"], where),
            title=render("title", self.text(raw, "title", where)),
            reasons=tuple(render("reasons", reason) for reason in reasons),
            sources=source_keys,
            where=render("where", where_to),
            recipient=recipient,
            template=template,
            instead=instead,
            warnings=warning_keys,
            regions=self.regions(raw, where) if "regions" in raw else None,
        )

    def match(self, raw: object, where: str) -> tuple[Condition, ...]:
        if not isinstance(raw, dict):
            self.fail(where, 'match must be a table, e.g. { reason = "duplicate" }')
        kinds = _matchable_facts()
        conditions = []
        for key, value in raw.items():
            kind = kinds.get(key)
            if kind is None:
                self.fail(where, f"unknown match key {key!r} (expected one of: {', '.join(kinds)})")
            conditions.append(self.condition(key, kind, value, f"{where} match.{key}"))
        return tuple(conditions)

    def condition(self, fact: str, kind: _FactKind, value: object, where: str) -> Condition:
        values = value if isinstance(value, list) else [value]
        if not values:
            self.fail(where, "an empty list matches nothing; leave the key out to match anything")
        allowed: set[StrEnum | bool] = set()
        allows_unknown = False
        for item in values:
            if item == UNKNOWN:
                if not kind.nullable:
                    self.fail(where, f"{fact} is always known, so {UNKNOWN!r} cannot be used")
                allows_unknown = True
            elif kind.enum is None:
                if not isinstance(item, bool):
                    self.fail(where, f"{item!r} is not a boolean: write true or false, unquoted")
                allowed.add(item)
            else:
                if not isinstance(item, str) or item not in {m.value for m in kind.enum}:
                    extra = f", {UNKNOWN}" if kind.nullable else ""
                    self.fail(
                        where,
                        f"{item!r} is not a {kind.enum.__name__} value "
                        f"(expected one of: {_names(kind.enum)}{extra})",
                    )
                allowed.add(kind.enum(item))
        return Condition(fact=fact, allowed=frozenset(allowed), allows_unknown=allows_unknown)

    def regions(self, raw: dict[str, object], where: str) -> frozenset[str]:
        regions = self.text_list(raw, "regions", where)
        if not regions:
            self.fail(where, "regions must list at least one country; leave it out for all")
        known = known_regions()
        for code in regions:
            if not _REGION_PATTERN.match(code):
                self.fail(where, f'region {code!r} is not an upper-case ISO 3166 code like "JP"')
            if code not in known:
                # A typo ("JA" for Japan) would silently limit the entry to no account.
                self.fail(where, f"region {code!r} is not a country's ISO 3166 code")
        return frozenset(regions)

    def regional_note(
        self,
        raw: object,
        index: int,
        placeholders: Mapping[str, object],
        sources: Mapping[str, str],
        situation_ids: frozenset[str],
    ) -> RegionalNote:
        raw, id_, where = self.entry(raw, "regional_note", index, _NOTE_REQUIRED, _NOTE_OPTIONAL)
        names = self.text_list(raw, "situations", where)
        if not names:
            self.fail(where, "situations must name at least one situation id")
        for name in names:
            if name not in situation_ids:
                self.fail(where, f"unknown situation {name!r}")
        source_keys = self.text_list(raw, "sources", where)
        for key in source_keys:
            if key not in sources:
                self.fail(where, f"unknown source {key!r} (define it in [sources])")

        def optional(key: str) -> str | None:
            if key not in raw:
                return None
            return self.render(self.text(raw, key, where), placeholders, f"{where} {key}")

        return RegionalNote(
            id=id_,
            situations=frozenset(names),
            regions=self.regions(raw, where),
            text=self.render(self.text(raw, "text", where), placeholders, f"{where} text"),
            elsewhere=optional("elsewhere"),
            unknown=optional("unknown"),
            sources=source_keys,
        )

    # --- checks across entries -------------------------------------------------

    def ids_are_unique(self, situations: tuple[Situation, ...]) -> None:
        seen: set[str] = set()
        for situation in situations:
            if situation.id in seen:
                self.fail(
                    f"situation {situation.id!r}", "this id is used twice; ids must be unique"
                )
            seen.add(situation.id)

    def ends_with_catch_all(self, situations: tuple[Situation, ...]) -> None:
        # Every valid case must get a verdict, and an entry after a catch-all
        # could never be reached: so exactly the last entry matches everything.
        for situation in situations[:-1]:
            if _matches_everything(situation):
                self.fail(
                    f"situation {situation.id!r}",
                    "matches everything, so the entries after it can never be reached; "
                    "only the last entry may have an empty match",
                )
        last = situations[-1]
        if not _matches_everything(last):
            self.fail(
                f"situation {last.id!r}",
                "the last entry must be a catch-all (match = {} and no regions), "
                "so every case gets a verdict",
            )


def _matches_everything(situation: Situation) -> bool:
    return not situation.match and situation.regions is None


def _names(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


def _matchable_facts() -> dict[str, _FactKind]:
    """The Facts fields a `match` may name: the enum and boolean ones, read from Facts itself.

    Reading them from the dataclass keeps the file format in step with facts.py.
    """
    hints = typing.get_type_hints(Facts)
    kinds: dict[str, _FactKind] = {}
    for field in fields(Facts):
        hint = hints[field.name]
        nullable = False
        if isinstance(hint, types.UnionType):
            members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
            nullable = len(members) < len(typing.get_args(hint))
            if len(members) != 1:
                continue
            hint = members[0]
        if hint is bool:
            kinds[field.name] = _FactKind(enum=None, nullable=nullable)
        elif isinstance(hint, type) and issubclass(hint, StrEnum):
            kinds[field.name] = _FactKind(enum=hint, nullable=nullable)
    return kinds
