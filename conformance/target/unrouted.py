"""What a target answers for a URL it surely does not route, and how to compare a 404 with it.

A missing operation shows itself by answering like a surely-unrouted URL. Most frameworks and
gateways name the request's path in their 404 body, so two 404s are compared with the path taken
out of both (`without_path`). Used by the capability area (CAP-001) and by the schema campaign,
which leaves an absent operation's answers to CAP-001.
"""

from __future__ import annotations

NOWHERE = "plc-no-such-route-4f1c"  # a path segment no Plane version routes
PATH_MARK = "{path}"  # what a request's path becomes in a body before two bodies are compared


def without_path(text: str, path: str) -> str:
    """`text` with the request `path` (with and without its slash) taken out."""
    bare = path.rstrip("/")
    for spelling in (bare + "/", bare):  # the slashed spelling first: it contains the other
        text = text.replace(spelling, PATH_MARK)
    return text
