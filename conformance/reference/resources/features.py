"""Project features: which optional parts of a project are on. Most map onto the project's own
flags (so PATCH project and PATCH features agree); `epics` is kept beside the project."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.resources.projects import FEATURES_OFF, INTAKE_OFF
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import ApiError, json_response
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, validate_body

# feature name -> the project's field (None: stored in the features document)
FEATURES = {
    "epics": None,
    "modules": "module_view",
    "cycles": "cycle_view",
    "views": "issue_views_view",
    "pages": "page_view",
    "intakes": "intake_view",
    "work_item_types": "is_issue_type_enabled",
}
SPECS = {name: FieldSpec("bool", nullable=False) for name in FEATURES}


# Plane's refusal when a feature is off, by the project flag that switches it on.
_OFF: dict[str, dict[str, Any]] = {
    "cycle_view": {"non_field_errors": ["Cycles are not enabled for this project"]},
    "module_view": {"non_field_errors": ["Modules are not enabled for this project"]},
    "intake_view": {
        "error": "Intake is not enabled for this project enable it through the project's api"
    },
}


def require(ctx: Ctx, project_id: str, flag: str) -> None:
    """Under FEATURES_OFF (cycles, modules) and INTAKE_OFF (intake), a write to a part of a
    project that has not switched it on answers Plane's 400."""
    if not ctx.config.follows(INTAKE_OFF if flag == "intake_view" else FEATURES_OFF):
        return
    project = ctx.store.get("project", project_id) or {}
    if not project.get(flag):
        raise ApiError(400, _OFF[flag])


def _extra(ctx: Ctx, project: Doc) -> Doc:
    return ctx.store.get("project_features", project["id"]) or {"id": project["id"], "epics": False}


def _view(ctx: Ctx, project: Doc) -> Doc:
    extra = _extra(ctx, project)
    return {
        name: bool(project.get(field) if field else extra.get(name))
        for name, field in FEATURES.items()
    }


def get_features(ctx: Ctx) -> Response:
    return json_response(_view(ctx, ctx.project()), ctx.config)


def update_features(ctx: Ctx) -> Response:
    project = ctx.project()
    clean = validate_body(ctx.body, SPECS, ctx.config, partial=True)
    extra = _extra(ctx, project)
    stored = ctx.store.get("project_features", project["id"]) is not None
    for name, value in clean.items():
        field = FEATURES[name]
        if field:
            project[field] = value
        else:
            extra[name] = value
    ctx.stamp(project, created=False)
    with ctx.store.transaction():
        ctx.store.replace("project", project)
        if stored:
            ctx.store.replace("project_features", extra)
        else:
            ctx.store.insert("project_features", extra, project=project["id"])
    return json_response(_view(ctx, project), ctx.config)


ROUTES: RouteTable = [
    (PROJECT + "/features/", {"GET": get_features, "PATCH": update_features}),
]
