"""Schemathesis, driven through the suite's one target client.

Schemathesis generates the cases and judges the responses; every byte still goes through
`TargetClient.request`, so pacing, recording, redaction and request counting hold for fuzzing too.
The bridge is a schemathesis transport: the loaded schema is re-classed so that its `transport`
is ours, which also catches the requests schemathesis's own checks send (the `ignored_auth`
probes). Failures become `Finding`s, each tied to a catalogue requirement.
"""

from __future__ import annotations

import http.client
import shlex
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import hypothesis
import hypothesis.errors
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks
from schemathesis.transport.requests import REQUESTS_TRANSPORT, RequestsTransport

from conformance.spec.yaml_cache import load_yaml

# Inside schemathesis the API key is only ever this stand-in; the target client swaps it for the
# real key on the wire, so no schemathesis object (case, response, failure text) holds the key.
KEY_STANDIN = "plc-configured-key"
KEY_HEADER = "X-API-Key"
# Headers the requests transport adds by default; the target client sets its own.
_DROPPED_HEADERS = {"user-agent", "accept-encoding", "connection", "content-length"}


class Sender(Protocol):
    """What the bridge needs of `TargetClient`."""

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        key: bool | str = True,
    ) -> httpx.Response: ...


# --- requirement mapping --------------------------------------------------------------------


@dataclass(frozen=True)
class CheckSpec:
    """A schemathesis check and the catalogue requirement a failure of it violates."""

    name: str
    function: Callable[..., Any]
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
_BY_FUNCTION = {spec.function: spec for spec in CHECKS.values()}

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


@dataclass
class Finding:
    """One failed check on one response, as it goes into the report."""

    operation: str
    check: str
    requirement: str
    message: str
    curl: str
    status: int | None
    mode: str = "positive"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Campaign:
    """What one fuzzing run did: findings plus the figures the report shows."""

    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    operations: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # operation label -> reason
    errors: dict[str, str] = field(default_factory=dict)  # suite-side problems per operation
    waived: dict[str, str] = field(default_factory=dict)  # "operation check" -> why not judged
    seconds: float = 0.0

    notes_reported: bool = False

    def notes(self) -> list[dict[str, Any]]:
        """Report rows for what was not fuzzed or not judged, and suite-side errors."""
        rows = [
            {"operation": label, "kind": kind, "message": text}
            for kind, entries in (
                ("skipped", self.skipped),
                ("waived", self.waived),
                ("suite error", self.errors),
            )
            for label, text in sorted(entries.items())
        ]
        return rows

    def for_requirement(self, requirement: str) -> list[Finding]:
        return [f for f in self.findings if f.requirement == requirement]

    def add(self, finding: Finding) -> None:
        # One finding per (operation, check, mode) is enough to act on; more only add noise.
        key = (finding.operation, finding.check, finding.mode)
        if all((f.operation, f.check, f.mode) != key for f in self.findings):
            self.findings.append(finding)


# --- transport ------------------------------------------------------------------------------


def _key_argument(headers: Mapping[str, Any]) -> bool | str:
    """Which key the target client must send, read from the header schemathesis prepared."""
    value = next((v for k, v in headers.items() if k.lower() == KEY_HEADER.lower()), None)
    if value is None:
        return False  # an ignored_auth probe without credentials
    if value == KEY_STANDIN:
        return True
    return str(value)  # an ignored_auth probe with an invalid key


def _redacted_request(request: httpx.Request) -> requests.PreparedRequest:
    headers = {k: v for k, v in request.headers.items() if k.lower() != KEY_HEADER.lower()}
    if KEY_HEADER.lower() in (k.lower() for k in request.headers):
        headers[KEY_HEADER] = KEY_STANDIN
    return requests.Request(
        method=request.method,
        url=str(request.url),
        headers=headers,
        data=request.content or None,
    ).prepare()


