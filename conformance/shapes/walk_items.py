"""The recorder's walk over work items and what hangs off them: both spellings (`work-items/`
and the older `issues/`), lookup by identifier, search, comments, links, activities,
attachments and relations. A spelling or a part the target does not route (v1.0.0 has no
`work-items/`, only v1.3.1 routes relations) is noted as not served."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from conformance.shapes.session import (
    ACTIVITY_WAIT_S,
    LINK_WAIT_S,
    PROJECT,
    UNKNOWN_ID,
    WS,
    RecorderSession,
    SectionAbandoned,
    next_cursor,
    results_of,
)


class WorkItemWalks(RecorderSession):
    def work_items(self, kind: str, att: str) -> str | None:
        """The walk under one spelling; None when the target does not route it."""
        coll = PROJECT + f"/{kind}/"
        p = {"project_id": self.pid}
        if not self.served(coll, coll, WS + f"/{kind}/", ids=p):
            return None
        detail = coll + "{resource_id}/"
        body: dict[str, Any] = {
            "name": f"plc item {kind} {self.tag}",
            "description_html": "<p>recorded by plane-conformance</p>",
            "priority": "high",
        }
        if self.state_id:
            body["state"] = self.state_id
        if self.label_id:
            body["labels"] = [self.label_id]
        if self.me:
            body["assignees"] = [self.me]
        wid = self.crud(
            coll,
            detail,
            "resource_id",
            body,
            {"name": f"plc item {kind} renamed {self.tag}", "priority": "low"},
            invalid={"priority": "not a priority"},
            what=f"{kind} create",
            ids=p,
        )
        second = self.need_id(
            self.call("POST", coll, json={"name": f"plc item two {self.tag}"}, ids=p),
            f"second {kind}",
        )
        self.extra_items.append(second)
        page = self.call("GET", coll, params={"per_page": 1}, ids=p)
        cursor = next_cursor(page)
        if cursor:
            self.call("GET", coll, params={"per_page": 1, "cursor": cursor}, ids=p)
        self.identifier_and_search(kind)
        sub = PROJECT + f"/{kind}/{{work_item_id}}"
        self.comments(sub, wid)
        self.links(sub, wid)
        self.activities(sub, wid)
        self.attachments(sub, att, wid)
        return wid

    def identifier_and_search(self, kind: str) -> None:
        ident = str(self.project.get("identifier"))
        by_ident = WS + f"/{kind}/{{project_identifier}}-{{issue_identifier}}/"
        self.call("GET", by_ident, ids={"project_identifier": ident, "issue_identifier": "1"})
        self.call("GET", by_ident, ids={"project_identifier": ident, "issue_identifier": "999999"})
        search = WS + f"/{kind}/search/"
        mine = {self.pid}
        self.call(
            "GET",
            search,
            params={"search": self.tag},
            keep=lambda item: not isinstance(item, dict) or item.get("project_id") in mine,
        )
        self.call("GET", search)

    def comments(self, sub: str, wid: str) -> None:
        coll, detail = sub + "/comments/", sub + "/comments/{resource_id}/"
        ids = {"project_id": self.pid, "work_item_id": wid}
        cid = self.crud(
            coll,
            detail,
            "resource_id",
            {"comment_html": "<p>plc comment</p>"},
            {"comment_html": "<p>plc comment edited</p>"},
            what="comment",
            ids=ids,
        )
        self.delete_twice(detail, "resource_id", cid, ids=ids)

    def links(self, sub: str, wid: str) -> None:
        coll, detail = sub + "/links/", sub + "/links/{resource_id}/"
        ids = {"project_id": self.pid, "work_item_id": wid}
        lid = self.crud(
            coll,
            detail,
            "resource_id",
            {"url": f"https://example.com/plc/{self.tag}/{wid}", "title": "plc link"},
            {"title": "plc link edited"},
            invalid={"url": "not a url"},
            what="link",
            ids=ids,
            settle=lambda lid: self._link_metadata(detail, {**ids, "resource_id": lid}),
        )
        self.delete_twice(detail, "resource_id", lid, ids=ids)

    def _link_metadata(self, detail: str, ids: Mapping[str, str]) -> None:
        """Plane fills a link's `metadata` (title, favicon) from a Celery task a moment after the
        create; wait for it (unrecorded) so that the shapes taken next do not race it."""
        deadline = time.monotonic() + LINK_WAIT_S
        while time.monotonic() < deadline:
            response = self.call("GET", detail, record=False, ids=ids)
            try:
                metadata = response.json().get("metadata")
            except (ValueError, AttributeError):
                return
            if metadata or response.status_code != 200:
                return
            self._wait(0.25)

    def activities(self, sub: str, wid: str) -> None:
        coll, detail = sub + "/activities/", sub + "/activities/{resource_id}/"
        ids = {"project_id": self.pid, "work_item_id": wid}
        deadline = time.monotonic() + ACTIVITY_WAIT_S
        while True:
            response = self.call("GET", coll, record=False, ids=ids)
            found = results_of(response)
            if found or time.monotonic() > deadline or response.status_code != 200:
                break
            self._wait(0.5)
        self.fold(("GET", coll, response.status_code), response)
        if found and isinstance(found[0], dict) and found[0].get("id"):
            self.call("GET", detail, ids={**ids, "resource_id": str(found[0]["id"])})
        self.call("GET", detail, ids={**ids, "resource_id": UNKNOWN_ID})

    def attachments(self, sub: str, att: str, wid: str) -> None:
        coll, detail = sub + f"/{att}/", sub + f"/{att}/{{resource_id}}/"
        ids = {"project_id": self.pid, "work_item_id": wid}
        self.call("GET", coll, ids=ids)
        self.call("POST", coll, json={}, ids=ids)  # the success path needs object storage
        for method in ("GET", "PATCH", "DELETE"):
            body: dict[str, Any] | None = {} if method == "PATCH" else None
            self.call(method, detail, json=body, ids={"resource_id": UNKNOWN_ID, **ids})

    def relations(self, items: list[str]) -> None:
        base = PROJECT + "/work-items/{work_item_id}/relations/"
        if self.is_unserved(base):
            return  # the whole work-items/ spelling is not routed
        first = items[0] if items else None
        others = [wid for wid in [*items[1:], *self.extra_items] if wid != first]
        if first is None or not others:
            raise SectionAbandoned("needs two work items")
        ids = {"project_id": self.pid, "work_item_id": first}
        if not self.served(base, base, ids=ids):
            return
        self.call("GET", base, ids=ids)
        self.call("POST", base, json={}, ids=ids)
        body = {"relation_type": "relates_to", "issues": [others[0]]}
        self.call("POST", base, json=body, ids=ids)
        self.call("GET", base, ids=ids)
        self.probe_served("POST", base + "remove/", json={}, ids=ids)
