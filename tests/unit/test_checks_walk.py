"""The pagination walk and its rules, against an in-memory paginator with optional breaks."""

from __future__ import annotations

import math
from typing import Any

import pytest

from conformance.checks import _walk as paging


class Paginator:
    """The documented cursor contract over a list of ids, with a few optional breaks."""

    def __init__(
        self, n: int, *, skip: bool = False, overlap: bool = False, lie_last: bool = False
    ):
        self.items = [{"id": f"item-{i:03d}"} for i in range(n)]
        self.skip, self.overlap, self.lie_last = skip, overlap, lie_last
        self.requests = 0

    def __call__(self, params: dict[str, Any]) -> tuple[int, Any]:
        self.requests += 1
        size = int(params.get("per_page", 100))
        offset = 0
        if "cursor" in params:
            cursor = paging.parse_cursor(params["cursor"])
            if cursor is None:
                return 400, {"error": "bad cursor"}
            offset = cursor.offset
        start = offset * size - (1 if self.overlap and offset > 0 else 0)
        results = self.items[start : (offset + 1) * size]
        pages = max(1, math.ceil(len(self.items) / size))
        more = offset + 1 < pages or (self.lie_last and offset + 1 == pages)
        step = 2 if self.skip else 1
        return 200, {
            "next_cursor": f"{size}:{offset + step}:0",
            "prev_cursor": f"{size}:{offset - 1}:1" if offset > 0 else "",
            "next_page_results": more,
            "prev_page_results": offset > 0,
            "count": len(results),
            "total_pages": pages,
            "total_results": len(self.items),
            "extra_stats": {},
            "results": results,
        }

    @property
    def ids(self) -> list[str]:
        return [item["id"] for item in self.items]


def all_rules(walk: paging.Walk, total: int, size: int) -> list[str]:
    return [
        *paging.envelope_problems(walk),
        *paging.type_problems(walk),
        *paging.cursor_format_problems(walk),
        *paging.cursor_value_problems(walk, size),
        *paging.cursor_offset_problems(walk),
        *paging.is_prev_problems(walk),
        *paging.count_problems(walk),
        *paging.total_results_problems(walk, total),
        *paging.total_pages_problems(walk, total, size),
        *paging.flag_problems(walk, paging.expected_page_count(total, size) - 1),
        *paging.page_size_problems(walk, size, paging.expected_page_count(total, size) - 1),
    ]


@pytest.mark.parametrize(("n", "size"), [(13, 5), (10, 5), (1, 1), (0, 5), (13, 100), (7, 1)])
def test_a_conforming_paginator_passes_every_rule(n: int, size: int) -> None:
    server = Paginator(n)
    walk = paging.walk_forward(server, size, max_pages=n + 3)
    assert len(walk.pages) == paging.expected_page_count(n, size)
    assert all_rules(walk, n, size) == []
    assert paging.exactly_once_problems(walk, server.ids) == []
    back = paging.walk_backward(server, walk.pages[-1], size, max_pages=n + 3)
    assert paging.backward_problems(walk, back, len(walk.pages) - 1) == []


def test_parse_cursor() -> None:
    assert paging.parse_cursor("20:1:0") == paging.Cursor(20, 1, 0)
    assert paging.parse_cursor("100:-1:1") == paging.Cursor(100, -1, 1)
    assert str(paging.Cursor(5, 2, 1)) == "5:2:1"
    for bad in ("", "garbage", "1:2", "a:b:c", "1:2:3:4", " 1:2:3", None, 5):
        assert paging.parse_cursor(bad) is None


def test_a_skipping_next_cursor_misses_items_and_breaks_offsets() -> None:
    server = Paginator(13, skip=True)
    walk = paging.walk_forward(server, 5, max_pages=6)
    assert paging.exactly_once_problems(walk, server.ids)
    assert paging.cursor_offset_problems(walk)


def test_overlapping_pages_are_reported_as_duplicates() -> None:
    server = Paginator(13, overlap=True)
    walk = paging.walk_forward(server, 5, max_pages=6)
    problems = paging.exactly_once_problems(walk, server.ids)
    assert any("more than once" in problem for problem in problems)