def to_schemathesis_response(response: httpx.Response, elapsed: float) -> Response:
    """An httpx response as schemathesis's checks want it, with the key replaced by the stand-in."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name.lower(), []).append(value)
    return Response(
        status_code=response.status_code,
        headers=headers,
        content=response.content,
        request=_redacted_request(response.request),
        elapsed=elapsed,
        verify=True,
        message=response.reason_phrase or http.client.responses.get(response.status_code, ""),
        encoding=response.encoding,
    )


class TargetTransport(RequestsTransport):
    """Serialises cases like the requests transport, sends them with the target client."""

    def __init__(self, sender: Sender, base_path: str) -> None:
        super().__init__()
        self._copy_serializers_from(REQUESTS_TRANSPORT)
        self.sender = sender
        self.base_path = base_path.rstrip("/")
        self.sent = 0

    def send(self, case: Any, *, session: Any = None, **kwargs: Any) -> Response:
        kwargs.pop("base_url", None)
        data = self.serialize_case(
            case, base_url="http://target.invalid" + self.base_path, **kwargs
        )
        url = urlsplit(data["url"])
        headers = {
            k: str(v)
            for k, v in data["headers"].items()
            if k.lower() not in _DROPPED_HEADERS and k.lower() != KEY_HEADER.lower()
        }
        content = data.get("data")
        if isinstance(content, str):
            content = content.encode()
        params = data.get("params")
        path = url.path + (f"?{url.query}" if url.query else "")
        started = time.monotonic()
        response = self.sender.request(
            data["method"],
            path,
            params=params or None,
            json=data.get("json"),
            headers=headers,
            content=content,
            key=_key_argument(data["headers"]),
        )
        self.sent += 1
        return to_schemathesis_response(response, time.monotonic() - started)


def load_schema(path: Path, sender: Sender) -> Any:
    """The OpenAPI description as a schemathesis schema whose every request uses `sender`."""
    # our own (cached) parse of the file; a fresh copy, as schemathesis may change it
    schema = schemathesis.openapi.from_dict(load_yaml(path))
    servers = schema.raw_schema.get("servers") or [{"url": ""}]
    transport = TargetTransport(sender, urlsplit(servers[0].get("url", "")).path)
    base = type(schema)
    # The transport is a property of the schema class; a subclass keeps it across schema clones.
    bound = type(
        f"TargetBound{base.__name__}", (base,), {"transport": property(lambda _: transport)}
    )
    schema.__class__ = bound
    return schema


def transport_of(schema: Any) -> TargetTransport:
    transport: TargetTransport = schema.transport
    return transport


# --- judging one response -------------------------------------------------------------------


def curl_for(response: Response) -> str:
    """A curl line for the request behind `response`; the key appears as $PLANE_API_KEY."""
    request = response.request
    parts = ["curl", "-sS", "-X", str(request.method), shlex.quote(str(request.url))]
    for name, raw in request.headers.items():
        value = raw.decode() if isinstance(raw, bytes) else raw
        if name.lower() in _DROPPED_HEADERS or name.lower() == "x-schemathesis-testcaseid":
            continue
        if value == KEY_STANDIN:
            parts += ["-H", f'"{name}: $PLANE_API_KEY"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.body:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        parts += ["--data-raw", shlex.quote(body)]
    return " ".join(parts)


def judge(
    case: Any,
    response: Response,
    check_names: Iterable[str],
    *,
    mode: str,
    recorder: Any = None,
    waived: Iterable[str] = (),
) -> list[Finding]:
    """Run the named checks on one response; each failure becomes a Finding.

    The checks run one at a time so that every failure is tied to the check that raised it, and
    in the order given, so that `_owns` can leave a symptom to the requirement it belongs to.
    `waived` names checks not to run on this operation (known discrepancies of the docs).
    """
    waived = frozenset(waived)
    findings: list[Finding] = []
    for name in check_names:
        if name in waived or not _owns(name, response, findings):
            continue
        try:
            case.validate_response(
                response,
                checks=[CHECKS[name].function],
                headers={KEY_HEADER: KEY_STANDIN},
                transport_kwargs={"headers": {KEY_HEADER: KEY_STANDIN}},
                recorder=recorder,
            )
        except FailureGroup as group:
            failure = group.exceptions[0]
            findings.append(
                Finding(
                    operation=case.operation.label,
                    check=name,
                    requirement=CHECKS[name].requirement,
                    message=_describe(failure),
                    curl=curl_for(response),
                    status=response.status_code,
                    mode=mode,
                )
            )
    return findings


def _owns(check: str, response: Response, earlier: list[Finding]) -> bool:
    """Whether `check` should judge `response`, so one fault is flagged under one requirement.

    A 5xx belongs to STATUS-010 (not_a_server_error) and a 429 to pacing (the ratelimit area):
    neither is a status-code or body-shape finding. A body sent with an undocumented media type
    is HTTP-001's finding; validating it against the JSON schema would only repeat it.
    """
    status = response.status_code
    if check != "not_a_server_error" and (status >= 500 or status == 429):
        return False
    if check in ("response_schema_conformance", "response_headers_conformance"):
        return all(f.check != "content_type_conformance" for f in earlier)
    return True


def _describe(failure: Failure) -> str:
    text = f"{failure.title}: {failure.message}".strip()
    return text if len(text) <= 600 else text[:600] + " ..."


# --- one operation, many cases --------------------------------------------------------------


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


def _settings(max_examples: int) -> settings:
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


def fuzz_operation(
    operation: Any,
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
        headers={KEY_HEADER: KEY_STANDIN},
    )
    label = operation.label
    mode_name = "negative" if mode == GenerationMode.NEGATIVE else "positive"

    @_settings(max_examples)
    @given(case=strategy)
    def run(case: Any) -> None:
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
                for finding in enum_probe(case, ignored):
                    campaign.add(finding)
        for finding in judge(case, response, names, mode=mode_name, waived=waived):
            campaign.add(finding)

    try:
        hypothesis.seed(operation_seed(seed, label, mode_name))(run)()
    except hypothesis.errors.Unsatisfiable:
        # Nothing of this mode can be generated here (e.g. no negatable body): nothing to send.
        return


ENUM_PROBE_VALUE = "plc-not-a-documented-value"


def enum_probe(case: Any, ignored_fields: frozenset[str] = frozenset()) -> list[Finding]:
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
    schema = case.operation.body[0].optimized_schema
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    for name, definition in sorted(properties.items()):
        if name in ignored_fields or not isinstance(definition, dict):
            continue
        if not all(isinstance(v, str) for v in definition.get("enum") or [0]):
            continue

        def send(value: str, name: str = name) -> Response:
            return case.operation.Case(
                path_parameters=case.path_parameters,
                query=case.query,
                headers={KEY_HEADER: KEY_STANDIN},
                body={**case.body, name: value},
                media_type=case.media_type,
            ).call()

        response = send(ENUM_PROBE_VALUE)
        if 200 <= response.status_code < 300:
            send(definition["enum"][0])  # repair the object for the checks that follow
            return [
                Finding(
                    operation=case.operation.label,
                    check="negative_data_rejection",
                    requirement=CHECKS["negative_data_rejection"].requirement,
                    message=f"{name}={ENUM_PROBE_VALUE!r} is outside the documented enumeration "
                    f"{definition['enum']}, yet the request was accepted",
                    curl=curl_for(response),
                    status=response.status_code,
                    mode="negative",
                )
            ]
        return []
    return []


def operation_seed(seed: int, label: str, mode: str) -> int:
    """A per-operation seed derived from the run seed, stable across Python processes."""
    return (seed * 1_000_003 + zlib.crc32(f"{label}|{mode}".encode())) % (2**32)


def _negative_worth_judging(case: Any, ignored_fields: frozenset[str] = frozenset()) -> bool:
    """Only cases whose body is invalid are sent in negative mode.

    A body that becomes valid once `ignored_fields` are taken out is not sent either: those are
    fields the server computes itself (see KNOWN_DISCREPANCIES in test_schema.py).

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


