"""The plane-conformance pytest plugin (entry point `plane_conformance`).

FIXTURE API (what checks in conformance/checks/ may use):

* ``target`` (session): TargetConfig — .base_url, .workspace, .project_id (or None), .profile,
  .seed, .read_only, .run_id, .prefix ("plc-<runid>-"), .areas (tuple or None = all).
* ``client`` (session): TargetClient — .request(method, path, *, params=None, json=None,
  headers=None, content=None, key=True, key_header=None, pace=True) -> httpx.Response;
  .get/.post/.patch/.put/.delete with the same kwargs; .ws(suffix) ->
  "/api/v1/workspaces/{slug}/{suffix}"; .requests_sent; .credential (conformance.credentials:
  an ApiKey or a BearerToken). key=False sends no credential, key="" an empty one, key="x" that
  secret in the configured credential's header (redacted in records too), key=ApiKey("x") that
  credential; key_header writes the header's name another way. pace=False neither waits nor
  retries a 429 (to observe one).
* ``scratch`` (session): ScratchResources — .project, .project_id, .identifier,
  .project_path(suffix), .create(path, body) -> dict (any 2xx with an object; else
  SetupRefused: the check is blocked), .post(path, body, *, adapt=True) -> httpx.Response (not
  judged; adapt=False sends the body exactly as given), .name(kind) -> "plc <runid> <kind> <n>",
  .new_identifier() -> upper-case letters, .require("cycles"|"modules"|"intake") (Blocked when
  off in the project), .own_project, .dialect (adaptations learned), .forget(path). Everything
  created is deleted at the end of the session; a --project project is never changed.
* ``writable`` (function): skips with "read-only mode" under --plane-read-only.
* ``profile`` (session): "quick" | "standard" | "full".
* ``me`` (session): the key's own user id (GET users/me/): the member to assign anywhere.
* ``members`` (session): [me] — kept for older checks; never the workspace's other people.
* ``rng`` (function): random.Random seeded from the run seed and the test id (reproducible).

SHOULD / MAY CHECKS ("soft" tests) — automatic, no helper call needed:
  A test whose ``@pytest.mark.requirement(...)`` ids are ALL of level SHOULD or MAY (per the
  catalogue) is soft. When it fails, its CheckResult says "failed" (the model turns that into a
  "warned" verdict) while pytest reports it as XFAIL ("SHOULD not met: <message>"), so the pytest
  run still exits 0. A test naming at least one MUST id is hard. So put SHOULD assertions in a
  test of their own, marked with the SHOULD id(s) only.

OUTCOMES (docs/verdicts.md): failed = the target answered wrongly (AssertionError); blocked =
a prerequisite refused (SetupRefused, raised by scratch.create and the project setup, or
Blocked); not_verified / not_applicable / not_selected = the conformance.outcomes exceptions;
error = the suite could not check (a bug in a check, a read-only violation).

REPORT SECTIONS: a check contributes report data beyond its verdict by appending
``(name, [rows...])`` to ``request.node.user_properties`` (a list value), where ``name`` is one
of ``conformance.report.model.CONTRIBUTED``: ``capabilities`` (RunResult.capabilities),
``schemathesis``, ``schemathesis_notes``, ``adaptations`` (RunResult.extra's fields). The rows
travel inside the test's outcome (``wire.ItemOutcome``) and the controller concatenates them.

LAYOUT: pytest registers this module (entry point `plane_conformance`, or `-p
conformance.plugin`), so its hooks and fixtures are re-exported here from `hooks`, `terminal` and
`fixtures`. `state` is what one process knows about the run (and `RunLink`, what the runner
hands it), `wire` the typed values that cross between processes, `results` turns outcomes into
CheckResults and the RunResult, `xdist` holds the hooks and scheduler used under pytest-xdist,
and `progress` is the per-area progress line the runner installs.
"""

from conformance.plugin.fixtures import (
    client,
    me,
    members,
    plane_adaptations,
    profile,
    rng,
    scratch,
    target,
    units,
    writable,
)
from conformance.plugin.hooks import (
    pytest_addoption,
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_runtest_makereport,
    pytest_sessionfinish,
    pytest_sessionstart,
    pytest_unconfigure,
)
from conformance.plugin.state import RunLink
from conformance.plugin.terminal import pytest_report_header, pytest_terminal_summary

__all__ = [
    "RunLink",
    "client",
    "me",
    "members",
    "plane_adaptations",
    "profile",
    "pytest_addoption",
    "pytest_collection_finish",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "pytest_sessionfinish",
    "pytest_sessionstart",
    "pytest_terminal_summary",
    "pytest_unconfigure",
    "rng",
    "scratch",
    "target",
    "units",
    "writable",
]
