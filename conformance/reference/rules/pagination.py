"""Cursor pagination as the API introduction documents it.

per_page defaults to 100 and may not exceed 100; a cursor is `value:offset:is_prev` where value is
the page size, offset the page number from 0 and is_prev 1 for a previous-page cursor. The first
page's prev_cursor is "" (as in the introduction's example). Parameters the docs do not define
(page, offset, limit) are ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.rules.errors import ApiError, bad_request, server_error
from conformance.reference.variations import declare_variation

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 100

MAX_NOT_ENFORCED = declare_fault(
    "per-page-max-not-enforced",
    ("PAG-008", "PAG-009"),
    "per_page above 100 is served in full instead of refused",
)
MAX_UNSTATED = declare_fault(
    "per-page-refusal-silent",
    ("PAG-010",),
    "per_page above 100 is refused with a 400 that does not state the maximum",
)
PER_PAGE_IGNORED = declare_fault(
    "per-page-ignored", ("PAG-004",), "a valid per_page is ignored: pages always hold 100 items"
)
# 20 would not do: the operation pages document it (the docs contradict themselves, PAG-007).
DEFAULT_50 = declare_fault(
    "per-page-default-50", ("PAG-007",), "without per_page a page holds 50 items (not 100 or 20)"
)
PAGE_OVERLAP = declare_fault(
    "page-overlap", ("PAG-013",), "every page after the first starts one item early"
)
NEXT_SKIPS_PAGE = declare_fault(
    "next-cursor-skips-page", ("PAG-005", "PAG-013"), "next_cursor jumps two pages ahead"
)
PREV_FLAGGED_NEXT = declare_fault(
    "prev-cursor-flagged-next", ("PAG-006",), "prev_cursor ends in :0 instead of :1"
)
TOTAL_RESULTS_WRONG = declare_fault(
    "total-results-wrong", ("PAG-016",), "total_results is one more than the real total"
)
COUNT_WRONG = declare_fault(
    "count-wrong", ("PAG-015",), "count is one more than the items on the page"
)
NEXT_RESULTS_WRONG_ON_LAST = declare_fault(
    "next-page-results-wrong-on-last", ("PAG-018",), "the last page claims a next page exists"
)
MALFORMED_CURSOR_ACCEPTED = declare_fault(
    "malformed-cursor-accepted", ("PAG-012",), "a malformed cursor serves the first page"
)
PAST_END_FIRST_PAGE = declare_fault(
    "past-end-returns-first-page", ("PAG-020",), "a cursor past the last page serves page 0 again"
)
UNKNOWN_PAGE_PARAM_HONOURED = declare_fault(
    "paging-param-restarts",
    ("PAG-021",),
    "an undocumented page/offset parameter overrides the cursor (restarts from page 1)",
)
EXTRA_STATS_MISSING = declare_fault(
    "envelope-extra-stats-missing", ("PAG-001",), "the envelope leaves out extra_stats"
)
FIRST_PREV_CURSOR_NULL = declare_fault(
    "first-prev-cursor-null", ("PAG-002",), "the first page's prev_cursor is null, not a string"
)
FIRST_PREV_CURSOR_NONE_TEXT = declare_fault(
    "first-prev-cursor-none-text",
    ("PAG-003",),
    "the first page's prev_cursor is the text 'None' (a stringified null), not a cursor or ''",
)
PREV_PAGE_SHIFTED = declare_fault(
    "prev-cursor-page-shifted",
    ("PAG-014",),
    "a page reached by a previous-page cursor starts one item early",
)
FIRST_PAGE_REVERSED = declare_fault(
    "first-page-reversed",
    # Walking back ends on a page 0 that differs from the no-cursor page: PAG-014 sees it too;
    # and a first page listed backwards is not in the order_by asked for (ORD-001).
    ("PAG-014", "PAG-019", "ORD-001"),
    "without a cursor the first page lists its items in reverse order",
)
INVALID_PER_PAGE_DEFAULTED = declare_fault(
    "invalid-per-page-defaulted",
    ("PAG-011",),
    "per_page below 1 or not an integer falls back to the default instead of a 400",
)
TOTAL_PAGES_FLOOR = declare_fault(
    "total-pages-rounded-down", ("PAG-017",), "total_pages is floor(total / size), not ceil"
)

EMPTY_CURSOR_ON_LAST_PAGE = declare_variation(
    "empty-cursor-on-last-page",
    "the last page's next_cursor is the empty string (next_page_results false says there is none)",
)

PLANE_PAGES = declare_behaviour(
    "plane-pages",
    DEPARTURE,
    "Plane's paginator: per_page defaults to 1000 (stickies: 20) and may be up to 1000 (above: "
    '400 {"detail": "Invalid per_page value. Cannot exceed 1000."}; not a number: 400; 0 or '
    "less: 500); a cursor is read as value:page:is_prev (malformed: 400 {detail}, a negative "
    "page: 400); prev_cursor is always value:page-1:1 (the first page's `1000:-1:1`), "
    "next_cursor value:page+1:0; the docs say 100 by default and at most",
    releases=ALL_RELEASES,
)
PLANE_MAX_PER_PAGE = 1000

_CURSOR = re.compile(r"^(\d+):(\d+):([01])$")
_INT = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class PageRequest:
    per_page: int
    page: int  # from 0
    is_prev: bool = False  # asked for with a previous-page cursor
    cursor_given: bool = False


def _plane_parse(params: Mapping[str, str], default: int) -> PageRequest:
    """Plane's BasePaginator: what it accepts, and how it refuses the rest."""
    try:
        per_page = int(params.get("per_page", default))
    except ValueError:
        raise ApiError(400, {"detail": "Invalid per_page parameter."}) from None
    most = max(PLANE_MAX_PER_PAGE, default)
    if per_page > most:
        raise ApiError(400, {"detail": f"Invalid per_page value. Cannot exceed {most}."})
    if per_page < 1:
        raise server_error()  # Plane divides by the page size (0) or slices backwards (< 0)
    raw = params.get("cursor")
    bits = (raw if raw is not None else f"{per_page}:0:0").split(":")
    try:
        if len(bits) != 3:
            raise ValueError(raw)
        _ = float(bits[0]) if "." in bits[0] else int(bits[0])  # the value must be a number
        page, is_prev = int(bits[1]), bool(int(bits[2]))
    except ValueError:
        raise ApiError(400, {"detail": "Invalid cursor parameter."}) from None
    if page < 0:
        raise ApiError(400, {"detail": "Error in parsing"})
    return PageRequest(per_page, page, is_prev, raw is not None)


