"""The routes of the resources added after the first cut (activities, attachments, relations,
intake, members, stickies, invitations, assets, features), gathered for app.route_table."""

from __future__ import annotations

from conformance.reference.config import ServerConfig
from conformance.reference.resources import (
    activities,
    assets,
    attachments,
    features,
    intake,
    invitations,
    members,
    relations,
    stickies,
)
from conformance.reference.resources.routing import RouteTable


def routes(config: ServerConfig) -> RouteTable:
    return (
        activities.ROUTES
        + attachments.routes(config)
        + relations.ROUTES
        + intake.ROUTES
        + members.ROUTES
        + stickies.ROUTES
        + invitations.ROUTES
        + assets.ROUTES
        + features.ROUTES
    )
