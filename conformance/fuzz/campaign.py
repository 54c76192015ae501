"""The fuzz campaign: which operations, in which order, in which part, and with what budget.

A campaign fuzzes every operation of specs/plane-v1.openapi.yaml inside a project of its own
(`project.FuzzProject`). It is split into CAMPAIGN_PARTS parts by resource family, each with a
project of its own, so that pytest-xdist workers share it (see conformance/checks/test_schema.py).
Within a part: reads and in-place writes first, then consuming operations, then the project's end.
"""

from __future__ import annotations

import time

from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.schemas import OpenApiSchema

from conformance.fuzz.findings import Campaign
from conformance.fuzz.fuzzing import PROFILE_BUDGETS, Budget, fuzz_operation, operation_seed
from conformance.fuzz.project import FuzzProject, resolve_path_parameters
from conformance.fuzz.stateful import all_operations, run_lifecycle
from conformance.fuzz.transport import FuzzOperation, load_schema
from conformance.spec.paths import openapi_path
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

API = "/api/v1/workspaces/{workspace_slug}"

# Operations the campaign never sends, and why (everything else is fuzzed).
EXCLUDED: dict[str, str] = {
    "POST /api/v1/workspaces/{workspace_slug}/members/remove/": "removes workspace members",
    "POST /api/v1/workspaces/{workspace_slug}/invitations/": "sends invitation e-mails",
    "POST /api/v1/workspaces/{workspace_slug}/projects/": "would create unregistered projects",
    "POST /api/v1/workspaces/{workspace_slug}/stickies/": "would create unregistered stickies",
    "POST /api/v1/workspaces/{workspace_slug}/assets/": "creates uploads outside the project",
    "POST /api/v1/assets/user-assets/": "creates uploads outside the workspace",
    "PATCH /api/v1/assets/user-assets/{asset_id}/": "no asset of the suite's own",
    "DELETE /api/v1/assets/user-assets/{asset_id}/": "no asset of the suite's own",
}
# Checks not run on one operation because the docs contradict themselves there: operation ->
# {check: the discrepancy}. Each is reported to the lead and shown in the report's notes.
_LINK_DETAIL = (
    "the 'Retrieve a link' page shows a paginated list as its 200 example, while the Link "
    "overview documents a single link object (the spec follows the example)"
)
KNOWN_DISCREPANCIES: dict[str, dict[str, str]] = {
    f"GET {API}/projects/{{project_id}}/{alias}/{{work_item_id}}/links/{{resource_id}}/": {
        "response_schema_conformance": _LINK_DETAIL
    }
    for alias in ("work-items", "issues")
}
# Audit fields the server computes itself. Several pages list them among the body parameters,
# but a server that ignores them on input is conformant (Plane's serializers do), so a negative
# case breaking only these is not sent, on any operation.
SERVER_COMPUTED_FIELDS = (
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "deleted_at",
    "sequence_id",
    "completed_at",
    "archived_at",
    "last_activity_at",
    "description_stripped",
)
# Runs last, in this order: each one changes or ends the campaign's own project.
PROJECT_END = (
    f"PATCH {API}/projects/{{project_id}}/features/",
    f"PATCH {API}/projects/{{resource_id}}/",
    f"POST {API}/projects/{{project_id}}/archive/",
    f"DELETE {API}/projects/{{project_id}}/archive/",
    f"DELETE {API}/projects/{{resource_id}}/",
)
# Creates whose 201 links lead to get/update/delete of the new object: the stateful phase
# (full profile) walks each of these lifecycles along the spec's links.
LIFECYCLES = tuple(
    f"POST {API}/projects/{{project_id}}/{suffix}"
    for suffix in (
        "work-items/",
        "labels/",
        "states/",
        "work-items/{work_item_id}/comments/",
        "work-items/{work_item_id}/links/",
        "cycles/",
        "modules/",
    )
)
CAMPAIGN_PARTS = 4  # enough for two workers to balance; each part costs one project and seeds


def _consumes(label: str) -> bool:
    method, path = label.split(" ", 1)
    return method == "DELETE" or path.endswith("/archive/")


def _ordered(operations: list[FuzzOperation]) -> list[FuzzOperation]:
    """Reads and in-place writes first, then consuming operations, then the project's end."""

    def rank(operation: FuzzOperation) -> tuple[int, int]:
        label = operation.label
        if label in PROJECT_END:
            return (2, PROJECT_END.index(label))
        return (1 if _consumes(label) else 0, 0)

    return sorted(operations, key=rank)


