"""SQLite persistence: one generic document table plus work-item memberships (cycles, modules).

Documents are JSON objects keyed by (kind, id). `seq` is an insertion counter that gives every
list a stable total order, so pages never overlap or skip.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypedDict

Doc = dict[str, Any]
SqlValue = str | int | float | None  # what a query's parameters hold


class ScopeFilter(TypedDict):
    """The scope keywords shared by Store.count and Store.query."""

    project: str | None
    parent: str | None
    archived: bool | None
    member_of: tuple[str, str] | None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    project TEXT,
    parent TEXT,
    archived INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE INDEX IF NOT EXISTS docs_scope ON docs (kind, project, parent, archived, seq);
CREATE TABLE IF NOT EXISTS memberships (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    container_kind TEXT NOT NULL,
    container TEXT NOT NULL,
    issue TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (container_kind, container, issue)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store:
    def __init__(self, path: str, *, durable: bool) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'NORMAL' if durable else 'OFF'}")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes so a failing request leaves nothing half-stored."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- documents ---------------------------------------------------------------------------
    def insert(
        self, kind: str, doc: Doc, *, project: str | None = None, parent: str | None = None
    ) -> Doc:
        with self._lock:
            self._db.execute(
                "INSERT INTO docs (kind, id, project, parent, archived, data) VALUES (?,?,?,?,?,?)",
                (
                    kind,
                    doc["id"],
                    project,
                    parent,
                    int(bool(doc.get("archived_at"))),
                    json.dumps(doc),
                ),
            )
        return doc

    def get(self, kind: str, doc_id: str) -> Doc | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM docs WHERE kind=? AND id=?", (kind, doc_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def replace(self, kind: str, doc: Doc) -> Doc:
        with self._lock:
            self._db.execute(
                "UPDATE docs SET data=?, archived=? WHERE kind=? AND id=?",
                (json.dumps(doc), int(bool(doc.get("archived_at"))), kind, doc["id"]),
            )
        return doc

    def delete(self, kind: str, doc_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, doc_id))
            self._db.execute("DELETE FROM docs WHERE parent=?", (doc_id,))
            self._db.execute(
                "DELETE FROM memberships WHERE container=? OR issue=?", (doc_id, doc_id)
            )
            if kind == "project":
                self._db.execute("DELETE FROM docs WHERE project=?", (doc_id,))

    def _where(
        self,
        kind: str,
        project: str | None,
        parent: str | None,
        archived: bool | None,
        member_of: tuple[str, str] | None,
    ) -> tuple[str, list[SqlValue]]:
        clauses: list[str] = ["kind=?"]
        args: list[SqlValue] = [kind]
        if project is not None:
            clauses.append("project=?")
            args.append(project)
        if parent is not None:
            clauses.append("parent=?")
            args.append(parent)
        if archived is not None:
            clauses.append("archived=?")
            args.append(int(archived))
        if member_of is not None:
            clauses.append(
                "id IN (SELECT issue FROM memberships WHERE container_kind=? AND container=?)"
            )
            args.extend(member_of)
        return " AND ".join(clauses), args

    def count(
        self,
        kind: str,
        *,
        project: str | None = None,
        parent: str | None = None,
        archived: bool | None = None,
        member_of: tuple[str, str] | None = None,
    ) -> int:
        where, args = self._where(kind, project, parent, archived, member_of)
        with self._lock:
            return int(
                self._db.execute(f"SELECT COUNT(*) FROM docs WHERE {where}", args).fetchone()[0]
            )

    def query(
        self,
        kind: str,
        *,
        project: str | None = None,
        parent: str | None = None,
        archived: bool | None = None,
        member_of: tuple[str, str] | None = None,
        offset: int = 0,
        limit: int = -1,
        order: tuple[str, bool] | None = None,
    ) -> list[Doc]:
        """One slice of a scope; order is (field, descending), with seq breaking ties."""
        where, args = self._where(kind, project, parent, archived, member_of)
        order_sql = "seq"
        if order is not None:
            direction = "DESC" if order[1] else "ASC"
            order_sql = f"json_extract(data, ?) {direction}, seq {direction}"
            args.append(f"$.{order[0]}")
        with self._lock:
            rows = self._db.execute(
                f"SELECT data FROM docs WHERE {where} ORDER BY {order_sql} LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def find(self, kind: str, *, project: str | None, field: str, value: object) -> Doc | None:
        """The first document of a scope whose JSON field equals value (uniqueness, lookups)."""
        where, args = self._where(kind, project, None, None, None)
        with self._lock:
            row = self._db.execute(
                f"SELECT data FROM docs WHERE {where} AND json_extract(data, ?) = ? "
                "ORDER BY seq LIMIT 1",
                [*args, f"$.{field}", value],
            ).fetchone()
        return json.loads(row[0]) if row else None

    # --- memberships (cycle/module work items) -----------------------------------------------
    def add_membership(self, container_kind: str, container: str, issue: str, doc: Doc) -> Doc:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO memberships (container_kind, container, issue, data) "
                "VALUES (?,?,?,?)",
                (container_kind, container, issue, json.dumps(doc)),
            )
            row = self._db.execute(
                "SELECT data FROM memberships WHERE container_kind=? AND container=? AND issue=?",
                (container_kind, container, issue),
            ).fetchone()
        member: Doc = json.loads(row[0])
        return member

    def remove_membership(self, container_kind: str, container: str, issue: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM memberships WHERE container_kind=? AND container=? AND issue=?",
                (container_kind, container, issue),
            )
        return cursor.rowcount > 0

    def members(self, container_kind: str, container: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT issue FROM memberships WHERE container_kind=? AND container=? ORDER BY seq",
                (container_kind, container),
            ).fetchall()
        return [row[0] for row in rows]

    def containers_of(self, container_kind: str, issue: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT container FROM memberships WHERE container_kind=? AND issue=? ORDER BY seq",
                (container_kind, issue),
            ).fetchall()
        return [row[0] for row in rows]

    # --- counters (per-project sequence ids; never reused) -----------------------------------
    def next_value(self, name: str) -> int:
        with self._lock:
            self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name,),
            )
            return int(
                self._db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()[0]
            )
