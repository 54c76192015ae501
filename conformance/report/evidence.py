"""The exchanges a report shows as evidence, each with the id `plane-conformance replay` takes.

report.html shows, per requirement not passed, the exchanges that broke its rule: for each
piece of evidence (a check, or the offending responses of the whole run, shown first), the
exchanges its message names first, alike ones once, at most `EXCHANGES_SHOWN`. Each gets an id,
`<requirement>.<n>` in that order ("ORD-003.1"), and the requirement's own id stands for its
first one. A check that judged an answer a shared fixture received (PAG-009's per_page=101,
recorded with the first check that used it) shows the exchanges owned by its requirement
instead (`Exchange.owner`). The schema campaign's findings are `F<n>`, in results.json order.

The page, JUnit and `replay` all number them here, so an id means one exchange everywhere.
Whether a recorded curl line still answers as recorded is `stale`: a line that names an object
the suite created no longer finds it once the run has deleted its scratch objects.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from conformance.report.model import (
    CheckResult,
    Evidence,
    Exchange,
    JsonObject,
    RequirementVerdict,
    RunResult,
)
from conformance.report.present import RUN_WIDE_PREFIX, clean_message

EXCHANGES_SHOWN = 4  # distinct exchanges shown per piece of evidence; the rest are counted
FINDING_ID = re.compile(r"^F(\d+)$")
EXCHANGE_ID = re.compile(r"^(?P<requirement>[A-Z]+-\d+)(?:\.(?P<n>\d+))?$")


@dataclass
class ShownExchange:
    id: str  # "ORD-003.1"
    exchange: Exchange
    repeats: int = 1  # alike exchanges (same method, URL and status) shown once


@dataclass
class EvidenceExchanges:
    evidence: Evidence
    run_wide: bool  # the offending responses of the whole run (a run-wide rule's)
    shown: list[ShownExchange] = field(default_factory=list)
    more: int = 0  # exchanges of this evidence not shown
    borrowed: bool = False  # the requirement's own probe, recorded with another check


def telling_exchanges(exchanges: list[Exchange], message: str) -> list[tuple[Exchange, int]]:
    """The exchanges that show the departure, with how often each was sent: those the message
    names (by path) first, identical ones (same method, URL and status) once."""
    groups: dict[tuple[str, str, int | None], list[Exchange]] = {}
    for exchange in exchanges:
        groups.setdefault((exchange.method, exchange.url, exchange.status), []).append(exchange)

    def named(key: tuple[str, str, int | None]) -> bool:
        path = urlsplit(key[1]).path
        return bool(path) and path in message

    ordered = sorted(groups, key=lambda k: not named(k))  # stable: recorded order otherwise
    return [(groups[key][0], len(groups[key])) for key in ordered]


def owned_exchanges(requirement: str, checks: list[CheckResult]) -> list[Exchange]:
    """The run's exchanges whose answer a probe of `requirement` judges (`owner`)."""
    return [x for c in checks for x in c.exchanges if requirement in x.owner]


def evidence_exchanges(
    verdict: RequirementVerdict, checks: list[CheckResult]
) -> list[EvidenceExchanges]:
    """The evidence of `verdict` as shown, run-wide first, each exchange with its id."""
    ordered = sorted(verdict.evidence, key=lambda e: not e.test.startswith(RUN_WIDE_PREFIX))
    groups: list[EvidenceExchanges] = []
    number = 0
    for item in ordered:
        exchanges, borrowed = item.exchanges, False
        if not exchanges and not item.test.startswith(RUN_WIDE_PREFIX):
            exchanges, borrowed = owned_exchanges(verdict.id, checks), True
        telling = telling_exchanges(exchanges, clean_message(item.message))
        group = EvidenceExchanges(item, item.test.startswith(RUN_WIDE_PREFIX), borrowed=borrowed)
        for exchange, repeats in telling[:EXCHANGES_SHOWN]:
            number += 1
            group.shown.append(ShownExchange(f"{verdict.id}.{number}", exchange, repeats))
        group.more = sum(repeats for _, repeats in telling[EXCHANGES_SHOWN:])
        groups.append(group)
    return groups


def finding_id(index: int) -> str:
    """The id of the schema campaign's finding at `index` (0-based) of results.json."""
    return f"F{index + 1}"


@dataclass
class Found:
    """What an evidence id names: the exchange, and the requirement (or finding) it is of."""

    id: str
    requirement: str
    exchange: Exchange


def find_exchange(result: RunResult, wanted: str) -> Found | None:
    """The exchange `wanted` names ("ORD-003", "ORD-003.2", "F4"); None when it names none."""
    finding = FINDING_ID.match(wanted.strip())
    if finding:
        rows = result.extra.schemathesis or []
        index = int(finding.group(1)) - 1
        if not 0 <= index < len(rows):
            return None
        row = rows[index]
        exchange = exchange_of_finding(row, result.checks)
        requirement = str(row.get("requirement", ""))
        return None if exchange is None else Found(finding_id(index), requirement, exchange)
    match = EXCHANGE_ID.match(wanted.strip().upper())
    if match is None:
        return None
    rid = match.group("requirement")
    verdict = next((v for v in result.requirements if v.id == rid), None)
    if verdict is None:
        return None
    shown = [x for group in evidence_exchanges(verdict, result.checks) for x in group.shown]
    number = int(match.group("n") or 1)
    if not 1 <= number <= len(shown):
        return None
    chosen = shown[number - 1]
    return Found(chosen.id, rid, chosen.exchange)


def exchange_of_finding(row: JsonObject, checks: list[CheckResult]) -> Exchange | None:
    """The recorded exchange behind a schema finding (its curl line names method, URL and
    body); failing that, the exchange its curl line describes, without what the recording
    adds (where its ids came from)."""
    curl = str(row.get("curl", ""))
    parsed = parse_curl(curl)
    if parsed is None:
        return None
    method, url, headers, body = parsed
    for check in checks:
        for exchange in check.exchanges:
            if (exchange.method, exchange.url) == (method, url) and (
                (exchange.request_body or None) == body
            ):
                return exchange
    status = row.get("status")
    return Exchange(
        method=method,
        url=url,
        request_headers=headers,
        request_body=body,
        status=status if isinstance(status, int) else None,
        response_headers={},
        response_body=None,
        elapsed_ms=0.0,
        curl=curl,
    )


def parse_curl(curl: str) -> tuple[str, str, dict[str, str], str | None] | None:
    """(method, URL, headers, body) of a curl line the suite wrote; None for anything else."""
    try:
        words = shlex.split(curl)
    except ValueError:
        return None
    if not words or words[0] != "curl":
        return None
    method, url, body = "GET", "", None
    headers: dict[str, str] = {}
    index = 1
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "-X":
            method, index = following, index + 2
        elif word == "-H":
            name, _, value = following.partition(":")
            headers[name.strip()] = value.strip()
            index += 2
        elif word in ("--data-raw", "-d", "--data"):
            body, index = following, index + 2
        elif word.startswith("-"):
            index += 1
        else:
            url, index = word, index + 1
    return (method, url, headers, body) if url else None


def stale(exchange: Exchange) -> bool:
    """Whether the recorded curl line names an object the suite created during the run: the run
    deleted it at its end, so pasted now the line no longer answers as recorded."""
    return "created" in exchange.ids.values()