def parse(
    params: Mapping[str, str], config: ServerConfig, *, plane_default: int = PLANE_MAX_PER_PAGE
) -> PageRequest:
    """Validate per_page and cursor; raise 400 for anything the contract refuses.
    `plane_default`: Plane's page size for this list, under PLANE_PAGES."""
    if config.follows(PLANE_PAGES):
        return _plane_parse(params, plane_default)
    default = 50 if config.has(DEFAULT_50.name) else DEFAULT_PER_PAGE
    per_page = default
    raw = params.get("per_page")
    if raw is not None and config.has(INVALID_PER_PAGE_DEFAULTED.name):
        raw = raw if _INT.match(raw.strip()) and int(raw) >= 1 else None
    if raw is not None:
        if not _INT.match(raw.strip()):
            raise bad_request("per_page must be an integer between 1 and 100.")
        per_page = int(raw)
        if per_page < 1:
            raise bad_request("per_page must be an integer between 1 and 100.")
        if per_page > MAX_PER_PAGE and config.has(MAX_UNSTATED.name):
            raise bad_request("per_page is out of range.")
        if per_page > MAX_PER_PAGE and not config.has(MAX_NOT_ENFORCED.name):
            raise bad_request(f"per_page may not exceed the maximum of {MAX_PER_PAGE}.")
        if config.has(PER_PAGE_IGNORED.name):
            per_page = DEFAULT_PER_PAGE
    page, is_prev = 0, False
    cursor = params.get("cursor")
    if cursor:
        match = _CURSOR.match(cursor)
        if match:
            page, is_prev = int(match.group(2)), match.group(3) == "1"
        elif not config.has(MALFORMED_CURSOR_ACCEPTED.name):
            raise bad_request("Invalid cursor: expected value:offset:is_prev (three integers).")
    if config.has(UNKNOWN_PAGE_PARAM_HONOURED.name):
        for name in ("page", "offset"):
            if (params.get(name) or "").isdigit():
                page = 0
    return PageRequest(per_page, page, is_prev, bool(cursor))


def paginate(
    request: PageRequest,
    total: int,
    fetch: Callable[[int, int], list[Any]],
    config: ServerConfig,
) -> dict[str, Any]:
    """The documented envelope around one page; fetch(offset, limit) reads the items."""
    size, page = request.per_page, request.page
    plane = config.follows(PLANE_PAGES)
    total_pages = math.ceil(total / size) if total else 0
    if page >= max(total_pages, 1) and config.has(PAST_END_FIRST_PAGE.name):
        page = 0
    start = page * size
    if page > 0 and config.has(PAGE_OVERLAP.name):
        start -= 1
    if page > 0 and request.is_prev and config.has(PREV_PAGE_SHIFTED.name):
        start -= 1
    results = fetch(start, size) if start < total else []
    if not request.cursor_given and config.has(FIRST_PAGE_REVERSED.name):
        results.reverse()
    has_next = page + 1 < total_pages
    if config.has(NEXT_RESULTS_WRONG_ON_LAST.name) and total_pages and page == total_pages - 1:
        has_next = True
    reported_total = total + 1 if config.has(TOTAL_RESULTS_WRONG.name) else total
    step = 2 if config.has(NEXT_SKIPS_PAGE.name) else 1
    prev_flag = 0 if config.has(PREV_FLAGGED_NEXT.name) else 1
    count = len(results) + (1 if config.has(COUNT_WRONG.name) else 0)
    first_prev: str | None = ""
    if config.has(FIRST_PREV_CURSOR_NULL.name):
        first_prev = None
    elif config.has(FIRST_PREV_CURSOR_NONE_TEXT.name):
        first_prev = "None"
    pages = math.floor if config.has(TOTAL_PAGES_FLOOR.name) else math.ceil
    next_cursor = f"{size}:{page + step}:0"
    if not has_next and config.varies(EMPTY_CURSOR_ON_LAST_PAGE):
        next_cursor = ""
    envelope = {
        "grouped_by": None,
        "sub_grouped_by": None,
        # total_count is not in the docs' envelope but plane-sdk requires it.
        "total_count": reported_total,
        "next_cursor": next_cursor,
        "prev_cursor": f"{size}:{page - 1}:{prev_flag}" if page > 0 or plane else first_prev,
        "next_page_results": has_next,
        "prev_page_results": page > 0 and (total > 0 or plane),
        "count": count,
        "total_pages": pages(reported_total / size) if reported_total else 0,
        "total_results": reported_total,
        # "if any": none here; null rather than {} because plane-sdk types it as a string.
        "extra_stats": None,
        "results": results,
    }
    if config.has(EXTRA_STATS_MISSING.name):
        del envelope["extra_stats"]
    return envelope
