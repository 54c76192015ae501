"""What a Plane release does not route: operations the reference serves (it models the whole
documented API) that answer 404 on that release, as an unknown URL does.

Read from each release's `apps/api/plane/api/urls/` and seen on the kit's servers. Each entry is
a behaviour, switched on with its release(s); `routed(table, config)` leaves its paths out of
the route table, so they answer like any URL nobody routes (routing before authentication).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.reference.behaviours import (
    ALL_RELEASES,
    BEFORE_1_3_1,
    DEPARTURE,
    ONLY_1_0_0,
    Behaviour,
    declare_behaviour,
)
from conformance.reference.config import ServerConfig
from conformance.reference.resources.routing import PROJECT, WORKSPACE, RouteTable

_ITEM = PROJECT + "/work-items/{work_item_id}"
_ISSUE = PROJECT + "/issues/{work_item_id}"


@dataclass(frozen=True)
class Unrouted:
    behaviour: Behaviour
    prefixes: tuple[str, ...]  # route templates: every path starting with one is left out


UNROUTED = (
    Unrouted(
        declare_behaviour(
            "features-unrouted",
            DEPARTURE,
            "project features (GET/PATCH .../projects/{id}/features/) answer 404: no release's "
            "urls route them (a commercial-edition page, the docs do not say so)",
            releases=ALL_RELEASES,
        ),
        (PROJECT + "/features/",),
    ),
    Unrouted(
        declare_behaviour(
            "member-remove-unrouted",
            DEPARTURE,
            "POST members/remove/ answers 404: no release routes it",
            releases=ALL_RELEASES,
        ),
        (WORKSPACE + "/members/remove/",),
    ),
    Unrouted(
        declare_behaviour(
            "relation-remove-unrouted",
            DEPARTURE,
            "POST .../work-items/{id}/relations/remove/ answers 404: no release routes it",
            releases=ALL_RELEASES,
        ),
        (_ITEM + "/relations/remove/",),
    ),
    Unrouted(
        declare_behaviour(
            "issues-spelling-partial",
            DEPARTURE,
            "the older issues/ spelling has no attachments/ (its attachments are at "
            "issue-attachments/) and no relations/: both answer 404",
            releases=ALL_RELEASES,
        ),
        (_ISSUE + "/attachments/", _ISSUE + "/relations/"),
    ),
    Unrouted(
        declare_behaviour(
            "relations-unrouted",
            DEPARTURE,
            "work-item relations (.../work-items/{id}/relations/) answer 404: only v1.3.1 "
            "routes them",
            releases=BEFORE_1_3_1,
        ),
        (_ITEM + "/relations/",),
    ),
    Unrouted(
        declare_behaviour(
            "work-items-unrouted",
            DEPARTURE,
            "no work-items/ URL is routed (404): work items, their search and identifier "
            "lookup, comments, links, activities and attachments are served under the older "
            "issues/ spelling only (attachments at issue-attachments/)",
            releases=ONLY_1_0_0,
        ),
        (PROJECT + "/work-items/", WORKSPACE + "/work-items/"),
    ),
    Unrouted(
        declare_behaviour(
            "stickies-unrouted",
            DEPARTURE,
            "stickies (workspaces/{slug}/stickies/) answer 404",
            releases=ONLY_1_0_0,
        ),
        (WORKSPACE + "/stickies/",),
    ),
    Unrouted(
        declare_behaviour(
            "invitations-unrouted",
            DEPARTURE,
            "workspace invitations (workspaces/{slug}/invitations/) answer 404",
            releases=ONLY_1_0_0,
        ),
        (WORKSPACE + "/invitations/",),
    ),
    Unrouted(
        declare_behaviour(
            "project-members-unrouted",
            DEPARTURE,
            "project members (.../projects/{id}/project-members/) answer 404",
            releases=ONLY_1_0_0,
        ),
        (PROJECT + "/project-members/",),
    ),
)


def routed(table: RouteTable, config: ServerConfig) -> RouteTable:
    """The table without the paths the followed behaviours leave unrouted."""
    gone = tuple(
        prefix for entry in UNROUTED if config.follows(entry.behaviour) for prefix in entry.prefixes
    )
    if not gone:
        return table
    return [(path, methods) for path, methods in table if not path.startswith(gone)]
