"""The recorder's walk over what lives in the workspace, outside any project: the key's user and
the workspace members, stickies, invitations and the upload endpoints' error paths. Stickies and
invitations are not routed by every release (v1.0.0 has neither): noted as not served."""

from __future__ import annotations

import uuid

from conformance.shapes.session import UNKNOWN_ID, WS, RecorderSession


class WorkspaceWalks(RecorderSession):
    def users_and_members(self) -> None:
        self.me = self.need_id(self.call("GET", "/api/v1/users/me/"), "users/me")
        self.call("GET", WS + "/members/")
        self.probe_served("POST", WS + "/members/remove/", json={})

    def stickies(self) -> None:
        coll, detail = WS + "/stickies/", WS + "/stickies/{resource_id}/"
        if not self.served(coll):
            return
        sid = self.crud(
            coll,
            detail,
            "resource_id",
            {"name": f"plc sticky {self.tag}", "description_html": "<p>plc</p>"},
            {"name": f"plc sticky edited {self.tag}"},
            invalid={"name": ["not", "a", "string"]},
            what="sticky",
            keep_mine=True,
        )
        path = f"/api/v1/workspaces/{self.workspace}/stickies/{sid}/"
        self.owned(path)
        self.delete_twice(detail, "resource_id", sid)
        self.disowned(path)

    def invitations(self) -> None:
        coll, detail = WS + "/invitations/", WS + "/invitations/{invitation_id}/"
        if not self.served(coll):
            return
        email = f"plc-shapes-{self.tag}-{uuid.uuid4().hex[:6]}@example.com"
        iid = self.crud(
            coll,
            detail,
            "invitation_id",
            {"email": email, "role": 15},
            {"role": 5},
            what="invitation",
            keep_mine=True,
        )
        path = f"/api/v1/workspaces/{self.workspace}/invitations/{iid}/"
        self.owned(path)
        self.delete_twice(detail, "invitation_id", iid)
        self.disowned(path)

    def assets(self) -> None:
        """Only the error paths: an upload needs object storage (see NEEDS_STORAGE)."""
        user = "/api/v1/assets/user-assets/"
        self.call("POST", user, json={})
        self.call("PATCH", user + "{asset_id}/", json={}, ids={"asset_id": UNKNOWN_ID})
        self.call("DELETE", user + "{asset_id}/", ids={"asset_id": UNKNOWN_ID})
        self.call("POST", WS + "/assets/", json={})
        self.call("GET", WS + "/assets/{asset_id}/", ids={"asset_id": UNKNOWN_ID})
        self.call("PATCH", WS + "/assets/{asset_id}/", json={}, ids={"asset_id": UNKNOWN_ID})
