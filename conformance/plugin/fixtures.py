"""The fixtures the checks use (their API is in the package's docstring, conformance/plugin)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from conformance.exit_codes import EXIT_UNUSABLE
from conformance.interrupts import Mode
from conformance.outcomes import Blocked, NotSelected, Units
from conformance.plugin.refused_steps import PROPERTY as REFUSED_STEPS
from conformance.plugin.state import STATE, state_of
from conformance.target.client import TargetClient
from conformance.target.config import ConfigError, TargetConfig
from conformance.target.scratch import ScratchResources


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> TargetConfig:
    try:
        return state_of(pytestconfig).target()
    except ConfigError as problem:
        pytest.exit(f"plane-conformance: {problem}", returncode=EXIT_UNUSABLE)


@pytest.fixture(scope="session")
def client(pytestconfig: pytest.Config, target: TargetConfig) -> TargetClient:
    return state_of(pytestconfig).client()


@pytest.fixture(scope="session")
def scratch(
    pytestconfig: pytest.Config, client: TargetClient, target: TargetConfig
) -> Iterator[ScratchResources]:
    state = state_of(pytestconfig)
    if state.scratch is None:
        state.scratch = ScratchResources(client, target)
    try:
        yield state.scratch
    finally:
        # Torn down after the last check (in its teardown, else at the session's end): cleanup
        # is FINISHING there too, so a first stop request lets it finish, a second abandons it.
        if not state.stop.abandons_cleanup:  # a second stop request leaves it (hooks)
            with state.stop.entered(Mode.FINISHING):
                state.scratch.cleanup()


@pytest.fixture
def writable(target: TargetConfig) -> None:
    if target.read_only:
        raise NotSelected("read-only mode: this check sends writes")


@pytest.fixture(autouse=True)
def plane_adaptations(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each check, what the suite learned of the target's dialect during it (extra body
    fields a create needs) goes into the report as the "adaptations" rows of results.json, and
    the setup steps the target refused meanwhile go to the controller, where SIDE-001 judges
    whether they stored anything (conformance/plugin/refused_steps.py)."""
    yield
    state = request.config.stash.get(STATE, None)
    if state is None or not state.active or state.scratch is None:
        return
    rows = state.scratch.dialect.take_new()
    if rows:
        request.node.user_properties.append(("adaptations", rows))
    refused = state.scratch.take_new_refusals()
    if refused:
        request.node.user_properties.append((REFUSED_STEPS, refused))


@pytest.fixture
def units(request: pytest.FixtureRequest) -> Units:
    """The units this test judges (see conformance.outcomes.Units); the plugin reads them."""
    from conformance.plugin.hooks import UNITS

    recorded = Units()
    request.node.stash[UNITS] = recorded
    return recorded


@pytest.fixture(scope="session")
def me(client: TargetClient) -> str:
    """The id of the key's own user: the member to assign wherever one is needed (never one of
    the workspace's other people, who would be notified)."""
    response = client.get("/api/v1/users/me/")
    body = response.json() if response.status_code == 200 else None
    if not isinstance(body, dict) or not body.get("id"):
        raise Blocked(
            f"GET /api/v1/users/me/ answered {response.status_code}: {response.text:.200}"
        )
    return str(body["id"])


@pytest.fixture(scope="session")
def profile(target: TargetConfig) -> str:
    return target.profile


@pytest.fixture(scope="session")
def members(me: str) -> list[str]:
    """The member ids the checks may assign: the key's own user only. Kept for checks written
    against the old workspace-member list; assigning another person would notify them, and a
    guest key may not list the workspace's members at all."""
    return [me]


@pytest.fixture
def rng(target: TargetConfig, request: pytest.FixtureRequest) -> random.Random:
    return random.Random(f"{target.seed}:{request.node.nodeid}")