def test_a_last_page_claiming_more_results_breaks_the_flags_and_the_walk_is_capped() -> None:
    server = Paginator(13, lie_last=True)
    walk = paging.walk_forward(server, 5, max_pages=5)
    assert paging.flag_problems(walk, 2)
    assert len(walk.pages) == 4  # the lie costs one empty page, no more
    assert "not true" in walk.stop


def test_a_broken_envelope_is_reported_field_by_field() -> None:
    page = paging.Page(
        None, 200, {"results": [], "count": "0", "next_cursor": 7, "extra_stats": []}
    )
    walk = paging.Walk(5, [page])
    assert any("missing" in problem for problem in paging.envelope_problems(walk))
    types = "\n".join(paging.type_problems(walk))
    assert "count='0'" in types and "next_cursor=7" in types and "extra_stats=[]" in types
    assert paging.envelope_problems(paging.Walk(5, [paging.Page(None, 500, None)]))


def test_cursor_rules_name_the_bad_cursor() -> None:
    body = {"next_cursor": "6:3:1", "prev_cursor": "oops", "next_page_results": True}
    walk = paging.Walk(5, [paging.Page(None, 200, body)])
    assert paging.cursor_format_problems(walk) == [
        "page 0 (cursor none): prev_cursor='oops' is not value:offset:is_prev"
    ]
    assert len(paging.cursor_value_problems(walk, 5)) == 1
    assert len(paging.cursor_offset_problems(walk)) == 1
    assert len(paging.is_prev_problems(walk)) == 1
    empty_next = paging.Walk(
        5, [paging.Page(None, 200, {"next_cursor": "", "next_page_results": True})]
    )
    assert paging.cursor_format_problems(empty_next)


def test_a_wrong_total_or_count_is_reported() -> None:
    server = Paginator(13)
    walk = paging.walk_forward(server, 5, max_pages=6)
    walk.pages[1].body["total_results"] = 12
    walk.pages[2].body["count"] = 5
    walk.pages[0].body["total_pages"] = 2
    assert len(paging.total_results_problems(walk, 13)) == 1
    assert len(paging.count_problems(walk)) == 1
    assert len(paging.total_pages_problems(walk, 13, 5)) == 1


def test_a_backward_walk_that_differs_is_reported() -> None:
    server = Paginator(13)
    forward = paging.walk_forward(server, 5, max_pages=6)
    backward = paging.walk_backward(server, forward.pages[-1], 5, max_pages=6)
    backward.pages.pop()  # as if prev_page_results went false one page early
    assert paging.backward_problems(forward, backward, 2)
    swapped = paging.walk_backward(server, forward.pages[-1], 5, max_pages=6)
    swapped.pages[1].body["results"] = swapped.pages[0].results
    assert paging.backward_problems(forward, swapped, 2)


def test_a_skipping_next_cursor_does_not_disturb_the_backward_rule() -> None:
    server = Paginator(13, skip=True)
    forward = paging.walk_forward(server, 5, max_pages=6)
    assert [page.offset for page in forward.pages] == [0, 2]
    backward = paging.walk_backward(server, forward.pages[-1], 5, max_pages=6)
    assert paging.backward_problems(forward, backward, 2) == []
    assert paging.flag_problems(forward, 2) == []


def test_page_sizes_and_the_maximum() -> None:
    ignored = paging.walk_forward(Paginator(13), 100, max_pages=3)  # as if per_page=5 were ignored
    assert paging.page_size_problems(ignored, 5, 2)
    short = paging.Walk(5, [paging.Page(None, 200, {"results": [{"id": "a"}]})])
    assert paging.page_size_problems(short, 5, 1)  # a page before the last must be full


def test_walks_stop_on_errors() -> None:
    def failing(params: dict[str, Any]) -> tuple[int, Any]:
        return 503, None

    walk = paging.walk_forward(failing, 5, max_pages=3)
    assert len(walk.pages) == 1 and "503" in walk.stop
