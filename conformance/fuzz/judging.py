"""Judging one response: the named schemathesis checks run on it, each failure a `Finding`.

This is the one place a `Finding` is made (`finding`), whether a schemathesis check failed
(`judge`) or the suite's own probes saw a violation (the enum probe, the stateful lifecycles).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.openapi.checks import AuthScenario

from conformance.fuzz.findings import Finding, OperationLog
from conformance.fuzz.requirements import CHECKS
from conformance.fuzz.transport import DROPPED_HEADERS, KEY_STANDIN, STANDIN_HEADERS, FuzzCase

MESSAGE_LIMIT = 600
INVALID_AUTH = AuthScenario.INVALID_AUTH


def curl_for(response: Response) -> str:
    """A curl line for the request behind `response`; the key appears as $PLANE_API_KEY."""
    request = response.request
    parts = ["curl", "-sS", "-X", str(request.method), shlex.quote(str(request.url))]
    for name, raw in request.headers.items():
        value = raw.decode() if isinstance(raw, bytes) else raw
        if name.lower() in DROPPED_HEADERS or name.lower() == "x-schemathesis-testcaseid":
            continue
        if value == KEY_STANDIN:
            parts += ["-H", f'"{name}: $PLANE_API_KEY"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.body:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        parts += ["--data-raw", shlex.quote(body)]
    return " ".join(parts)


def finding(case: FuzzCase, response: Response, check: str, message: str, *, mode: str) -> Finding:
    """The finding that `check` failed on `response` to `case`, under the check's requirement."""
    return Finding(
        operation=case.operation.label,
        check=check,
        requirement=CHECKS[check].requirement,
        message=message,
        curl=curl_for(response),
        status=response.status_code,
        mode=mode,
    )


def judge(
    case: FuzzCase,
    response: Response,
    check_names: Iterable[str],
    *,
    mode: str,
    waived: Iterable[str] = (),
    log: OperationLog | None = None,
) -> list[Finding]:
    """Run the named checks on one response; each failure becomes a Finding.

    The checks run one at a time so that every failure is tied to the check that raised it, and
    in the order given, so that `_owns` can leave a symptom to the requirement it belongs to.
    `waived` names checks not to run on this operation (known discrepancies of the docs).
    `log` counts the answers each check judged (what the operation's units are made of).
    """
    skipped = frozenset(waived)
    findings: list[Finding] = []
    for name in check_names:
        if name in skipped or not _owns(name, response, findings, case):
            continue
        if log is not None:
            log.judged[name] += 1
            if 200 <= response.status_code < 400:  # judged 3xx are documented ones (_owns)
                log.judged_accepted[name] += 1
        try:
            case.validate_response(
                response,
                checks=[CHECKS[name].function],
                headers=dict(STANDIN_HEADERS),
                transport_kwargs={"headers": dict(STANDIN_HEADERS)},
            )
        except FailureGroup as group:
            failure = group.exceptions[0]
            if name == "ignored_auth" and getattr(failure, "scenario", None) == INVALID_AUTH:
                continue  # the keyless probe passed; an invalid key accepted is AUTH-004's rule
            findings.append(finding(case, response, name, _describe(failure), mode=mode))
    return findings


def documents(response: Response, case: FuzzCase) -> bool:
    """Whether the operation documents this status (an attachment's detail documents 302)."""
    return case.operation.responses.find_by_status_code(response.status_code) is not None


def _owns(check: str, response: Response, earlier: list[Finding], case: FuzzCase) -> bool:
    """Whether `check` should judge `response`, so one fault is flagged under one requirement.

    A 5xx belongs to STATUS-010 (not_a_server_error) and a 429 to pacing (the ratelimit area):
    neither is a status-code or body-shape finding. A 403 says the key may not: a permission,
    outside the contract (the operation is blocked, see findings.FORBIDDEN). A body sent with an
    undocumented media type is HTTP-001's finding; validating it against the JSON schema would
    only repeat it.
    """
    status = response.status_code
    if check != "not_a_server_error" and (status >= 500 or status in (403, 429)):
        return False
    if check != "not_a_server_error" and 300 <= status < 400 and not documents(response, case):
        return False  # an undocumented redirect on a documented path is REDIR-001's
    if check in ("response_schema_conformance", "response_headers_conformance"):
        return all(f.check != "content_type_conformance" for f in earlier)
    return True


def _describe(failure: Failure) -> str:
    text = f"{failure.title}: {failure.message}".strip()
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + " ..."
