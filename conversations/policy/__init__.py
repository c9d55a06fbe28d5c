"""TikTok's refund policy as data: load `policy.toml`, check it, hand out a frozen `Policy`.

The rulebook (POLICY.md) changes when TikTok changes its help pages. This package
knows the *shape* of the data, never its content, so a policy change is an edit
to policy.toml alone. Every mistake the file can hold (an unknown outcome, a
misspelt match key or value, a warning or source that isn't defined, a stray
placeholder) is caught here, at load time, with a message naming the entry and
the key — not later, as a wrong verdict in someone's chat.

Nothing is cached: the caller loads the policy once and passes it around.

The package's parts: `model` (the checked data: `Policy`, `Situation`, `Timing`, …),
`loader` (`load_policy`, the document and its tables), `entries` (situations and
regional notes) and `reader` (typed access to the TOML). Underscored names are private
to the package.
"""

from conversations.policy.loader import load_policy
from conversations.policy.model import (
    DEFAULT_POLICY_PATH,
    RECIPIENTS,
    UNKNOWN,
    Condition,
    ImportRules,
    Lateness,
    Policy,
    PolicyError,
    RegionalNote,
    Situation,
    Timing,
)

__all__ = [
    "DEFAULT_POLICY_PATH",
    "RECIPIENTS",
    "UNKNOWN",
    "Condition",
    "ImportRules",
    "Lateness",
    "Policy",
    "PolicyError",
    "RegionalNote",
    "Situation",
    "Timing",
    "load_policy",
]
