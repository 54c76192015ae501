"""What the ids a request names were, when it was sent: the suite's own objects, or made up.

A recorded exchange keeps, for every id its URL or body names, where that id came from
(`IdMemory.origins`), so that a replay can recreate what the request needed and a report can
tell a curl line that no longer answers as recorded:

* `created`: the suite created that object during the run (it appeared first in the answer to
  one of its own creates); the run deleted it at its end, so a pasted curl line no longer finds
  it;
* `deleted`: the suite had deleted it before this request (a GET after a DELETE);
* `unknown`: no answer had named it: an id the suite made up (a probe of an unknown id);
* `existing`: an answer named it, but the suite did not create it (the user's project with
  --project, the key's own user, the workspace's other objects).

The memory is per client (one per process) and only keeps ids: values of `id` (and `asset_id`,
an intake entry's `issue`) in 2xx JSON answers, and the last id of a path a DELETE removed.
"""

from __future__ import annotations

import re
from typing import Literal

IdOrigin = Literal["created", "deleted", "unknown", "existing"]
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# An object's own id in a JSON answer (at any depth): "id", an upload's "asset_id", an intake
# entry's "issue" (the work item that names it in paths).
_OWN_ID = re.compile(r'"(?:id|asset_id|issue)"\s*:\s*"(' + UUID.pattern + ')"')
WRITES_THAT_CREATE = ("POST", "PUT")


class IdMemory:
    def __init__(self) -> None:
        self.created: set[str] = set()
        self.seen: set[str] = set()
        self.deleted: set[str] = set()

    def origins(self, *texts: str | None) -> dict[str, IdOrigin]:
        """Each id that `texts` (a URL, a body) name, with where it came from."""
        found: dict[str, IdOrigin] = {}
        for text in texts:
            for value in UUID.findall(text or ""):
                found.setdefault(value.lower(), self.origin(value))
        return found

    def origin(self, value: str) -> IdOrigin:
        value = value.lower()
        if value in self.deleted:
            return "deleted"
        if value in self.created:
            return "created"
        return "existing" if value in self.seen else "unknown"

    def learn(self, method: str, path: str, status: int | None, body: bytes) -> None:
        """What an answer teaches: the ids a 2xx names (new ones in a create's answer are the
        suite's own), and the object a 2xx DELETE removed."""
        if status is None or not 200 <= status < 300:
            return
        if method == "DELETE":
            named = UUID.findall(path)
            if named:
                self.deleted.add(named[-1].lower())
            return
        if not body:
            return
        text = body.decode("utf-8", errors="replace")
        for value in _OWN_ID.findall(text):
            value = value.lower()
            if method in WRITES_THAT_CREATE and value not in self.seen:
                self.created.add(value)
            self.seen.add(value)
