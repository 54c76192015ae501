"""Make what a replayed request needs, in a fresh scratch project, with the suite's own means.

The project and every object in it are made the way the schema campaign makes them: the one
project setup of the scratch resources (a project of the suite's own, named with the run's
prefix, its cycles, modules and intake turned on) and the campaign's minimal documented create
bodies and preparation steps (`fuzz.project`, `fuzz.minimal`: a work item placed in the cycle
it is then removed from, a cycle that has ended before it is archived...). Everything made is
registered with the scratch resources, whose cleanup deletes it again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from conformance.fuzz.minimal import prepare
from conformance.fuzz.project import FuzzProject, Unresolved, resolve_path_parameters
from conformance.fuzz.transport import FuzzOperation, load_schema
from conformance.outcomes import SetupRefused
from conformance.replay.plan import CannotReplay, Plan
from conformance.spec.paths import openapi_path
from conformance.spec.templates import PARAMETER
from conformance.target.answers import describe
from conformance.target.client import TargetClient
from conformance.target.scratch import ScratchResources

GONE = (200, 202, 204, 404)


@dataclass
class Made:
    """The values the replay sends instead of the recorded ones, and what it made for them."""

    parameters: dict[str, str] = field(default_factory=dict)  # path parameter -> value
    ids: dict[str, str] = field(default_factory=dict)  # recorded id -> the replay's
    notes: list[str] = field(default_factory=list)  # what was made, in words


def _operation(client: TargetClient, plan: Plan) -> FuzzOperation:
    """The documented operation as the campaign knows it (its path, method and body)."""
    schema = load_schema(openapi_path(), client)
    try:
        return schema[plan.template][plan.method]
    except KeyError:
        raise CannotReplay(
            f"{plan.method} {plan.template} is not an operation of the core API description"
        ) from None


def _detail_path(plan: Plan, name: str, values: dict[str, str]) -> str:
    """The path of the object `name` names: the template cut after that parameter."""
    template = plan.written or plan.template
    names = [p.name for p in plan.parameters]
    cut = PARAMETER.split(template)
    # cut: [literal, param, literal, param, ...]; keep up to the parameter's own position
    position = names.index(name)
    kept = "".join(
        part if index % 2 == 0 else values[names[index // 2]]
        for index, part in enumerate(cut[: 2 * position + 2])
    )
    return kept.rstrip("/") + "/"


def recreate(client: TargetClient, scratch: ScratchResources, plan: Plan) -> Made:
    """The values to send for `plan`, made in a fresh project (CannotReplay when the target
    refuses a step: the sentence carries its words)."""
    made = Made()
    for parameter in plan.parameters:
        if parameter.role == "workspace":
            made.parameters[parameter.name] = client.workspace
        elif parameter.role == "literal":
            made.parameters[parameter.name] = parameter.recorded
        elif parameter.role == "unknown":
            made.parameters[parameter.name] = str(uuid.uuid4())
            made.notes.append(f"{parameter.name}: a new random id (the recorded one named nothing)")
    for reference in plan.references:
        if reference.role == "unknown":
            made.ids[reference.recorded] = str(uuid.uuid4())
            made.notes.append(
                f"{reference.field}: a new random id (the recorded one named nothing)"
            )
    # The run worked in a project of its own, and a server may answer otherwise without one
    # (Plane lets a member of some project read labels): the replay makes one in any case.
    try:
        project = FuzzProject(client, scratch, client.workspace)
    except SetupRefused as refused:
        raise CannotReplay(f"the scratch project could not be made: {refused}") from None
    made.notes.insert(0, f"project {project.ids['project']} (a fresh scratch project)")
    values: dict[str, str] = {}
    if plan.needs_objects():
        operation = _operation(client, plan)
        try:
            values = resolve_path_parameters(operation, project, fresh=False)
            prepare(operation, project, values)
        except Unresolved as missing:
            raise CannotReplay(missing.reason) from None
    for parameter in plan.parameters:
        if parameter.name in made.parameters:
            continue
        made.parameters[parameter.name] = values[parameter.name]
        if parameter.role in ("object", "deleted") and parameter.name != "project_id":
            made.notes.append(f"{parameter.name}: {values[parameter.name]}")
    for reference in plan.references:
        if reference.role != "object":
            continue
        value = project.ids["project"] if reference.kind == "project" else None
        value = value or (project.get("member") if reference.kind == "member" else None)
        value = value or project.fresh(reference.kind)
        if value is None:
            why = project.problems.get(reference.kind, "no way to make one")
            raise CannotReplay(
                f"no {reference.kind.replace('_', ' ')} for {reference.field}: {why}"
            )
        made.ids[reference.recorded] = value
        made.notes.append(f"{reference.field}: {value} (a new {reference.kind.replace('_', ' ')})")
    _map_parameters(plan, made)
    _delete_the_deleted(client, scratch, plan, made)
    return made


def _map_parameters(plan: Plan, made: Made) -> None:
    for parameter in plan.parameters:
        if parameter.role != "literal":
            made.ids.setdefault(parameter.recorded.lower(), made.parameters[parameter.name])


def _delete_the_deleted(
    client: TargetClient, scratch: ScratchResources, plan: Plan, made: Made
) -> None:
    """The objects the recorded request found deleted are deleted again, deepest first."""
    for parameter in reversed(plan.parameters):
        if parameter.role != "deleted":
            continue
        path = _detail_path(plan, parameter.name, made.parameters)
        response = client.delete(path)
        if response.status_code not in GONE:
            raise CannotReplay(f"the object to delete first was not deleted: {describe(response)}")
        scratch.forget(path)  # (and what lay below it)
        made.notes.append(f"{parameter.name}: made and deleted again, as before the request")
