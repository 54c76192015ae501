"""One operation, many generated cases: send them, judge every answer, probe one enumeration.

How many cases a profile sends (`PROFILE_BUDGETS`), the per-operation seed that makes a run
reproducible, which negative cases are worth sending, and the deterministic enum probe.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode

from conformance.fuzz.findings import Campaign, Finding
from conformance.fuzz.judging import finding, judge
from conformance.fuzz.requirements import NEGATIVE_CHECKS, POSITIVE_CHECKS
from conformance.fuzz.transport import STANDIN_HEADERS, FuzzCase, FuzzOperation


@dataclass(frozen=True)
class Budget:
    """How hard a profile fuzzes: cases per operation and mode, link-following lifecycles."""

    positive: int
    negative: int
    lifecycles: int = 0  # create->get->update->delete->get runs per linked resource


PROFILE_BUDGETS = {
    # quick: one valid case per operation (the spec's example when it has one), one invalid body.
    "quick": Budget(positive=1, negative=1),
    "standard": Budget(positive=2, negative=1),
    "full": Budget(positive=6, negative=4, lifecycles=2),
}


def generation_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        # No shrinking: every shrink step is a request, and the first failure is evidence enough.
        phases=[Phase.explicit, Phase.generate],
        derandomize=False,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def operation_seed(seed: int, label: str, mode: str) -> int:
    """A per-operation seed derived from the run seed, stable across Python processes."""
    return (seed * 1_000_003 + zlib.crc32(f"{label}|{mode}".encode())) % (2**32)


def fuzz_operation(
    operation: FuzzOperation,
    *,
    path_parameters: dict[str, str],
    mode: GenerationMode,
    max_examples: int,
    seed: int,
    campaign: Campaign,
    auth_checked: set[str],
    waived: Iterable[str] = (),
    ignored_fields: Iterable[str] = (),
    probe_enums: bool = False,
) -> None:
    """Send up to `max_examples` cases of one operation and record what the checks find.

    `waived` names checks not run on this operation (see `judge`); a negative case whose only
    violations lie in `ignored_fields` is not sent (see `_negative_worth_judging`). With
    `probe_enums`, the first accepted valid body is also re-sent with an out-of-enumeration value.
    """
    waived = tuple(waived)
    ignored = frozenset(ignored_fields)
    strategy = operation.as_strategy(
        generation_mode=mode,
        path_parameters=path_parameters,
        headers=dict(STANDIN_HEADERS),
    )
    label = operation.label
    mode_name = "negative" if mode == GenerationMode.NEGATIVE else "positive"

    @generation_settings(max_examples)
    @given(case=strategy)
    def run(case: FuzzCase) -> None:
        if mode == GenerationMode.NEGATIVE and not _negative_worth_judging(case, ignored):
            return
        response = case.call()
        campaign.cases += 1
        names = list(NEGATIVE_CHECKS if mode_name == "negative" else POSITIVE_CHECKS)
        if mode_name == "positive" and label not in auth_checked and response.status_code < 300:
            # Two probes (no key, wrong key) per operation are enough to show enforcement.
            names.append("ignored_auth")
            auth_checked.add(label)
            if probe_enums:
                for found in enum_probe(case, ignored):
                    campaign.add(found)
        for found in judge(case, response, names, mode=mode_name, waived=waived):
            campaign.add(found)

    try:
        hypothesis.seed(operation_seed(seed, label, mode_name))(run)()
    except hypothesis.errors.Unsatisfiable:
        # Nothing of this mode can be generated here (e.g. no negatable body): nothing to send.
        return


ENUM_PROBE_VALUE = "plc-not-a-documented-value"


def enum_probe(case: FuzzCase, ignored_fields: frozenset[str] = frozenset()) -> list[Finding]:
    """Re-send an accepted valid body with one enumerated field set outside its enumeration.

    Random negative generation rarely hits an enum in a few cases; this one deterministic probe
    per operation does. A 2xx answer fails SCHEMA-004 (the docs list the allowed values). Only
    PATCH is probed, so that an accepted bad value can be repaired at once: left in place, it
    would resurface as a SCHEMA-002 finding on every later read (noise for a SCHEMA-004 fault).
    """
    if case.operation.method.upper() != "PATCH":
        return []
    if not isinstance(case.body, dict) or not case.operation.body:
        return []
    body = case.body
    schema = case.operation.body[0].optimized_schema
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    for name, definition in sorted(properties.items()):
        if name in ignored_fields or not isinstance(definition, dict):
            continue
        if not all(isinstance(v, str) for v in definition.get("enum") or [0]):
            continue

        def send(value: str, name: str = name) -> Response:
            probe: FuzzCase = case.operation.Case(
                path_parameters=case.path_parameters,
                query=case.query,
                headers=dict(STANDIN_HEADERS),
                body={**body, name: value},
                media_type=case.media_type,
            )
            return probe.call()

        response = send(ENUM_PROBE_VALUE)
        if 200 <= response.status_code < 300:
            send(definition["enum"][0])  # repair the object for the checks that follow
            message = (
                f"{name}={ENUM_PROBE_VALUE!r} is outside the documented enumeration "
                f"{definition['enum']}, yet the request was accepted"
            )
            return [finding(case, response, "negative_data_rejection", message, mode="negative")]
        return []
    return []


def _negative_worth_judging(case: FuzzCase, ignored_fields: frozenset[str] = frozenset()) -> bool:
    """Only cases whose body is invalid are sent in negative mode.

    A body that becomes valid once `ignored_fields` are taken out is not sent either: those are
    fields the server computes itself (see SERVER_COMPUTED_FIELDS in `campaign`).

    Path parameters are pinned to scratch objects, so a negated path is never sent (it could
    name somebody else's object). Query-only negations are skipped as well: the docs do not say
    that an unknown or malformed filter is refused, and a server that ignores it is conformant.
    """
    meta = case.meta
    if meta is None:
        return False
    if not meta.is_negative_at(ParameterLocation.BODY) or meta.is_negative_at(
        ParameterLocation.PATH
    ):
        return False
    if ignored_fields and isinstance(case.body, dict) and case.operation.body:
        rest = {k: v for k, v in case.body.items() if k not in ignored_fields}
        return not any(body.is_valid(rest) for body in case.operation.body)
    return True
