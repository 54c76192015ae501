"""The stateful phase: create -> get -> update -> get -> delete -> get along the spec's links."""

from __future__ import annotations

from collections.abc import Mapping

import hypothesis
from hypothesis import given
from schemathesis.core.result import Err
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.schemas import OpenApiSchema

from conformance.fuzz.findings import Campaign, OperationLog
from conformance.fuzz.fuzzing import generation_settings, record_positive
from conformance.fuzz.judging import finding, judge
from conformance.fuzz.requirements import POSITIVE_CHECKS
from conformance.fuzz.transport import STANDIN_HEADERS, FuzzBody, FuzzCase, FuzzOperation

LINK_STEPS = ("get", "update", "delete")  # the link name prefixes a create's 201 offers
Step = tuple[FuzzOperation, dict[str, str]]  # an operation and its path parameters


def draw_case(operation: FuzzOperation, path_parameters: dict[str, str], seed: int) -> FuzzCase:
    """One generated valid case of `operation` (reproducible from `seed`), without sending it."""
    drawn: list[FuzzCase] = []
    strategy = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE,
        path_parameters=path_parameters,
        headers=dict(STANDIN_HEADERS),
    )

    @generation_settings(1)
    @given(case=strategy)
    def take(case: FuzzCase) -> None:
        drawn.append(case)

    hypothesis.seed(seed)(take)()
    return drawn[0]


def all_operations(schema: OpenApiSchema) -> list[FuzzOperation]:
    """Every operation of the schema; an operation schemathesis cannot load stops the campaign."""
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations


def follow_links(
    schema: OpenApiSchema, create: FuzzOperation, case: FuzzCase, response: Response
) -> dict[str, Step]:
    """The get/update/delete steps a create's response links to: prefix -> (operation, params).

    Only `$request.path.<name>` and `$response.body#/<field>` expressions are used; those are
    the only kinds the spec's links contain.
    """
    definition = create.responses.find_by_status_code(response.status_code)
    links = (definition.definition.get("links") if definition is not None else None) or {}
    try:
        body = response.json()
    except ValueError:
        return {}
    by_id = {op.definition.raw.get("operationId"): op for op in all_operations(schema)}
    steps: dict[str, Step] = {}
    for name, link in sorted(links.items()):
        prefix = next((p for p in LINK_STEPS if name.startswith(p)), None)
        target = by_id.get(link.get("operationId"))
        if prefix is None or prefix in steps or target is None:
            continue
        if prefix == "get" and not name.endswith("Detail"):
            continue  # e.g. getAttachments: a list below the object, not the object itself
        params = {}
        for parameter, expression in link.get("parameters", {}).items():
            if expression.startswith("$request.path."):
                params[parameter] = case.path_parameters[expression.removeprefix("$request.path.")]
            elif expression.startswith("$response.body#/") and isinstance(body, dict):
                params[parameter] = str(body.get(expression.removeprefix("$response.body#/")))
        steps[prefix] = (target, params)
    return steps


def lifecycle_log(campaign: Campaign, create: FuzzOperation) -> OperationLog:
    """The log of the lifecycles that start with `create` (STATUS-003/006 are judged on it)."""
    log = campaign.log(f"{create.label} (lifecycle)")
    log.lifecycle = True
    return log


def run_lifecycle(
    schema: OpenApiSchema,
    create: FuzzOperation,
    path_parameters: dict[str, str],
    *,
    seed: int,
    campaign: Campaign,
    create_body: FuzzBody = None,
    waivers: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """create -> get -> update -> get -> delete -> get, along the links of the create's answer.

    The create sends `create_body` (the documented minimal body) when given, else a generated
    valid body. `waivers` names, per operation, checks not run (known docs contradictions).

    Besides the positive checks on every step: a 404 for the object just created fails STATUS-003
    (ensure_resource_availability), a successful read after a successful delete fails STATUS-006
    (use_after_free).
    """

    lifecycle = lifecycle_log(campaign, create)

    def send(case: FuzzCase) -> Response:
        response = case.call()
        campaign.cases += 1
        # Counted for the step's operation only where this part fuzzes it (the lifecycles run in
        # one part); a finding counts wherever it is made.
        log = campaign.logs.get(case.operation.label)
        if log is not None:
            record_positive(log, case, response)
        waived = tuple((waivers or {}).get(case.operation.label, {}))
        for found in judge(
            case, response, POSITIVE_CHECKS, mode="stateful", waived=waived, log=log
        ):
            campaign.add(found)
        return response

    if create_body is None:
        created_case = draw_case(create, path_parameters, seed)
    else:
        created_case = create.Case(
            path_parameters=path_parameters,
            headers=dict(STANDIN_HEADERS),
            body=create_body,
            media_type="application/json",
        )
    created = send(created_case)
    if created.status_code >= 300:
        lifecycle.refused(created.status_code, created.text)
        return  # the create itself was judged above; nothing to follow
    steps = follow_links(schema, create, created_case, created)
    if "get" not in steps:
        lifecycle.refused(created.status_code, "the create's answer links to no read")
        return
    lifecycle.steps.add("created")

    def case_for(prefix: str) -> FuzzCase:
        operation, params = steps[prefix]
        if prefix == "update":
            return draw_case(operation, params, seed)
        return operation.Case(path_parameters=params, headers=dict(STANDIN_HEADERS))

    read_case = case_for("get")
    read = send(read_case)
    if read.status_code == 404:
        message = (
            f"{create.label} answered {created.status_code}, then reading the new object "
            "through the link the spec gives answered 404"
        )
        campaign.add(
            finding(read_case, read, "ensure_resource_availability", message, mode="stateful")
        )
        lifecycle.broken["STATUS-003"] = message
        return
    if read.status_code < 300:
        lifecycle.steps.add("read")
    if "update" in steps:
        send(case_for("update"))
        send(case_for("get"))
    if "delete" not in steps:
        return
    deleted = send(case_for("delete"))
    if deleted.status_code >= 300:
        lifecycle.refused(deleted.status_code, f"the delete was refused: {deleted.text}")
        return
    again_case = case_for("get")
    again = send(again_case)
    if 400 <= again.status_code < 500:
        lifecycle.steps.add("gone")
    if 200 <= again.status_code < 400:
        message = (
            f"the object was deleted (HTTP {deleted.status_code}), yet reading it answered "
            f"{again.status_code} instead of 404"
        )
        campaign.add(finding(again_case, again, "use_after_free", message, mode="stateful"))
        lifecycle.broken["STATUS-006"] = message
