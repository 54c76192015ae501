"""The recorder's walk over what lives in the scratch project: states, labels, cycles (with
their work items, transfer, archive), modules, intake, project members, the project's archive
and features, and the deletes at the end."""

from __future__ import annotations

from conformance.shapes.session import (
    PROJECT,
    SPELLINGS,
    UNKNOWN_ID,
    WS,
    RecorderSession,
    SectionAbandoned,
    stamp,
)


class ProjectWalks(RecorderSession):
    def states(self) -> None:
        coll, detail = PROJECT + "/states/", PROJECT + "/states/{state_id}/"
        p = {"project_id": self.pid}
        self.state_id = self.crud(
            coll,
            detail,
            "state_id",
            {"name": f"plc state {self.tag}", "color": "#12ab34", "group": "started"},
            {"name": f"plc state renamed {self.tag}"},
            what="state",
            ids=p,
        )
        spare_body = {"name": f"plc spare {self.tag}", "color": "#ab1234", "group": "backlog"}
        spare = self.need_id(self.call("POST", coll, json=spare_body, ids=p), "spare state")
        self.delete_twice(detail, "state_id", spare, ids=p)

    def labels(self) -> None:
        coll, detail = PROJECT + "/labels/", PROJECT + "/labels/{label_id}/"
        p = {"project_id": self.pid}
        self.label_id = self.crud(
            coll,
            detail,
            "label_id",
            {"name": f"plc label {self.tag}", "color": "#ff0000"},
            {"name": f"plc label renamed {self.tag}"},
            what="label",
            ids=p,
        )
        spare_body = {"name": f"plc spare {self.tag}"}
        spare = self.need_id(self.call("POST", coll, json=spare_body, ids=p), "spare label")
        self.delete_twice(detail, "label_id", spare, ids=p)

    def cycles(self, items: list[str]) -> None:
        coll = PROJECT + "/cycles/"
        detail = coll + "{resource_id}/"
        sub = coll + "{cycle_id}/"
        p = {"project_id": self.pid}
        self.call("POST", coll, json={}, ids=p)
        # `owned_by` is a documented body field; Plane v1.0.0 requires it.
        owner = {"owned_by": self.me} if self.me else {}
        first = {
            "name": f"plc cycle {self.tag}",
            "start_date": stamp(1),
            "end_date": stamp(8),
            "project_id": self.pid,
            **owner,
        }
        c1 = self.need_id(self.call("POST", coll, json=first, ids=p), "cycle create")
        second = {**first, "name": f"plc cycle two {self.tag}", "start_date": stamp(10)}
        second["end_date"] = stamp(17)
        c2 = self.need_id(self.call("POST", coll, json=second, ids=p), "second cycle create")
        draft = {"name": f"plc draft cycle {self.tag}", "project_id": self.pid, **owner}
        c3 = self.need_id(self.call("POST", coll, json=draft, ids=p), "draft cycle create")
        self.call("GET", coll, ids=p)
        self.call("GET", detail, ids={"resource_id": c1, **p})
        self.call("GET", detail, ids={"resource_id": UNKNOWN_ID, **p})
        self.call("PATCH", detail, json={"description": "plc"}, ids={"resource_id": c1, **p})
        self.call(
            "PATCH", detail, json={"description": "plc"}, ids={"resource_id": UNKNOWN_ID, **p}
        )
        if not items:
            raise SectionAbandoned("needs a work item")
        issues = sub + "cycle-issues/"
        self.call("POST", issues, json={}, ids={"cycle_id": c1, **p})
        everything = [*items, *self.extra_items]
        self.call("POST", issues, json={"issues": everything}, ids={"cycle_id": c1, **p})
        self.call("GET", issues, ids={"cycle_id": c1, **p})
        one = sub + "cycle-issues/{work_item_id}/"
        self.call("DELETE", one, ids={"cycle_id": c1, "work_item_id": items[0], **p})
        self.call("DELETE", one, ids={"cycle_id": c1, "work_item_id": UNKNOWN_ID, **p})
        # finish the first cycle (dates in the past) to transfer its open items and archive it
        past = {"start_date": stamp(-10), "end_date": stamp(-3), "project_id": self.pid}
        self.call("PATCH", detail, json=past, ids={"resource_id": c1, **p})
        transfer = sub + "transfer-issues/"
        self.call("POST", transfer, json={}, ids={"cycle_id": c1, **p})
        self.call("POST", transfer, json={"new_cycle_id": c2}, ids={"cycle_id": c1, **p})
        archive = sub + "archive/"
        self.call("POST", archive, ids={"cycle_id": c2, **p})  # not completed: refused
        self.call("POST", archive, ids={"cycle_id": c1, **p})
        self.call("GET", PROJECT + "/archived-cycles/", ids=p)
        unarchive = PROJECT + "/archived-cycles/{cycle_id}/unarchive/"
        self.call("DELETE", unarchive, ids={"cycle_id": c1, **p})
        self.call("DELETE", unarchive, ids={"cycle_id": UNKNOWN_ID, **p})
        for cid in (c3, c1):
            self.call("DELETE", detail, ids={"resource_id": cid, **p})
        self.call("DELETE", detail, ids={"resource_id": UNKNOWN_ID, **p})
        # the second cycle (c2) is deleted with the project

    def modules(self, items: list[str]) -> None:
        coll = PROJECT + "/modules/"
        detail = coll + "{resource_id}/"
        p = {"project_id": self.pid}
        mid = self.crud(
            coll,
            detail,
            "resource_id",
            {"name": f"plc module {self.tag}", "description": "plc"},
            {"status": "completed"},
            invalid={"status": "not a status"},
            what="module",
            ids=p,
        )
        if not items:
            raise SectionAbandoned("needs a work item")
        issues = coll + "{module_id}/module-issues/"
        self.call("POST", issues, json={}, ids={"module_id": mid, **p})
        self.call("POST", issues, json={"issues": items}, ids={"module_id": mid, **p})
        self.call("GET", issues, ids={"module_id": mid, **p})
        one = issues + "{work_item_id}/"
        self.call("DELETE", one, ids={"module_id": mid, "work_item_id": items[0], **p})
        self.call("DELETE", one, ids={"module_id": mid, "work_item_id": UNKNOWN_ID, **p})
        self.call("POST", detail + "archive/", ids={"resource_id": mid, **p})
        self.call("POST", detail + "archive/", ids={"resource_id": UNKNOWN_ID, **p})
        self.call("GET", PROJECT + "/archived-modules/", ids=p)
        unarchive = PROJECT + "/archived-modules/{resource_id}/unarchive/"
        self.call("DELETE", unarchive, ids={"resource_id": mid, **p})
        self.call("DELETE", unarchive, ids={"resource_id": UNKNOWN_ID, **p})
        open_module = {"name": f"plc module two {self.tag}"}
        other = self.need_id(self.call("POST", coll, json=open_module, ids=p), "second module")
        # not completed: refused
        self.call("POST", detail + "archive/", ids={"resource_id": other, **p})
        self.delete_twice(detail, "resource_id", mid, ids=p)

    def intake(self) -> None:
        coll = PROJECT + "/intake-issues/"
        detail = coll + "{work_item_id}/"
        p = {"project_id": self.pid}
        self.call("POST", coll, json={}, ids=p)
        body = {"issue": {"name": f"plc intake {self.tag}", "priority": "low"}}
        created = self.need(self.call("POST", coll, json=body, ids=p), "intake create")
        wid = _intake_work_item(created)
        if not wid:
            raise SectionAbandoned("intake create answered no work item id")
        self.call("GET", coll, ids=p)
        self.call("GET", detail, ids={"work_item_id": wid, **p})
        self.call("GET", detail, ids={"work_item_id": UNKNOWN_ID, **p})
        update = {"issue": {"name": f"plc intake renamed {self.tag}"}}
        self.call("PATCH", detail, json=update, ids={"work_item_id": wid, **p})
        self.call("PATCH", detail, json=update, ids={"work_item_id": UNKNOWN_ID, **p})
        self.delete_twice(detail, "work_item_id", wid, ids=p)

    def project_members(self) -> None:
        coll = PROJECT + "/project-members/"
        detail = coll + "{member_id}/"
        p = {"project_id": self.pid}
        if not self.served(coll, ids=p):
            return
        self.call("GET", coll, ids=p)
        self.call("POST", coll, json={}, ids=p)
        members = self.client.get(self.client.ws("members/")).json()
        others = [
            m
            for m in (members if isinstance(members, list) else [])
            if isinstance(m, dict) and m.get("id") != self.me and m.get("role") == 15
        ]
        if not others:
            raise SectionAbandoned("no other workspace member (role 15) to add")
        body = {"member": others[0]["id"], "role": 15}
        pm = self.need_id(self.call("POST", coll, json=body, ids=p), "project member create")
        self.call("GET", coll, ids=p)
        self.call("GET", detail, ids={"member_id": pm, **p})
        self.call("GET", detail, ids={"member_id": UNKNOWN_ID, **p})
        self.call("PATCH", detail, json={"role": 5}, ids={"member_id": pm, **p})
        self.call("PATCH", detail, json={"role": 5}, ids={"member_id": UNKNOWN_ID, **p})
        self.delete_twice(detail, "member_id", pm, ids=p)

    def project_archive_and_features(self) -> None:
        p = {"project_id": self.pid}
        self.probe_served("GET", PROJECT + "/features/", ids=p)
        self.probe_served("PATCH", PROJECT + "/features/", json={}, ids=p)
        self.call("POST", PROJECT + "/archive/", ids=p)
        self.call("DELETE", PROJECT + "/archive/", ids=p)
        self.call("POST", WS + "/projects/{project_id}/archive/", ids={"project_id": UNKNOWN_ID})

    def deletes(self) -> None:
        served = [kind for kind, _att in SPELLINGS if not self.is_unserved(PROJECT + f"/{kind}/")]
        for kind, extra in zip(served, self.extra_items, strict=False):
            detail = PROJECT + f"/{kind}/{{resource_id}}/"
            self.delete_twice(detail, "resource_id", extra, ids={"project_id": self.pid})
        detail = WS + "/projects/{resource_id}/"
        self.call("DELETE", detail, ids={"resource_id": self.pid})
        self.disowned(f"/api/v1/workspaces/{self.workspace}/projects/{self.pid}/")
        self.call("DELETE", detail, ids={"resource_id": UNKNOWN_ID})


def _intake_work_item(created: dict[str, object]) -> str | None:
    """The work item id of an intake answer: `issue` (an id or an object), else `issue_detail`."""
    for name in ("issue", "issue_detail"):
        value = created.get(name)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            return str(value["id"])
    return None
