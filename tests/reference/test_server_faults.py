# ruff: noqa: E501  (the probe table reads best one fault per line)
"""Every fault switch changes the behaviour it claims to break, and names known requirements.

Each probe returns an observation; it must differ between the clean server and the faulty one.
(The full matrix of faults against the suite's checks lives in tests/quality.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from conformance.reference.faults import all_faults
from conformance.reference.launcher import start_reference_server
from conformance.spec.catalogue import catalogue
from tests.reference.conftest import Api

FAULTS = all_faults()
Probe = Callable[[Api], Any]


def _items(api: Api, n: int = 5) -> str:
    project = api.new_project()
    for i in range(n):
        api.new_item(project["id"], name=f"i{i}")
    return api.project_url(project["id"], "work-items/")


def _walk_ids(api: Api, per_page: int = 2) -> list[str]:
    """Names (not ids: ids differ between two servers) of the items met on a forward walk."""
    url, ids, cursor = _items(api), [], None
    for _ in range(10):
        page = api.get(
            url, params={"per_page": per_page, **({"cursor": cursor} if cursor else {})}
        ).json()
        ids += [i["name"] for i in page["results"]]
        if not page["next_page_results"]:
            break
        cursor = page["next_cursor"]
    return ids


def _page(api: Api, **params: Any) -> dict:
    return api.get(_items(api), params=params).json()


def _item_url(api: Api) -> str:
    project = api.new_project()
    item = api.new_item(project["id"])
    return api.project_url(project["id"], f"work-items/{item['id']}/")


def _headers(api: Api) -> dict:
    r = api.get("/api/v1/users/me/")
    return {k: r.headers.get(k) for k in ("x-ratelimit-remaining", "x-ratelimit-reset")}


def _spend(api: Api) -> tuple:
    answers = [api.get("/api/v1/users/me/") for _ in range(4)]
    return tuple(a.status_code for a in answers), answers[-1].headers.get("retry-after")


def _cycle_archive(api: Api) -> list:
    project = api.new_project()
    cycles = api.project_url(project["id"], "cycles/")
    cycle = api.post(
        cycles, {"name": "c", "start_date": "2024-01-01", "end_date": "2024-01-02"}
    ).json()
    api.post(f"{cycles}{cycle['id']}/archive/")
    return api.get(api.project_url(project["id"], "archived-cycles/")).json()["results"]


def _membership(api: Api) -> int:
    project = api.new_project()
    item = api.new_item(project["id"])
    module = api.post(api.project_url(project["id"], "modules/"), {"name": "m"}).json()
    url = api.project_url(project["id"], f"modules/{module['id']}/module-issues/")
    api.post(url, {"issues": [item["id"]]})
    return api.get(url).json()["total_results"]


def _label_list(api: Api, **params: str) -> Any:
    """The labels list of a project holding one label, asked with `params`."""
    project = api.new_project()
    url = api.project_url(project["id"], "labels/")
    api.post(url, {"name": "l"})
    response = api.get(url, params=params)
    return response.status_code, sorted(
        response.json()["results"][0]
    ) if response.status_code == 200 else None


def _patch_then_get(api: Api) -> str:
    url = _item_url(api)
    api.patch(url, {"name": "changed"})
    return api.get(url).json()["name"]


def _lookup(api: Api) -> str:
    project = api.new_project()
    first = api.new_item(project["id"])
    api.new_item(project["id"])
    return api.get(f"{api.ws}/work-items/{project['identifier']}-1/").json()["id"] == first["id"]


def _stored_on_400(api: Api) -> tuple[int, int]:
    """The create's status, and how many projects the list holds after it."""
    answer = api.post(f"{api.ws}/projects/", {"name": "Stored", "identifier": "STO"})
    return answer.status_code, len(api.get(f"{api.ws}/projects/").json()["results"])


def _names(page: dict) -> list[str]:
    return [item["name"] for item in page["results"]]


def _sequence_step(api: Api) -> int:
    project = api.new_project()
    first, second = (api.new_item(project["id"])["sequence_id"] for _ in range(2))
    return second - first


