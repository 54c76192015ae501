"""Load the derived OpenAPI description and list its operations (the API other layers use).

load_openapi(path=None) -> dict               the spec, cached per path
operations(spec=None) -> list[Operation]      one entry per (method, path), in file order
docs_inventory(docs_dir=None, core_only=True) -> set[(method, path)]  from the docs' badges
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.spec.docs_pages import endpoint_badges
from conformance.spec.overlay import load_overlay
from conformance.spec.paths import docs_dir as default_docs_dir
from conformance.spec.paths import openapi_path
from conformance.spec.yaml_cache import load_yaml

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str
    operation_id: str
    resource: str
    paginated: bool
    core: bool
    source: str  # docs page relative to api-reference
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    alias_of: str | None = field(default=None)  # set on the legacy `issues/` spellings
    # The page's scopes (`x-scopes`): alternatives, each the space-joined scopes it needs.
    scopes: tuple[str, ...] = ()


@functools.lru_cache(maxsize=8)
def _load(path: str) -> dict[str, Any]:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not an OpenAPI description")
    return data


def load_openapi(path: str | Path | None = None) -> dict[str, Any]:
    """The spec as a dict (cached: treat it as read-only)."""
    return _load(str(Path(path) if path else openapi_path()))


def _param_names(shared: Mapping[str, object], params: object, where: str) -> tuple[str, ...]:
    """The names of the parameters in `where` (path, query), shared ones ($ref) resolved."""
    names = []
    for param in params if isinstance(params, list) else []:
        ref = param.get("$ref") if isinstance(param, dict) else None
        if isinstance(ref, str):
            param = shared[ref.rsplit("/", 1)[-1]]
        if isinstance(param, dict) and param["in"] == where:
            names.append(str(param["name"]))
    return tuple(names)


def operations(spec: dict[str, Any] | None = None) -> list[Operation]:
    spec = spec if spec is not None else load_openapi()
    found = []
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = op.get("parameters", [])
            shared = spec.get("components", {}).get("parameters", {})
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=op["operationId"],
                    resource=op["x-resource"],
                    paginated=op["x-paginated"],
                    core=op["x-core"],
                    source=op["x-docs-source"]["page"],
                    path_params=_param_names(shared, params, "path"),
                    query_params=_param_names(shared, params, "query"),
                    alias_of=op.get("x-alias-of"),
                    scopes=tuple(op.get("x-scopes", ())),
                )
            )
    return found


def docs_inventory(docs_dir: Path | None = None, core_only: bool = True) -> set[tuple[str, str]]:
    """(method, path) of every endpoint badge of the docs (as printed), minus the badges the
    overlay excludes as not being Plane endpoints; core pages only unless core_only is False."""
    overlay = load_overlay()
    inventory = set()
    for method, route, page in endpoint_badges(docs_dir or default_docs_dir()):
        edition = overlay.edition(page)
        if edition == "excluded" or (core_only and edition != "core"):
            continue
        inventory.add((method, route))
    return inventory
