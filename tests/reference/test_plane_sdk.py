"""plane-sdk 0.3.2, a published client, drives the reference server: every call must succeed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from plane import PlaneClient
from plane.models.cycles import CreateCycle, UpdateCycle
from plane.models.labels import CreateLabel, UpdateLabel
from plane.models.modules import CreateModule, UpdateModule
from plane.models.projects import CreateProject, UpdateProject
from plane.models.query_params import PaginatedQueryParams, WorkItemQueryParams
from plane.models.states import CreateState, UpdateState
from plane.models.work_items import (
    CreateWorkItem,
    CreateWorkItemComment,
    CreateWorkItemLink,
    UpdateWorkItem,
    UpdateWorkItemComment,
    UpdateWorkItemLink,
)

from conformance.reference.launcher import RunningServer, start_reference_server


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_reference_server() as running:
        yield running


@pytest.fixture(scope="module")
def sdk(server: RunningServer) -> PlaneClient:
    return PlaneClient(base_url=server.base_url, api_key=server.api_key)


def test_projects_states_labels(sdk: PlaneClient, server: RunningServer) -> None:
    ws = server.workspace
    project = sdk.projects.create(ws, CreateProject(name="SDK one", identifier="SDKA"))
    assert sdk.projects.retrieve(ws, project.id).identifier == "SDKA"
    assert sdk.projects.update(ws, project.id, UpdateProject(description="d")).description == "d"
    assert project.id in [p.id for p in sdk.projects.list(ws).results]
    state = sdk.states.create(
        ws, project.id, CreateState(name="Review", color="#123456", group="started")
    )
    assert sdk.states.retrieve(ws, project.id, state.id).name == "Review"
    assert sdk.states.update(ws, project.id, state.id, UpdateState(name="QA")).name == "QA"
    assert len(sdk.states.list(ws, project.id).results) == 6
    sdk.states.delete(ws, project.id, state.id)
    label = sdk.labels.create(ws, project.id, CreateLabel(name="bug", color="#ff0000"))
    assert sdk.labels.update(ws, project.id, label.id, UpdateLabel(name="defect")).name == "defect"
    assert sdk.labels.retrieve(ws, project.id, label.id).name == "defect"
    assert [lb.id for lb in sdk.labels.list(ws, project.id).results] == [label.id]
    sdk.labels.delete(ws, project.id, label.id)
    sdk.projects.archive(ws, project.id)
    sdk.projects.unarchive(ws, project.id)
    sdk.projects.delete(ws, project.id)


def test_work_items_comments_links_and_paging(sdk: PlaneClient, server: RunningServer) -> None:
    ws = server.workspace
    project = sdk.projects.create(ws, CreateProject(name="SDK two", identifier="SDKB"))
    me = sdk.users.get_me()
    items = [
        sdk.work_items.create(
            ws, project.id, CreateWorkItem(name=f"wi {n}", priority="low", assignees=[me.id])
        )
        for n in range(5)
    ]
    got = sdk.work_items.retrieve(ws, project.id, items[0].id)
    assert got.name == "wi 0" and got.assignees == [me.id]
    assert sdk.work_items.retrieve_by_identifier(ws, "SDKB", 2).id == items[1].id
    updated = sdk.work_items.update(ws, project.id, items[0].id, UpdateWorkItem(priority="urgent"))
    assert str(getattr(updated.priority, "value", updated.priority)) == "urgent"
    seen, cursor = [], None
    while True:
        page = sdk.work_items.list(ws, project.id, WorkItemQueryParams(per_page=2, cursor=cursor))
        seen += [wi.id for wi in page.results]
        if not page.next_page_results:
            break
        cursor = page.next_cursor
    assert seen == [wi.id for wi in reversed(items)]  # newest first, as Plane lists them

    comments, links = sdk.work_items.comments, sdk.work_items.links
    comment = comments.create(
        ws, project.id, items[0].id, CreateWorkItemComment(comment_html="<p>hi</p>")
    )
    assert comments.retrieve(ws, project.id, items[0].id, comment.id).comment_html == "<p>hi</p>"
    comments.update(
        ws, project.id, items[0].id, comment.id, UpdateWorkItemComment(comment_html="<p>yo</p>")
    )
    assert len(comments.list(ws, project.id, items[0].id).results) == 1
    comments.delete(ws, project.id, items[0].id, comment.id)
    link = links.create(ws, project.id, items[0].id, CreateWorkItemLink(url="https://example.com"))
    assert (
        links.update(ws, project.id, items[0].id, link.id, UpdateWorkItemLink(title="t")).title
        == "t"
    )
    assert links.retrieve(ws, project.id, items[0].id, link.id).url == "https://example.com"
    assert len(links.list(ws, project.id, items[0].id).results) == 1
    links.delete(ws, project.id, items[0].id, link.id)
    sdk.work_items.delete(ws, project.id, items[4].id)


def test_cycles_and_modules(sdk: PlaneClient, server: RunningServer) -> None:
    ws = server.workspace
    project = sdk.projects.create(ws, CreateProject(name="SDK three", identifier="SDKC"))
    # As on Plane, a new project has cycles and modules off until they are switched on.
    sdk.projects.update(ws, project.id, UpdateProject(cycle_view=True, module_view=True))
    me = sdk.users.get_me()
    item = sdk.work_items.create(ws, project.id, CreateWorkItem(name="in cycle"))
    cycle = sdk.cycles.create(
        ws,
        project.id,
        CreateCycle(
            name="c1",
            owned_by=me.id,
            project_id=project.id,
            start_date="2031-01-01",
            end_date="2031-01-14",
        ),
    )
    other = sdk.cycles.create(
        ws, project.id, CreateCycle(name="c2", owned_by=me.id, project_id=project.id)
    )
    assert (
        sdk.cycles.update(ws, project.id, cycle.id, UpdateCycle(description="x")).description == "x"
    )
    assert sdk.cycles.retrieve(ws, project.id, cycle.id).name == "c1"
    assert len(sdk.cycles.list(ws, project.id).results) == 2
    sdk.cycles.add_work_items(ws, project.id, cycle.id, [item.id])
    assert [wi.id for wi in sdk.cycles.list_work_items(ws, project.id, cycle.id).results] == [
        item.id
    ]
    # A cycle takes work items while it runs; once ended, its open ones move on, and it can be
    # archived (as on Plane).
    ended = UpdateCycle(start_date="2024-01-01", end_date="2024-01-14")
    sdk.cycles.update(ws, project.id, cycle.id, ended)
    from plane.models.cycles import TransferCycleWorkItemsRequest

    sdk.cycles.transfer_work_items(
        ws, project.id, cycle.id, TransferCycleWorkItemsRequest(new_cycle_id=other.id)
    )
    sdk.cycles.remove_work_item(ws, project.id, other.id, item.id)
    sdk.cycles.archive(ws, project.id, cycle.id)
    assert [c.id for c in sdk.cycles.list_archived(ws, project.id).results] == [cycle.id]
    sdk.cycles.unarchive(ws, project.id, cycle.id)
    sdk.cycles.delete(ws, project.id, other.id)

    module = sdk.modules.create(
        ws, project.id, CreateModule(name="m1", lead=me.id, members=[me.id])
    )
    status = sdk.modules.update(ws, project.id, module.id, UpdateModule(status="paused")).status
    assert getattr(status, "value", status) == "paused"
    assert sdk.modules.retrieve(ws, project.id, module.id).name == "m1"
    assert (
        len(sdk.modules.list(ws, project.id, PaginatedQueryParams(per_page=1).model_dump()).results)
        == 1
    )
    sdk.modules.add_work_items(ws, project.id, module.id, [item.id])
    assert [wi.id for wi in sdk.modules.list_work_items(ws, project.id, module.id).results] == [
        item.id
    ]
    sdk.modules.remove_work_item(ws, project.id, module.id, item.id)
    sdk.modules.update(ws, project.id, module.id, UpdateModule(status="completed"))
    sdk.modules.archive(ws, project.id, module.id)
    assert len(sdk.modules.list_archived(ws, project.id).results) == 1
    sdk.modules.unarchive(ws, project.id, module.id)
    sdk.modules.delete(ws, project.id, module.id)