def _wire_key_spelling(api: Api) -> int:
    """Header case is lost in-process (TestClient lower-cases names): ask a real server."""
    import httpx

    with start_reference_server(faults=sorted(api.config.faults)) as server:
        headers = {"x-api-key": server.api_key}
        return httpx.get(f"{server.base_url}/api/v1/users/me/", headers=headers).status_code


def _status(method: str, url: Callable[[Api], str], body: Any = None) -> Probe:
    def probe(api: Api) -> tuple:
        response = api.client.request(method, url(api), json=body)
        return response.status_code, response.content[:1] if method == "DELETE" else b""

    return probe


PROBES: dict[str, Probe] = {
    "auth-missing-key-accepted": lambda api: api.client.get(f"{api.ws}/projects/", headers={"X-API-Key": ""}).status_code,
    "auth-empty-key-accepted": lambda api: api.client.get(f"{api.ws}/projects/", headers={"X-API-Key": ""}).status_code,
    "auth-invalid-key-accepted": lambda api: api.client.get(f"{api.ws}/projects/", headers={"X-API-Key": "nope"}).status_code,
    "auth-401-not-json": lambda api: api.client.get(f"{api.ws}/projects/", headers={"X-API-Key": "nope"}).headers["content-type"],
    "auth-401-without-message": lambda api: api.client.get(f"{api.ws}/projects/", headers={"X-API-Key": "nope"}).text,
    "auth-header-case-sensitive": _wire_key_spelling,
    "ratelimit-headers-missing": _headers,
    "ratelimit-reset-millis": lambda api: len(_headers(api)["x-ratelimit-reset"]),
    "ratelimit-remaining-static": lambda api: [_headers(api)["x-ratelimit-remaining"] for _ in range(2)],
    "ratelimit-never-429": _spend,
    "ratelimit-429-no-retry-after": _spend,
    "ratelimit-never-resets": "window",  # tested separately below (needs a clock)
    "per-page-max-not-enforced": lambda api: api.get(_items(api), params={"per_page": 101}).status_code,
    "per-page-ignored": lambda api: _page(api, per_page=2)["count"],
    "per-page-default-50": lambda api: _page(api)["next_cursor"],
    "per-page-refusal-silent": lambda api: api.get(_items(api), params={"per_page": 101}).text,
    "create-needs-undocumented-field": lambda api: api.post(api.project_url(api.new_project()["id"], "cycles/"), {"name": "c"}).status_code,
    "page-overlap": _walk_ids,
    "next-cursor-skips-page": _walk_ids,
    "prev-cursor-flagged-next": lambda api: _page(api, per_page=2, cursor="2:1:0")["prev_cursor"],
    "total-results-wrong": lambda api: _page(api, per_page=2)["total_results"],
    "count-wrong": lambda api: _page(api, per_page=2)["count"],
    "next-page-results-wrong-on-last": lambda api: _page(api, per_page=2, cursor="2:2:0")["next_page_results"],
    "malformed-cursor-accepted": lambda api: api.get(_items(api), params={"cursor": "junk"}).status_code,
    "past-end-returns-first-page": lambda api: _page(api, per_page=2, cursor="2:9:0")["count"],
    "paging-param-restarts": lambda api: _page(api, per_page=2, cursor="2:1:0", page=1)["prev_cursor"],
    "envelope-extra-stats-missing": lambda api: "extra_stats" in _page(api, per_page=2),
    "first-prev-cursor-null": lambda api: _page(api, per_page=2)["prev_cursor"],
    "first-prev-cursor-none-text": lambda api: _page(api, per_page=2)["prev_cursor"],
    "prev-cursor-page-shifted": lambda api: _names(_page(api, per_page=2, cursor="2:1:1")),
    "first-page-reversed": lambda api: _names(_page(api, per_page=2)),
    "invalid-per-page-defaulted": lambda api: api.get(_items(api), params={"per_page": 0}).status_code,
    "total-pages-rounded-down": lambda api: _page(api, per_page=2)["total_pages"],
    "fields-ignored": lambda api: sorted(api.get(_item_url(api), params={"fields": "id"}).json()),
    "fields-unknown-accepted": lambda api: api.get(_item_url(api), params={"fields": "id,zzz"}).status_code,
    "fields-refusal-unnamed": lambda api: api.get(_item_url(api), params={"fields": "id,zzz"}).text,
    "expand-refusal-unnamed": lambda api: api.get(_item_url(api), params={"expand": "name"}).text,
    "expand-ignored": lambda api: type(api.get(_item_url(api), params={"expand": "state"}).json()["state"]).__name__,
    "expand-unknown-accepted": lambda api: api.get(_item_url(api), params={"expand": "name"}).status_code,
    "unknown-project-refused": lambda api: (api.new_project(), api.get(api.project_url(str(uuid.uuid4()), "labels/")).status_code)[1],
    "fields-work-items-only": lambda api: _label_list(api, fields="id,name"),
    "expand-checked-on-work-items-only": lambda api: _label_list(api, expand="name")[0],
    "expand-dropped-with-fields": lambda api: type(api.get(_item_url(api), params={"fields": "id,state", "expand": "state"}).json()["state"]).__name__,
    "create-answer-drops-name": lambda api: "name" in api.post(api.project_url(api.new_project()["id"], "labels/"), {"name": "l"}).json(),
    "fresh-object-not-found": lambda api: api.get(_item_url(api)).status_code,
    "create-returns-200": lambda api: api.post(f"{api.ws}/projects/", {"name": "n", "identifier": "N"}).status_code,
    "delete-returns-body": _status("DELETE", _item_url),
    "not-found-500": lambda api: api.get(f"{api.ws}/projects/{uuid.uuid4()}/").status_code,
    "wrong-content-type": lambda api: api.get("/api/v1/users/me/").headers["content-type"],
    "unknown-route-200": lambda api: api.get("/api/v1/nowhere/").status_code,
    "method-not-allowed-200": lambda api: api.client.put(f"{api.ws}/projects/").status_code,
    "enum-accepts-anything": lambda api: api.post(api.project_url(api.new_project()["id"], "work-items/"), {"name": "x", "priority": "odd"}).status_code,
    "date-order-unchecked": lambda api: api.post(api.project_url(api.new_project()["id"], "cycles/"), {"name": "c", "start_date": "2024-02-01", "end_date": "2024-01-01"}).status_code,
    "patch-not-persisted": _patch_then_get,
    "wrong-field-type": lambda api: type(api.get(_item_url(api)).json()["sequence_id"]).__name__,
    "sequence-lookup-broken": _lookup,
    "sequence-counts-down": _sequence_step,
    "project-create-stored-on-400": _stored_on_400,
    "archive-noop": _cycle_archive,
    "membership-not-listed": _membership,
}  # fmt: skip


