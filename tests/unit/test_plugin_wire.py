"""What crosses between pytest processes is typed and survives the trip (plugin/wire.py), and
"no answer" means one thing for the plugin, the campaign and the ledger (target/client.py)."""

from __future__ import annotations

import json

import httpx
import pytest

from conformance.credentials import BearerToken
from conformance.plugin.results import exception_outcome
from conformance.plugin.wire import ItemOutcome, WorkerInput, WorkerReport
from conformance.report.model import CheckResult, Exchange, Unit
from conformance.target.client import LOST, NO_ANSWER, TargetClient
from conformance.target.config import resolve_config
from conformance.target.ledger import LedgerRow


def _trip(data: object) -> object:
    """What execnet (and JSON) can carry: plain data only."""
    return json.loads(json.dumps(data))


def _row(status: int | None) -> LedgerRow:
    exchange = Exchange("GET", "http://t/x", {}, None, status, {}, None, 1.0, "curl ...")
    return LedgerRow(
        "GET", "/x", status, "" if status else "ReadTimeout: ...", "application/json", True,
        True, "configured", "59", "1700000000", ("PAG-011",), 1.5, "t::x", exchange=exchange,
    )  # fmt: skip


def test_the_worker_input_carries_the_resolved_configuration() -> None:
    config = resolve_config(
        base_url="http://t", credential=BearerToken("tok-000000"), workspace="ws", env={}
    )
    arrived = WorkerInput.from_wire(_trip(WorkerInput(True, config).to_wire()))
    assert arrived == WorkerInput(True, config)
    assert arrived.config is not None and arrived.config.credential == BearerToken("tok-000000")
    assert WorkerInput.from_wire(_trip(WorkerInput(False, None).to_wire())).config is None


def test_a_test_outcome_arrives_as_it_left() -> None:
    check = CheckResult(
        "t::x", "x", "auth", ["AUTH-001"], "failed", "401 expected", "", [], 0.5,
        [Unit("AUTH-001", "GET /x", "failed", "answered 200")],
    )  # fmt: skip
    outcome = ItemOutcome(check, [_row(200), _row(None)], {"adaptations": [{"field": "x"}]})
    arrived = ItemOutcome.from_wire(_trip(outcome.to_wire()))
    assert arrived == outcome


def test_an_unknown_report_section_is_refused() -> None:
    check = CheckResult("t::x", "x", "auth", ["AUTH-001"], "passed")
    wire = ItemOutcome(check).to_wire()
    wire["sections"] = {"capabilites": []}  # misspelt: it would be lost silently
    with pytest.raises(KeyError, match="capabilites"):
        ItemOutcome.from_wire(_trip(wire))


def test_a_worker_report_adds_up() -> None:
    report = WorkerReport([_row(None)], "", 12, 1, 2.5, 1)
    assert WorkerReport.from_wire(_trip(report.to_wire())) == report


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (httpx.ReadTimeout("slow"), "not_verified"),
        (httpx.WriteTimeout("not reading"), "not_verified"),
        (httpx.RemoteProtocolError("dropped"), "not_verified"),
        (httpx.ConnectError("gone"), "not_verified"),  # and the run is aborted
        (httpx.LocalProtocolError("a request the suite built wrong"), "error"),
        (httpx.PoolTimeout("the suite's own pool"), "error"),
    ],
)
def test_no_answer_is_the_targets_and_nothing_else(error: Exception, outcome: str) -> None:
    assert exception_outcome(error) == outcome


def test_the_ledger_records_a_missing_answer_only_when_it_is_the_targets() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        kind = request.url.path.strip("/")
        raise {"timeout": httpx.WriteTimeout, "local": httpx.LocalProtocolError}[kind](kind)

    client = TargetClient("http://t", "k-000000", "ws", transport=httpx.MockTransport(fail))
    with pytest.raises(NO_ANSWER):
        client.get("/timeout/")
    with pytest.raises(httpx.LocalProtocolError):
        client.get("/local/")
    (row,) = client.ledger.take()
    assert row.path == "/timeout/" and row.status is None and "WriteTimeout" in row.failure
    assert not set(LOST) & set(NO_ANSWER)
