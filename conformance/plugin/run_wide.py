"""Requirements about *every* response, judged once on the whole run's response ledger.

The plugin calls `judge_run` on the xdist controller (or the single process) after every check
has finished, with the ledger rows of every worker, so a verdict does not depend on which worker
saw which response. Each rule returns units (one per response judged) for its requirement.

Which responses a rule judges, and why:

* STATUS-010 (no 5xx, no dropped connection): every response, except those a probe of another
  requirement judges itself (`owner`): per_page=0 answering 500 is PAG-011's departure, a bogus
  order_by answering 500 is ORD-003's — one departure, one verdict.
* HTTP-001 (JSON bodies with a JSON media type): every response with a body, except redirects
  (a 3xx body is the web server's, not the API's; REDIR-* judge redirects).
* STATUS-009 (4xx bodies are JSON): every 4xx but 429 (RATE-006 judges the 429).
* RATE-001 / RATE-002 (rate-limit headers): every response to a request that carried the
  configured key and was answered by a documented operation (an unrouted URL, a malformed id or
  a redirect is not an API request), except 401, 404 and 429 (see NOT_API_ANSWERS).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping

from conformance.report.model import CheckResult, Unit, UnitStatus
from conformance.spec.openapi import load_openapi, operations
from conformance.spec.paths import openapi_path
from conformance.target.ledger import LedgerRow, is_json_media_type

RUN_WIDE = ("STATUS-010", "HTTP-001", "STATUS-009", "RATE-001", "RATE-002")
MILLIS_FROM = 10**12  # epoch values from here on are milliseconds, not seconds
CLOCK_SLACK_S = 2
WINDOW_S = 3600


UUID = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def _uuid_parameters(spec: Mapping[str, object]) -> set[str]:
    """Names of the path parameters the spec documents as UUIDs (project_id, work_item_id...)."""
    shared = _mapping(_mapping(spec.get("components")).get("parameters"))
    found = set()
    for item in _mapping(spec.get("paths")).values():
        item = _mapping(item)
        for op in [item, *(_mapping(v) for v in item.values() if isinstance(v, dict))]:
            parameters = op.get("parameters")
            for param in parameters if isinstance(parameters, list) else []:
                param = _mapping(param)
                ref = param.get("$ref")
                if isinstance(ref, str):
                    param = _mapping(shared.get(ref.rsplit("/", 1)[-1]))
                schema = _mapping(param.get("schema"))
                if param.get("in") == "path" and schema.get("format") == "uuid":
                    found.add(str(param["name"]))
    return found


def _mapping(value: object) -> Mapping[str, object]:
    """A JSON object of the spec, or an empty one where the spec has something else."""
    return value if isinstance(value, dict) else {}


def _template_regex(template: str, uuids: set[str]) -> re.Pattern[str]:
    """A path template as a regex; a UUID parameter matches only a UUID, so that a request for
    `labels/not-a-uuid/` is not taken for the documented operation (servers route it nowhere)."""
    parts = re.split(r"\{([^}]+)\}", template)
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else (UUID if part in uuids else "[^/]+")
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{pattern}$")


@functools.cache
def _documented_paths() -> tuple[re.Pattern[str], ...]:
    """Every documented path template (core and Cloud specs) as a regex. The older `issues/`
    spellings the spec carries (`x-alias-of`) are not documented: an answer there is judged as
    a documented operation's only when the suite sent it in place of the documented path, on a
    target that routes only that spelling (the row's `written` path)."""
    specs = [load_openapi()]
    cloud = openapi_path().with_name("plane-v1-cloud.openapi.yaml")
    if cloud.exists():
        specs.append(load_openapi(cloud))
    uuids = {name for spec in specs for name in _uuid_parameters(spec)}
    templates = {op.path for spec in specs for op in operations(spec) if not op.alias_of}
    return tuple(_template_regex(t, uuids) for t in sorted(templates))


def is_documented_path(path: str) -> bool:
    return any(pattern.match(path) for pattern in _documented_paths())


def _unit(row: LedgerRow) -> str:
    return row.label


def _judge(
    requirement: str,
    rows: Iterable[LedgerRow],
    applies: Callable[[LedgerRow], bool],
    problem: Callable[[LedgerRow], str | None],
) -> list[Unit]:
    units = []
    for row in rows:
        if not applies(row):
            continue
        found = problem(row)
        status: UnitStatus = "failed" if found else "verified"
        units.append(Unit(requirement, _unit(row), status, found or ""))
    return units


def _server_error(row: LedgerRow) -> str | None:
    if row.status is None:
        return f"no response: {row.failure}"
    return f"answered {row.status}" if row.status >= 500 else None


def _not_json(row: LedgerRow) -> str | None:
    if not is_json_media_type(row.media_type):
        return f"Content-Type {row.media_type or 'missing'}"
    return None if row.body_is_json else "the body does not parse as JSON"


def _error_not_json(row: LedgerRow) -> str | None:
    return None if row.body_is_json else f"the {row.status} body is not JSON"


def _remaining_problem(row: LedgerRow) -> str | None:
    if row.remaining is None:
        return "no X-RateLimit-Remaining header"
    try:
        value = int(row.remaining.strip())
    except ValueError:
        return f"X-RateLimit-Remaining {row.remaining!r} is not an integer"
    return None if value >= 0 else f"X-RateLimit-Remaining {value} is negative"


def _reset_problem(row: LedgerRow) -> str | None:
    if row.reset is None:
        return "no X-RateLimit-Reset header"
    try:
        value = int(row.reset.strip())
    except ValueError:
        return f"X-RateLimit-Reset {row.reset!r} is not an integer number of epoch seconds"
    if value >= MILLIS_FROM:
        return f"X-RateLimit-Reset {value} looks like epoch milliseconds, the docs say seconds"
    if value < row.at - CLOCK_SLACK_S:
        return f"X-RateLimit-Reset {value} lies {row.at - value:.0f}s in the past"
    if value > row.at + WINDOW_S + CLOCK_SLACK_S:
        return f"X-RateLimit-Reset {value} lies more than an hour ahead"
    return None


NOT_API_ANSWERS = (401, 404, 429)
"""Statuses RATE-001/002 leave aside: a 401 authenticated nothing (whatever key was sent: the
key in a header the target did not read, say); a 404 is, in the docs' words, a URL that "is not
recognized" (real Plane answers unrouted and absent operations before anything is counted);
a 429 is the throttle's own answer (RATE-006)."""


def _keyed_api_answer(row: LedgerRow) -> bool:
    return (
        row.key == "configured"
        and row.status is not None
        and row.status not in NOT_API_ANSWERS
        and not 300 <= row.status < 400
        and is_documented_path(row.written or row.path)
    )


def judge_run(rows: list[LedgerRow], requirements: Iterable[str] = RUN_WIDE) -> list[Unit]:
    """The units of the run-wide requirements asked for (those whose area was selected)."""
    wanted = set(requirements)
    units: list[Unit] = []
    if "STATUS-010" in wanted:
        units += _judge(
            "STATUS-010",
            rows,
            lambda r: not (set(r.owner) - {"STATUS-010"}),
            _server_error,
        )
    if "HTTP-001" in wanted:
        units += _judge(
            "HTTP-001",
            rows,
            lambda r: r.has_body and r.status is not None and not 300 <= r.status < 400,
            _not_json,
        )
    if "STATUS-009" in wanted:
        units += _judge(
            "STATUS-009",
            rows,
            lambda r: r.status is not None and 400 <= r.status < 500 and r.status != 429,
            _error_not_json,
        )
    if "RATE-001" in wanted:
        units += _judge("RATE-001", rows, _keyed_api_answer, _remaining_problem)
    if "RATE-002" in wanted:
        units += _judge("RATE-002", rows, _keyed_api_answer, _reset_problem)
    return units


EVIDENCE_ROWS = 10  # offending responses quoted as evidence per requirement


def run_wide_checks(
    rows: list[LedgerRow], requirements: Iterable[str], area_of: Callable[[str], str]
) -> list[CheckResult]:
    """One CheckResult per run-wide requirement: its failed units, its verified ones collapsed
    into one counted unit, the offending exchanges as evidence."""
    results = []
    units = judge_run(rows, requirements)
    for requirement in [r for r in RUN_WIDE if r in set(requirements)]:
        mine = [u for u in units if u.requirement == requirement]
        failed = [u for u in mine if u.status == "failed"]
        verified = len(mine) - len(failed)
        kept = list(failed)
        if verified:
            kept.append(Unit(requirement, f"{verified} responses", "verified", "", verified))
        if not mine:
            kept.append(Unit(requirement, "", "not_verified", "no response of this kind was seen"))
        offending = {u.unit for u in failed}
        exchanges = [
            row.exchange for row in rows if row.exchange is not None and row.label in offending
        ][:EVIDENCE_ROWS]
        message = (
            f"{len(failed)} of {len(mine)} responses break it: "
            + "; ".join(f"{u.unit} ({u.reason})" for u in failed[:EVIDENCE_ROWS])
            if failed
            else ""
        )
        results.append(
            CheckResult(
                nodeid=f"run-wide::{requirement}",
                name=f"every response ({requirement})",
                area=area_of(requirement),
                requirements=[requirement],
                outcome="failed" if failed else ("passed" if mine else "not_verified"),
                message=message,
                expected=RULES[requirement],
                exchanges=exchanges,
                units=kept,
            )
        )
    return results


RULES = {
    "STATUS-010": "every response: no 5xx and no dropped connection (probes of other "
    "requirements judge their own answers)",
    "HTTP-001": "every response with a body (redirects aside): a JSON media type and JSON",
    "STATUS-009": "every 4xx but 429: a JSON body",
    "RATE-001": "every answer of a documented operation to the configured key (401, 404 and "
    "429 aside): X-RateLimit-Remaining",
    "RATE-002": "every answer of a documented operation to the configured key (401, 404 and "
    "429 aside): X-RateLimit-Reset in epoch seconds",
}