# --- stateful phase: follow the spec's OpenAPI links ---------------------------------------

LINK_STEPS = ("get", "update", "delete")  # the link name prefixes a create's 201 offers


def draw_case(operation: Any, path_parameters: dict[str, str], seed: int) -> Any:
    """One generated valid case of `operation` (reproducible from `seed`), without sending it."""
    drawn: list[Any] = []
    strategy = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE,
        path_parameters=path_parameters,
        headers={KEY_HEADER: KEY_STANDIN},
    )

    @_settings(1)
    @given(case=strategy)
    def take(case: Any) -> None:
        drawn.append(case)

    hypothesis.seed(seed)(take)()
    return drawn[0]


def follow_links(
    schema: Any, create: Any, case: Any, response: Response
) -> dict[str, tuple[Any, dict[str, str]]]:
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
    by_id = {op.definition.raw.get("operationId"): op for op in _operations(schema)}
    steps: dict[str, tuple[Any, dict[str, str]]] = {}
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


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _stateful_finding(case: Any, response: Response, check: str, message: str) -> Finding:
    return Finding(
        operation=case.operation.label,
        check=check,
        requirement=CHECKS[check].requirement,
        message=message,
        curl=curl_for(response),
        status=response.status_code,
        mode="stateful",
    )


def run_lifecycle(
    schema: Any, create: Any, path_parameters: dict[str, str], *, seed: int, campaign: Campaign
) -> None:
    """create -> get -> update -> get -> delete -> get, along the links of the create's answer.

    Besides the positive checks on every step: a 404 for the object just created fails STATUS-003
    (ensure_resource_availability), a successful read after a successful delete fails STATUS-006
    (use_after_free).
    """

    def send(case: Any) -> Response:
        response = case.call()
        campaign.cases += 1
        for finding in judge(case, response, POSITIVE_CHECKS, mode="stateful"):
            campaign.add(finding)
        return response

    created_case = draw_case(create, path_parameters, seed)
    created = send(created_case)
    if created.status_code >= 300:
        return  # the create itself was judged above; nothing to follow
    steps = follow_links(schema, create, created_case, created)
    if "get" not in steps:
        return

    def case_for(prefix: str) -> Any:
        operation, params = steps[prefix]
        if prefix == "update":
            return draw_case(operation, params, seed)
        return operation.Case(path_parameters=params, headers={KEY_HEADER: KEY_STANDIN})

    read_case = case_for("get")
    read = send(read_case)
    if read.status_code == 404:
        campaign.add(
            _stateful_finding(
                read_case,
                read,
                "ensure_resource_availability",
                f"{create.label} answered {created.status_code}, then reading the new object "
                "through the link the spec gives answered 404",
            )
        )
        return
    if "update" in steps:
        send(case_for("update"))
        send(case_for("get"))
    if "delete" not in steps:
        return
    deleted = send(case_for("delete"))
    if deleted.status_code >= 300:
        return
    again_case = case_for("get")
    again = send(again_case)
    if 200 <= again.status_code < 400:
        campaign.add(
            _stateful_finding(
                again_case,
                again,
                "use_after_free",
                f"the object was deleted (HTTP {deleted.status_code}), yet reading it answered "
                f"{again.status_code} instead of 404",
            )
        )