def family(label: str) -> str:
    """The resource family of an operation: the collection it belongs to ("cycles", "stickies").

    The project's own end (PROJECT_END) is one family, so it stays after everything in its part.
    """
    if label in PROJECT_END:
        return "projects"
    segments = [s for s in label.split(" ", 1)[1].strip("/").split("/") if "{" not in s][2:]
    for scope in ("workspaces", "projects"):
        if segments[:1] == [scope] and len(segments) > 1:
            segments = segments[1:]
    return segments[0].removeprefix("archived-") if segments else "root"


def campaign_part_of(labels: list[str], parts: int = CAMPAIGN_PARTS) -> dict[str, int]:
    """Operation label -> part, whole families per part, balanced by operation count."""
    weights: dict[str, int] = {}
    for label in labels:
        weights[family(label)] = weights.get(family(label), 0) + 1
    loads, part_of_family = [0] * parts, {}
    for name, weight in sorted(weights.items(), key=lambda item: (-item[1], item[0])):
        part = loads.index(min(loads))
        part_of_family[name], loads[part] = part, loads[part] + weight
    return {label: part_of_family[family(label)] for label in labels}


def run_campaign(
    client: TargetClient,
    scratch: ScratchResources,
    target: TargetConfig,
    *,
    schema: OpenApiSchema | None = None,
    part: int | None = None,
) -> Campaign:
    """Fuzz every operation, or with `part` only the operations of that part of the campaign."""
    started = time.monotonic()
    budget = PROFILE_BUDGETS.get(target.profile, PROFILE_BUDGETS["standard"])
    schema = schema if schema is not None else load_schema(openapi_path(), client)
    project = FuzzProject(client, scratch, target.workspace)
    campaign = Campaign()
    auth_checked: set[str] = set()
    operations = all_operations(schema)
    part_of = campaign_part_of([operation.label for operation in operations])
    stateful_done = False
    for operation in _ordered(operations):
        label = operation.label
        if part is not None and part_of[label] != part:
            continue
        if label in PROJECT_END and not stateful_done:
            stateful_done = True  # the lifecycles need the project: walk them before its end
            run_lifecycles(schema, operations, project, budget, target.seed, campaign)
        if label in EXCLUDED:
            campaign.skipped[label] = EXCLUDED[label]
            continue
        waived = KNOWN_DISCREPANCIES.get(label, {})
        for check, reason in waived.items():
            campaign.waived[f"{label} [{check}]"] = reason
        consuming = _consumes(label) and label not in PROJECT_END
        modes = [(GenerationMode.POSITIVE, budget.positive)]
        # Negative cases are body cases (see fuzzing._negative_worth_judging): write operations.
        if budget.negative and not _consumes(label) and len(operation.body) > 0:
            modes.append((GenerationMode.NEGATIVE, budget.negative))
        for mode, examples in modes:
            # A consuming operation gets one fresh object per case: one case per run of it.
            for _ in range(examples if consuming else 1):
                parameters = resolve_path_parameters(operation, project, fresh=consuming)
                if isinstance(parameters, str):
                    campaign.skipped[label] = parameters
                    break
                try:
                    fuzz_operation(
                        operation,
                        path_parameters=parameters,
                        mode=mode,
                        max_examples=1 if consuming else examples,
                        seed=target.seed,
                        campaign=campaign,
                        auth_checked=auth_checked,
                        waived=waived,
                        ignored_fields=SERVER_COMPUTED_FIELDS,
                        probe_enums=budget.negative > 0 and not _consumes(label),
                    )
                except Exception as error:  # a generation problem is the suite's, not the target's
                    campaign.errors[label] = f"{type(error).__name__}: {error}"[:300]
        if label not in campaign.skipped:
            campaign.operations.append(label)
    campaign.seconds = time.monotonic() - started
    return campaign


def run_lifecycles(
    schema: OpenApiSchema,
    operations: list[FuzzOperation],
    project: FuzzProject,
    budget: Budget,
    seed: int,
    campaign: Campaign,
) -> None:
    """The stateful phase: each of LIFECYCLES, `budget.lifecycles` times."""
    by_label = {operation.label: operation for operation in operations}
    for round_number in range(budget.lifecycles):
        for label in LIFECYCLES:
            create = by_label.get(label)
            if create is None:
                campaign.skipped[f"{label} (lifecycle)"] = "not in the spec"
                continue
            parameters = resolve_path_parameters(create, project, fresh=False)
            if isinstance(parameters, str):
                campaign.skipped[f"{label} (lifecycle)"] = parameters
                continue
            try:
                run_lifecycle(
                    schema,
                    create,
                    parameters,
                    seed=operation_seed(seed, label, f"lifecycle-{round_number}"),
                    campaign=campaign,
                )
            except Exception as error:  # a generation problem is the suite's, not the target's
                campaign.errors[f"{label} (lifecycle)"] = f"{type(error).__name__}: {error}"[:300]
