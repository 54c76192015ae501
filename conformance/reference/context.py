"""What a handler works with: configuration, store, the caller, the request's parameters."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.rules.errors import ApiError, not_found
from conformance.reference.store import Doc, Store
from conformance.reference.validation import is_uuid

UNKNOWN_PROJECT_REFUSED = declare_fault(
    "unknown-project-refused",
    ("STATUS-006",),
    "a path below an unknown project id answers 403 (a permission refusal), not 404",
)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class People:
    """Who is who in the seeded workspace: the user behind each key, and each user's role."""

    by_key: Mapping[str, str] = field(default_factory=dict)  # "admin"/"member"/"guest" -> id
    roles: Mapping[str, int] = field(default_factory=dict)  # user id -> workspace role (20/15/5)


@dataclass
class Ctx:
    config: ServerConfig
    store: Store
    user_id: str
    workspace: Doc
    path: Mapping[str, str]
    params: Mapping[str, str]
    body: Any = None
    base_url: str = ""  # scheme://host:port of this server, for loopback upload URLs
    people: People = field(default_factory=People)

    def load(self, kind: str, label: str, doc_id: str, *, project: str | None = None) -> Doc:
        """The document, or 404 when the id is malformed, unknown or in another scope."""
        doc = self.store.get(kind, doc_id) if is_uuid(doc_id) else None
        if doc is None or (project is not None and doc.get("project") != project):
            raise not_found(label, self.config)
        return doc

    def project(self) -> Doc:
        """The path's project; 404 when there is none (the docs' answer for an unknown id)."""
        try:
            return self.load("project", "Project", self.path["project_id"])
        except ApiError as missing:
            if missing.status == 404 and self.config.has(UNKNOWN_PROJECT_REFUSED.name):
                detail = "You do not have permission to perform this action."
                raise ApiError(403, {"detail": detail}) from None
            raise

    def work_item(self, project: Doc, key: str = "issue_id") -> Doc:
        return self.load("work_item", "Work item", self.path[key], project=project["id"])

    def is_member(self, user_id: object) -> bool:
        return (
            isinstance(user_id, str)
            and is_uuid(user_id)
            and self.store.get("user", user_id) is not None
        )

    def stamp(self, doc: Doc, *, created: bool) -> Doc:
        """Times and authors; as in Plane, a new object has no `updated_by` until changed."""
        moment = now_iso()
        if created:
            doc["id"] = doc.get("id") or new_id()
            doc["created_at"] = moment
            doc["created_by"] = self.user_id
            doc["updated_by"] = None
        else:
            doc["updated_by"] = self.user_id
        doc["updated_at"] = moment
        return doc
