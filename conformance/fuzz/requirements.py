"""Which catalogue requirement a failure of each schemathesis check violates."""

from __future__ import annotations

from dataclasses import dataclass

from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi import checks as openapi_checks


@dataclass(frozen=True)
class CheckSpec:
    """A schemathesis check and the catalogue requirement a failure of it violates."""

    name: str
    function: CheckFunction
    requirement: str


CHECKS: dict[str, CheckSpec] = {
    spec.name: spec
    for spec in (
        CheckSpec("not_a_server_error", not_a_server_error, "STATUS-010"),
        CheckSpec("status_code_conformance", openapi_checks.status_code_conformance, "SCHEMA-001"),
        CheckSpec("content_type_conformance", openapi_checks.content_type_conformance, "HTTP-001"),
        CheckSpec(
            "response_schema_conformance", openapi_checks.response_schema_conformance, "SCHEMA-002"
        ),
        CheckSpec(
            "response_headers_conformance",
            openapi_checks.response_headers_conformance,
            "SCHEMA-003",
        ),
        CheckSpec("negative_data_rejection", openapi_checks.negative_data_rejection, "SCHEMA-004"),
        CheckSpec("ignored_auth", openapi_checks.ignored_auth, "AUTH-007"),
        CheckSpec("use_after_free", openapi_checks.use_after_free, "STATUS-006"),
        CheckSpec(
            "ensure_resource_availability",
            openapi_checks.ensure_resource_availability,
            "STATUS-003",
        ),
    )
}

POSITIVE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
# Negative cases are judged on rejection, crashes and media type only: the body of an error
# answer is loosely documented, so validating it against a schema would produce noise.
NEGATIVE_CHECKS = ("not_a_server_error", "negative_data_rejection", "content_type_conformance")
