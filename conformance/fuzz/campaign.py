"""The fuzz campaign: which operations, in which order, in which part, and with what budget.

A campaign fuzzes every operation of specs/plane-v1.openapi.yaml inside a project of its own
(`project.FuzzProject`), or inside the --project given, which it does not change. It is split
into CAMPAIGN_PARTS parts by resource family, each with a project of its own, so that
pytest-xdist workers share it (see conformance/checks/test_schema.py). Within a part: reads and
in-place writes first, then consuming operations, then the project's end.

Safety by construction: workspace-wide writes (members/remove, invitations) and operations on
objects the suite cannot make for itself are never sent (`NEVER_SENT`); with --project, neither
are the project-level writes nor project creation (`PROJECT_MODE_LEAVES_OUT`). Each is a
*not selected* unit, with its reason, in the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.schemas import OpenApiSchema

from conformance.fuzz.findings import Campaign, OperationLog
from conformance.fuzz.fuzzing import (
    PROFILE_BUDGETS,
    Budget,
    fuzz_operation,
    minimal_case,
    operation_seed,
    send_case,
)
from conformance.fuzz.minimal import minimal_body, prepare
from conformance.fuzz.project import FuzzProject, Unresolved, resolve_path_parameters
from conformance.fuzz.stateful import all_operations, lifecycle_log, run_lifecycle
from conformance.fuzz.transport import EITHER_SIDE, FuzzOperation, load_schema, transport_of
from conformance.outcomes import SetupRefused
from conformance.spec.paths import openapi_path
from conformance.target.client import LOST, NO_ANSWER, TargetClient
from conformance.target.config import TargetConfig
from conformance.target.dialect import Need, asked_for, still_asks
from conformance.target.scratch import MAX_NEEDS, ScratchResources
from conformance.target.unrouted import NOWHERE, without_path

API = "/api/v1/workspaces/{workspace_slug}"
PROJECT = f"{API}/projects/{{project_id}}"

_INVITATION = "needs an invitation of the suite's own, and creating one e-mails a real address"
_WORKSPACE_ASSET = (
    "needs a workspace asset of the suite's own, and the docs give no way to delete one"
)
_USER_ASSET = "needs an upload to the key's own user, outside the workspace (storage)"
_MEMBERSHIP = (
    "would change or remove the key's own project membership, and the suite has no other "
    "member of its own to add (a real person would be notified)"
)
# Never sent, in any mode: what they would do reaches beyond the suite's own objects. (The
# capability area probes them without the key, which no server acts on.)
NEVER_SENT: dict[str, str] = {
    f"POST {API}/members/remove/": "a workspace-wide write: removes workspace members",
    f"POST {API}/invitations/": "a workspace-wide write: e-mails invitations to real addresses",
    f"GET {API}/invitations/{{invitation_id}}/": _INVITATION,
    f"PATCH {API}/invitations/{{invitation_id}}/": _INVITATION,
    f"DELETE {API}/invitations/{{invitation_id}}/": _INVITATION,
    f"POST {API}/assets/": "creates a workspace upload the docs give no way to delete",
    f"GET {API}/assets/{{asset_id}}/": _WORKSPACE_ASSET,
    f"PATCH {API}/assets/{{asset_id}}/": _WORKSPACE_ASSET,
    "POST /api/v1/assets/user-assets/": _USER_ASSET,
    "PATCH /api/v1/assets/user-assets/{asset_id}/": _USER_ASSET,
    "DELETE /api/v1/assets/user-assets/{asset_id}/": _USER_ASSET,
    f"POST {PROJECT}/project-members/": _MEMBERSHIP,
    f"PATCH {PROJECT}/project-members/{{member_id}}/": _MEMBERSHIP,
    f"DELETE {PROJECT}/project-members/{{member_id}}/": _MEMBERSHIP,
}
# Checks not run on one operation because the docs contradict themselves there: operation ->
# {check: the discrepancy}. Each is reported to the lead and shown in the report's notes.
_LINK_DETAIL = (
    "the 'Retrieve a link' page shows a paginated list as its 200 example, while the Link "
    "overview documents a single link object (the spec follows the example)"
)
_ACTIVITY_DETAIL = (
    "the 'Retrieve a work item activity' page shows a paginated list as its 200 example, while "
    "the Activity overview documents a single activity object (the spec follows the example)"
)
KNOWN_DISCREPANCIES: dict[str, dict[str, str]] = {
    f"GET {API}/projects/{{project_id}}/work-items/{{work_item_id}}/{child}/{{resource_id}}/": {
        "response_schema_conformance": why
    }
    for child, why in (("links", _LINK_DETAIL), ("activities", _ACTIVITY_DETAIL))
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
# Sent only when the campaign works in a project of its own: with --project they would change
# the user's project (its settings, its state, its existence) or create projects.
PROJECT_MODE_LEAVES_OUT: dict[str, str] = {
    **dict.fromkeys(PROJECT_END, "--project mode changes nothing of your project"),
    f"POST {API}/projects/": "--project mode creates no projects",
}


def note_unresolved(log: OperationLog, missing: Unresolved) -> None:
    """An operation that could not be sent: blocked by a refused prerequisite (its words), or
    not verified (the suite has no way to make one, or the prerequisite broke: STATUS-010)."""
    if missing.refused:
        log.blocked = missing.reason
    else:
        log.not_verified = missing.reason


def left_out(label: str, own_project: bool) -> str:
    """Why the campaign does not send this operation (empty: it does)."""
    if label in NEVER_SENT:
        return NEVER_SENT[label]
    if not own_project and label in PROJECT_MODE_LEAVES_OUT:
        return PROJECT_MODE_LEAVES_OUT[label]
    return ""


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
    """Fuzz every operation, or with `part` only the operations of that part of the campaign.

    Every operation of the part gets a log, so every one gets a unit per requirement: fuzzed,
    left out (and why), blocked by a refused prerequisite, or broken by the suite itself.
    """
    started = time.monotonic()
    budget = PROFILE_BUDGETS.get(target.profile, PROFILE_BUDGETS["standard"])
    schema = schema if schema is not None else load_schema(openapi_path(), client)
    campaign = Campaign()
    # The older `issues/` spellings the spec carries are no documented operations (Plane's URL
    # configuration keeps them; no docs page names them): they are not fuzzed, and on a target
    # that routes only them the documented operations are sent there (target/routes.py).
    operations = [op for op in all_operations(schema) if not op.definition.raw.get("x-alias-of")]
    part_of = campaign_part_of([operation.label for operation in operations])
    mine = [op for op in _ordered(operations) if part is None or part_of[op.label] == part]
    for operation in mine:
        campaign.log(operation.label)
    for (name, field), (_either, why) in EITHER_SIDE.items():
        campaign.waived[f"{name}.{field} [either side accepted]"] = why
    try:
        project = FuzzProject(client, scratch, target.workspace)
    except SetupRefused as refused:
        for operation in mine:
            log = campaign.log(operation.label)
            log.not_selected = left_out(operation.label, True)
            log.blocked = f"the campaign has no project to work in: {refused}"
        return campaign
    transport_of(schema).on_created = _adopter(scratch, project)
    campaign.unrouted = _unrouted_body(client, target.workspace)
    auth_checked: set[str] = set()
    stateful_done = False
    for operation in mine:
        label = operation.label
        log = campaign.log(label)
        if label in PROJECT_END and not stateful_done:
            stateful_done = True  # the lifecycles need the project: walk them before its end
            run_lifecycles(schema, operations, project, budget, target.seed, campaign)
        log.not_selected = left_out(label, project.own)
        if log.not_selected:
            continue
        waived = KNOWN_DISCREPANCIES.get(label, {})
        for check, reason in waived.items():
            campaign.waived[f"{label} [{check}]"] = reason
            log.waived[check] = reason
        consuming = _consumes(label) and label not in PROJECT_END
        modes = [(GenerationMode.POSITIVE, max(budget.generated, 1))]
        # Negative cases are body cases (see fuzzing._negative_worth_judging): write operations.
        if budget.negative and not _consumes(label) and len(operation.body) > 0:
            modes.append((GenerationMode.NEGATIVE, budget.negative))
        for mode, examples in modes:
            # A consuming operation gets one fresh object per case: one case per run of it; its
            # first run is the documented minimal case alone.
            for run in range(examples if consuming else 1):
                try:
                    parameters = resolve_path_parameters(operation, project, fresh=consuming)
                    if mode == GenerationMode.POSITIVE:
                        prepare(operation, project, parameters)
                    examples_now = examples
                    if mode == GenerationMode.POSITIVE and run == 0:
                        accepted_before = log.accepted
                        send_minimal(
                            operation,
                            project,
                            parameters,
                            campaign,
                            auth_checked=auth_checked,
                            waived=waived,
                            probe_enums=budget.negative > 0 and not _consumes(label),
                        )
                        if consuming:
                            continue
                        examples_now = budget.generated_after(
                            minimal_accepted=log.accepted > accepted_before,
                            takes_body=len(operation.body) > 0,
                        )
                        if not examples_now:
                            continue
                except Unresolved as missing:
                    note_unresolved(log, missing)
                    break
                except LOST:
                    raise
                except Exception as error:  # a problem of the suite's own, not the target's
                    log.error = f"{type(error).__name__}: {error}"[:300]
                    break
                try:
                    fuzz_operation(
                        operation,
                        path_parameters=parameters,
                        mode=mode,
                        max_examples=1 if consuming else examples_now,
                        seed=target.seed,
                        campaign=campaign,
                        auth_checked=auth_checked,
                        waived=waived,
                        ignored_fields=SERVER_COMPUTED_FIELDS,
                        probe_enums=budget.negative > 0 and not _consumes(label),
                    )
                except LOST:
                    raise  # the target may be gone: the plugin decides whether the run goes on
                except Exception as error:  # a generation problem is the suite's, not the target's
                    log.error = f"{type(error).__name__}: {error}"[:300]
    deleted = campaign.logs.get(f"DELETE {API}/projects/{{resource_id}}/")
    if project.own and deleted is not None and deleted.accepted:
        scratch.forget(project.path(""))  # deleted by the campaign: nothing of it is left
    campaign.seconds = time.monotonic() - started
    return campaign


def _unrouted_body(client: TargetClient, workspace: str) -> str | None:
    """The keyed 404 of a surely-unrouted URL, path taken out (None: it is no 404): the run's
    route map asked it already; asked here only when there is none (a bare client)."""
    known = client.routes.keyed
    if known is not None:
        return known.bodies[0] if known.all_404 and known.stable else None
    path = f"/api/v1/workspaces/{workspace}/{NOWHERE}/"
    answer = client.get(path)
    return without_path(answer.text, path) if answer.status_code == 404 else None


def send_minimal(
    operation: FuzzOperation,
    project: FuzzProject,
    parameters: dict[str, str],
    campaign: Campaign,
    *,
    auth_checked: set[str],
    waived: dict[str, str],
    probe_enums: bool,
) -> None:
    """The documented minimal case (conformance.fuzz.minimal), with the fields this target is
    known to need, sent once more with a field its refusal asked for, if any: the scratch
    resources' dialect learns and applies it, as for every other create (target/dialect.py)."""
    has_body, body = minimal_body(operation, project)
    dialect, me = project.scratch.dialect, project.scratch.me
    path = operation.path.format(**parameters)
    body = dialect.adapt(path, body, me) if operation.method.upper() == "POST" else body
    pending: tuple[Need, int, str] | None = None  # a field asked for, and the refusal
    for _attempt in range(1 + MAX_NEEDS):  # each field a refusal asks for, sent once more
        answer = send_case(
            minimal_case(operation, parameters, body, has_body=has_body),
            mode="positive",
            campaign=campaign,
            auth_checked=auth_checked,
            waived=waived,
            ignored=frozenset(SERVER_COMPUTED_FIELDS),
            probe_enums=probe_enums,
        )
        if answer is None or operation.method.upper() != "POST":
            return
        if pending is not None:  # learned once the field silenced its refusal
            if still_asks(answer.status_code, answer.text, pending[0].field):
                return
            dialect.learn(path, *pending)
        need = asked_for(parameters, body, answer.status_code, answer.text)
        value = need.value(parameters, me) if need is not None else None
        if need is None or value is None or not isinstance(body, dict):
            return
        pending = (need, answer.status_code, answer.text)
        body = {**body, need.field: value}


