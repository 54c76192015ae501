"""The plane-conformance pytest plugin (entry point `plane_conformance`).

FIXTURE API (what checks in conformance/checks/ may use):

* ``target`` (session): TargetConfig — .base_url, .workspace, .project_id (or None), .profile,
  .seed, .read_only, .run_id, .prefix ("plc-<runid>-"), .areas (tuple or None = all).
* ``client`` (session): TargetClient — .request(method, path, *, params=None, json=None,
  headers=None, content=None, key=True, pace=True) -> httpx.Response; .get/.post/.patch/.put/
  .delete with the same kwargs; .ws(suffix) -> "/api/v1/workspaces/{slug}/{suffix}";
  .requests_sent. key=False sends no X-API-Key, key="" an empty one, key="x" that value.
  pace=False: no waiting and no transparent 429 retry (to observe a 429 yourself).
* ``scratch`` (session): ScratchResources — .project, .project_id, .identifier,
  .project_path(suffix), .create(path, body, *, expected=(201,)) -> dict, .name(kind) -> str,
  .forget(path).
* ``writable`` (function): skips with "read-only mode" under --plane-read-only.
* ``profile`` (session): "quick" | "standard" | "full".
* ``members`` (session): list of workspace member user ids.

SHOULD / MAY CHECKS ("soft" tests) — no helper call needed:
  A test whose ``@pytest.mark.requirement(...)`` ids are ALL of level SHOULD or MAY (per the
  catalogue) is soft. When it fails, its CheckResult says "failed" (the model turns that into a
  "warned" verdict) and pytest reports it as XFAIL with the reason "SHOULD not met: <message>",
  so the pytest run still exits 0. A test naming at least one MUST id is hard. So: put SHOULD
  assertions in their own test, marked with the SHOULD id(s) only; never mix MUST and SHOULD ids
  in one test unless a failure should count as a MUST failure.

(Implementation below; this docstring is the contract.)
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("plane-conformance")
    group.addoption("--plane-url", help="API base URL (env PLANE_BASE_URL)")
