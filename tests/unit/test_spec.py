"""The derived OpenAPI description: valid, usable by schemathesis, faithful to the docs."""

from __future__ import annotations

import re

import pytest
import schemathesis
from openapi_spec_validator import validate

from conformance.spec import derive
from conformance.spec.openapi import docs_inventory, load_openapi, operations
from conformance.spec.paths import docs_dir, openapi_path, specs_dir

CLOUD_PATH = specs_dir() / derive.CLOUD_FILE
SPEC_FILES = [openapi_path(), CLOUD_PATH]
needs_docs = pytest.mark.skipif(
    not (docs_dir() / "api-reference").is_dir(),
    reason=f"Plane docs snapshot not found at {docs_dir()} (set PLANE_DOCS_DIR)",
)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_spec_is_valid_openapi(path):
    validate(load_openapi(path))


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_every_operation_loads_in_schemathesis(path):
    schema = schemathesis.openapi.from_path(str(path))
    loaded = [result.ok() for result in schema.get_all_operations()]
    assert len(loaded) == len(operations(load_openapi(path)))


@needs_docs
def test_core_operations_equal_the_docs_inventory():
    documented = docs_inventory()
    in_spec = {(op.method, op.path) for op in operations() if op.core and not op.alias_of}
    assert sorted(documented - in_spec) == [], "documented but missing from the spec"
    assert sorted(in_spec - documented) == [], "in the spec but not documented"
    assert len(in_spec) > 90


def test_core_file_holds_only_core_and_cloud_file_only_cloud():
    assert all(op.core for op in operations())
    assert not any(op.core for op in operations(load_openapi(CLOUD_PATH)))


def test_every_operation_is_traceable_and_named():
    for path in SPEC_FILES:
        spec = load_openapi(path)
        ids = []
        for route, item in spec["paths"].items():
            for method, op in item.items():
                source = op["x-docs-source"]
                assert source["page"].endswith(".md") and source["title"], (method, route)
                assert re.fullmatch(r"[a-z][A-Za-z0-9]+", op["operationId"]), op["operationId"]
                assert {"x-core", "x-paginated", "x-resource"} <= set(op)
                ids.append(op["operationId"])
        assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_legacy_issue_aliases_mirror_work_item_operations():
    ops = operations()
    by_id = {op.operation_id: op for op in ops}
    aliases = [op for op in ops if op.alias_of]
    assert len(aliases) >= 20
    for alias in aliases:
        original = by_id[alias.alias_of]
        assert "/issues/" in alias.path and "/work-items/" in original.path
        assert alias.method == original.method


def test_per_page_follows_the_introduction():
    per_page = load_openapi()["components"]["parameters"]["PerPage"]["schema"]
    assert per_page["default"] == 100
    assert per_page["maximum"] == 100
    assert per_page["minimum"] == 1


def test_paginated_lists_offer_cursor_and_per_page_and_return_the_envelope():
    spec = load_openapi()
    paginated = [op for op in operations(spec) if op.paginated]
    assert len(paginated) >= 15
    for op in paginated:
        assert {"cursor", "per_page"} <= set(op.query_params), op.operation_id
        schema = spec["paths"][op.path][op.method.lower()]["responses"]["200"]["content"]
        refs = schema["application/json"]["schema"]["allOf"][0]["$ref"]
        assert refs.endswith("/PaginatedResponse")


def test_creates_answer_201_with_links_and_deletes_204_without_body():
    spec = load_openapi()
    linked = 0
    for item in spec["paths"].values():
        for method, op in item.items():
            if op["x-kind"] == "create":
                assert "201" in op["responses"], op["operationId"]
                linked += bool(op["responses"]["201"].get("links"))
            if method == "delete":
                success = {k: v for k, v in op["responses"].items() if k.startswith("2")}
                assert list(success) == ["204"] and "content" not in success["204"]
    assert linked >= 15


def test_documented_enums_reach_request_bodies():
    schemas = load_openapi()["components"]["schemas"]
    priority = schemas["AddIssueRequest"]["properties"]["priority"]["enum"]
    assert priority == ["urgent", "high", "medium", "low", "none"]
    group = schemas["AddStateRequest"]["properties"]["group"]["enum"]
    assert group == ["backlog", "unstarted", "started", "completed", "cancelled", "triage"]
    assert schemas["AddIssueRequest"]["required"] == ["name"]


def test_no_docs_prose_in_the_spec():
    text = openapi_path().read_text(encoding="utf-8")
    assert "description_html" in text  # sanity: the file is the spec
    assert "unique identifier of the project" not in text
    assert "workspace_slug represents" not in text


@needs_docs
def test_derivation_is_reproducible(tmp_path):
    derive.write(tmp_path)
    for name in (derive.CORE_FILE, derive.CLOUD_FILE):
        committed = (specs_dir() / name).read_bytes()
        assert (tmp_path / name).read_bytes() == committed, (
            f"{name} is stale: re-run the derivation"
        )