def _adopter(scratch: ScratchResources, project: FuzzProject) -> Callable[[str], None]:
    """What to do with an object a generated create made: the suite deletes it again, unless it
    lies in the campaign's own project (deleted with the project, in one request)."""
    inside = project.path("") if project.own else None

    def adopt(path: str) -> None:
        if inside is None or not path.startswith(inside):
            scratch.adopt(path)

    return adopt


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
                continue  # not in the spec: nothing to walk
            log = lifecycle_log(campaign, create)
            try:
                parameters = resolve_path_parameters(create, project, fresh=False)
            except Unresolved as missing:
                note_unresolved(log, missing)
                continue
            try:
                # The first round creates with the documented minimal body, so that there is an
                # object to follow even where generated bodies are refused; later rounds generate.
                body = minimal_body(create, project)[1] if round_number == 0 else None
                run_lifecycle(
                    schema,
                    create,
                    parameters,
                    seed=operation_seed(seed, label, f"lifecycle-{round_number}"),
                    campaign=campaign,
                    create_body=body,
                    waivers=KNOWN_DISCREPANCIES,
                )
            except LOST:
                raise
            except NO_ANSWER as error:
                log.no_answer.append(f"{type(error).__name__}: {error}"[:200])
            except Exception as error:  # a generation problem is the suite's, not the target's
                log.error = f"{type(error).__name__}: {error}"[:300]
