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

from conformance.fuzz.findings import FORBIDDEN, Campaign, Finding, OperationLog
from conformance.fuzz.judging import documents, finding, judge
from conformance.fuzz.requirements import NEGATIVE_CHECKS, POSITIVE_CHECKS
from conformance.fuzz.transport import STANDIN_HEADERS, FuzzBody, FuzzCase, FuzzOperation
from conformance.target.client import LOST, NO_ANSWER


@dataclass(frozen=True)
class Budget:
    """How hard a profile fuzzes: cases per operation and mode, link-following lifecycles."""

    # Generated valid cases per operation, beside the documented minimal case that is always
    # sent first; where the target refused the minimal case, at least one is generated. An
    # operation that consumes its object gets `generated` runs (at least one), the first the
    # minimal case alone.
    generated: int
    negative: int
    lifecycles: int = 0  # create->get->update->delete->get runs per linked resource
    # Whether an operation without a body gets generated cases beside its accepted minimal
    # case. What a generated read varies is its documented query parameters (per_page, cursor,
    # fields, expand, order_by), which the handwritten areas judge already; a generated body
    # reaches what no other check sends (real Plane answers some of them 500).
    generated_reads: bool = True

    def generated_after(self, *, minimal_accepted: bool, takes_body: bool) -> int:
        if minimal_accepted and not takes_body and not self.generated_reads:
            return 0
        return self.generated if minimal_accepted else max(self.generated, 1)


PROFILE_BUDGETS = {
    # quick: the documented minimal case per operation, one generated body per write, one
    # invalid body: each request judges something no other request of the run judges.
    "quick": Budget(generated=1, negative=1, generated_reads=False),
    "standard": Budget(generated=2, negative=1),
    "full": Budget(generated=6, negative=4, lifecycles=2),
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
        send_case(
            case,
            mode=mode_name,
            campaign=campaign,
            auth_checked=auth_checked,
            waived=waived,
            ignored=ignored,
            probe_enums=probe_enums,
        )

    try:
        hypothesis.seed(operation_seed(seed, label, mode_name))(run)()
    except hypothesis.errors.Unsatisfiable:
        # Nothing of this mode can be generated here (e.g. no negatable body): nothing to send.
        return


def send_case(
    case: FuzzCase,
    *,
    mode: str,
    campaign: Campaign,
    auth_checked: set[str],
    waived: Iterable[str] = (),
    ignored: frozenset[str] = frozenset(),
    probe_enums: bool = False,
) -> Response | None:
    """Send one case and judge its answer (returned); a dropped connection is kept, not raised
    (None)."""
    log = campaign.log(case.operation.label)
    if mode == "negative":
        log.negative_sent += 1
    try:
        response = case.call()
    except LOST:
        raise  # the target may be gone: the plugin decides whether the run goes on
    except NO_ANSWER as error:
        # Taken, never answered: the ledger has the exchange, STATUS-010 judges it.
        log.no_answer.append(f"{type(error).__name__}: {error}"[:200])
        return None
    campaign.cases += 1
    names = list(NEGATIVE_CHECKS if mode == "negative" else POSITIVE_CHECKS)
    label = case.operation.label
    if campaign.looks_unrouted(response.status_code, response.text, response.request.url or ""):
        # The operation is missing: its answers are CAP-001's, not the schema's (one verdict).
        log.absent = (
            f"answered like a surely-unrouted URL ({response.status_code} {response.text[:120]}): "
            "the operation is missing, judged by CAP-001"
        )
        names = ["not_a_server_error"]
    if mode == "positive":
        record_positive(log, case, response)
    elif response.status_code == FORBIDDEN:
        log.refused(response.status_code, response.text)
    if mode == "positive" and label not in auth_checked and accepted(case, response):
        # Two probes (no key, wrong key) per operation are enough to show enforcement.
        names.append("ignored_auth")
        auth_checked.add(label)
        if probe_enums:
            try:
                for found in enum_probe(case, ignored, log):
                    campaign.add(found)
            except LOST:
                raise
            except NO_ANSWER as error:
                log.no_answer.append(f"{type(error).__name__}: {error}"[:200])
    try:
        found_now = judge(case, response, names, mode=mode, waived=tuple(waived), log=log)
    except LOST:
        raise
    except NO_ANSWER as error:  # ignored_auth sends requests of its own
        log.no_answer.append(f"{type(error).__name__}: {error}"[:200])
        return response
    for found in found_now:
        campaign.add(found)
    return response


def minimal_case(
    operation: FuzzOperation, path_parameters: dict[str, str], body: FuzzBody, *, has_body: bool
) -> FuzzCase:
    """The documented minimal case (see conformance.fuzz.minimal) as a schemathesis case."""
    if has_body:
        return operation.Case(
            path_parameters=path_parameters,
            headers=dict(STANDIN_HEADERS),
            body=body,
            media_type="application/json",
        )
    return operation.Case(path_parameters=path_parameters, headers=dict(STANDIN_HEADERS))


def accepted(case: FuzzCase, response: Response) -> bool:
    """A valid case's answer is the operation's own: a 2xx, or a 3xx it documents (an
    attachment's detail redirects to its download; an undocumented one is REDIR-001's)."""
    status = response.status_code
    return 200 <= status < 300 or (300 <= status < 400 and documents(response, case))


def record_positive(log: OperationLog, case: FuzzCase, response: Response) -> None:
    """Count a valid case's answer; keep the words of a refusal (the unit says them)."""
    log.positive += 1
    status, text = response.status_code, response.text
    if accepted(case, response):
        log.accepted += 1
    elif status < 500:
        log.refused(status, text)


ENUM_PROBE_VALUE = "plc-not-a-documented-value"


def enum_probe(
    case: FuzzCase, ignored_fields: frozenset[str] = frozenset(), log: OperationLog | None = None
) -> list[Finding]:
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
        if log is not None and response.status_code < 500:
            log.judged["negative_data_rejection"] += 1
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
