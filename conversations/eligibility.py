"""The eligibility engine: judge one case's Facts against the Policy data.

Pure: no I/O and no clock (`today` is passed in). It holds no TikTok facts
either — those live in policy.toml. The first situation whose conditions all
hold decides, so the order of the data file is part of the rules.
"""

from __future__ import annotations

from datetime import date

from conversations import findings
from conversations.facts import Facts, Outcome, Verdict
from conversations.policy import Condition, Policy, Situation
from conversations.texts import PolicyText

# The charge-age warning is about getting a request in on time, so it goes with
# the outcomes that send one to TikTok; a "not refundable" answer would only be
# made more confusing by "report it soon".
# A blocked charge dispute (ask the agency first) is still a dispute whose age matters.
_OUTCOMES_WITH_LATENESS_WARNING = frozenset(
    {Outcome.ELIGIBLE, Outcome.NEEDS_REVIEW, Outcome.BLOCKED}
)


class NoSituationMatched(LookupError):
    """No policy entry fits the facts: the policy data lacks its catch-all entry."""


def assess(
    facts: Facts, policy: Policy, today: date, *, others_nearby: int | None = None
) -> Verdict:
    """The verdict for `facts`: the first matching situation, worded, with its warnings and
    what the case's own facts show (`others_nearby`: see `findings.find`)."""
    situation = first_matching_situation(facts, policy)
    warnings: list[str] = []
    if (
        facts.charge_date is not None
        and _outcome_warns_about_lateness(situation.outcome)
        and not _is_in_the_future(facts.charge_date, today)
    ):
        # First, because it is the one that goes stale if the advertiser waits.
        warnings.append(charge_age_warning(facts.charge_date, today, policy))
    warnings.extend(policy.warnings[key] for key in situation.warnings)
    return Verdict(
        outcome=situation.outcome,
        situation=situation.id,
        row=situation.row,
        title=situation.title,
        reasons=situation.reasons,
        sources=situation.sources,
        where=situation.where,
        recipient=situation.recipient,
        template=situation.template,
        instead=situation.instead,
        warnings=tuple(warnings),
        policy_version=policy.version,
        findings=findings.find(
            facts, policy, today, warnings=situation.warnings, others_nearby=others_nearby
        ),
        regional_notes=regional_notes(situation, facts.region, policy),
    )


def regional_notes(situation: Situation, region: str | None, policy: Policy) -> tuple[str, ...]:
    """What the policy's regional notes say for this situation and region, each text once
    (two notes may share their "if your account is in …" text)."""
    said: list[str] = []
    for note in policy.regional_notes:
        text = note.says(region) if situation.id in note.situations else None
        if text and text not in said:
            said.append(text)
    return tuple(said)


def first_matching_situation(facts: Facts, policy: Policy) -> Situation:
    """The policy entry that decides `facts`; raise NoSituationMatched if none does."""
    for situation in policy.situations:
        if _applies_in_region(situation, facts.region) and all(
            _fact_meets_condition(facts, condition) for condition in situation.match
        ):
            return situation
    raise NoSituationMatched(
        f"no situation in policy {policy.version} matches {facts!r}; "
        "the policy data needs a catch-all entry (match = {}) at the end"
    )


def charge_age_warning(charge_date: date, today: date, policy: Policy) -> str:
    """The warning for a charge of this age, or "" for a charge dated after `today`."""
    if _is_in_the_future(charge_date, today):
        return ""
    age = (today - charge_date).days
    text = policy.lateness.fresh
    for limit, stronger in policy.lateness.over:  # ascending: the last step passed wins
        if age > limit:
            text = stronger
    return PolicyText(text, {**policy.timing.placeholders(), "days": age})


def _fact_meets_condition(facts: Facts, condition: Condition) -> bool:
    """A fact meets a condition when it is one of the allowed values.

    A fact that is None (never asked) meets it only when "unknown" is allowed, so an
    unanswered question never slips into an entry written for a known answer.
    """
    value: object = getattr(facts, condition.fact)
    if value is None:
        return condition.allows_unknown
    return value in condition.allowed


def _applies_in_region(situation: Situation, region: str | None) -> bool:
    """An entry limited to regions applies only to accounts known to be in one of them."""
    if situation.regions is None:
        return True
    return region is not None and region.upper() in situation.regions


def _outcome_warns_about_lateness(outcome: Outcome) -> bool:
    return outcome in _OUTCOMES_WITH_LATENESS_WARNING


def _is_in_the_future(charge_date: date, today: date) -> bool:
    # A future date is a typing slip the intake should catch; an age warning
    # would only add a confusing negative number of days.
    return charge_date > today