def test_every_fault_has_a_probe_and_known_requirements() -> None:
    from tests.reference.test_server_evasions import PROBED as EVASIONS_PROBED
    from tests.reference.test_server_integrator_faults import PROBES as INTEGRATOR_PROBES
    from tests.reference.test_server_tokens import PROBES as TOKEN_PROBES

    probed = set(PROBES) | set(INTEGRATOR_PROBES) | EVASIONS_PROBED | set(TOKEN_PROBES)
    assert probed == set(FAULTS)
    known = set(catalogue())
    for fault in FAULTS.values():
        flags = bool(fault.requirements) == (fault.expect == "flagged")  # obstacles flag nothing
        assert flags and set(fault.requirements) <= known, fault
    assert len(FAULTS) >= 20


@pytest.mark.parametrize("name", sorted(n for n, p in PROBES.items() if callable(p)))
def test_fault_changes_behaviour(make_api, name: str) -> None:
    rate = 3 if name.startswith("ratelimit-") and name != "ratelimit-reset-millis" else 6000
    clean = PROBES[name](make_api(rate_limit=rate))
    faulty = PROBES[name](make_api(faults=(name,), rate_limit=rate))
    assert clean != faulty, f"{name}: the fault changed nothing ({clean!r})"


def test_never_resets_keeps_the_spent_window(make_api, monkeypatch) -> None:
    import conformance.reference.rules.ratelimit as ratelimit

    def after_window(api: Api) -> int:
        clock = [1_000_000.0]
        monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
        for _ in range(3):
            api.get("/api/v1/users/me/")
        clock[0] += 61
        return api.get("/api/v1/users/me/").status_code

    assert after_window(make_api(rate_limit=2)) == 200
    assert after_window(make_api(faults=("ratelimit-never-resets",), rate_limit=2)) == 429
