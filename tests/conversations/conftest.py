"""Fixtures shared by the tests of the domain core: the real policy and a São Paulo schedule."""

from __future__ import annotations

import pytest

from conversations.cases import Schedule
from conversations.policy import Policy, load_policy
from tests.case_clock import SAO_PAULO


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def schedule(policy: Policy) -> Schedule:
    return Schedule(policy.timing, SAO_PAULO)
