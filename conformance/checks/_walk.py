"""Walking cursor-paginated lists, and the pagination rules applied to a finished walk.

Everything here is pure: a walk is driven by a `Fetch` callable (the checks pass one built on the
target client, the unit tests an in-memory paginator), and each rule returns a list of problems
in words (empty when the rule holds) so that one walk can serve many checks, each naming its own
requirement ids.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

ENVELOPE_FIELDS: tuple[str, ...] = (
    "next_cursor",
    "prev_cursor",
    "next_page_results",
    "prev_page_results",
    "count",
    "total_pages",
    "total_results",
    "extra_stats",
    "results",
)
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 100
# The introduction says per_page defaults to 100; the operation pages say 20. Either is the docs.
DOCUMENTED_DEFAULTS = (DEFAULT_PER_PAGE, 20)

_CURSOR = re.compile(r"^(-?\d+):(-?\d+):(-?\d+)$")

# (query parameters) -> (HTTP status, parsed JSON body or None when the body is not JSON)
Fetch = Callable[[dict[str, Any]], tuple[int, Any]]


@dataclass(frozen=True)
class Cursor:
    value: int  # page size
    offset: int  # page number, from 0
    is_prev: int  # 1 on a previous-page cursor, 0 on a next-page cursor

    def __str__(self) -> str:
        return f"{self.value}:{self.offset}:{self.is_prev}"


def parse_cursor(text: object) -> Cursor | None:
    """The cursor in `text`, or None when it is not three colon-separated integers."""
    if not isinstance(text, str):
        return None
    match = _CURSOR.match(text)
    if match is None:
        return None
    value, offset, is_prev = (int(part) for part in match.groups())
    return Cursor(value, offset, is_prev)


def item_key(item: object) -> str:
    """How a listed item is identified: its id, else its whole representation."""
    if isinstance(item, dict) and "id" in item:
        return str(item["id"])
    return repr(item)


@dataclass
class Page:
    cursor: str | None  # the cursor requested (None for the first page)
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status == 200 and isinstance(self.body, dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default) if isinstance(self.body, dict) else default

    @property
    def results(self) -> list[Any]:
        results = self.get("results")
        return results if isinstance(results, list) else []

    @property
    def ids(self) -> list[str]:
        return [item_key(item) for item in self.results]

    @property
    def offset(self) -> int | None:
        """The page number this page was asked for: 0 without a cursor, else the cursor's."""
        if self.cursor is None:
            return 0
        cursor = parse_cursor(self.cursor)
        return cursor.offset if cursor is not None else None


@dataclass
class Walk:
    """The pages visited by following one kind of cursor, in visiting order."""

    per_page: int | None
    pages: list[Page] = field(default_factory=list)
    stop: str = ""  # why the walk ended, for messages

    @property
    def ids(self) -> list[str]:
        return [key for page in self.pages for key in page.ids]

    def describe(self) -> str:
        shape = ", ".join(f"{page.cursor or 'first'}:{len(page.results)}" for page in self.pages)
        return f"per_page={self.per_page}: pages [{shape}], stopped: {self.stop}"


def _params(per_page: int | None, cursor: str | None) -> dict[str, int | str]:
    params: dict[str, int | str] = {}
    if per_page is not None:
        params["per_page"] = per_page
    if cursor is not None:
        params["cursor"] = cursor
    return params


def _follow(fetch: Fetch, walk: Walk, direction: str, max_pages: int) -> Walk:
    flag, cursor_field = f"{direction}_page_results", f"{direction}_cursor"
    while True:
        page = walk.pages[-1]
        if not page.ok:
            walk.stop = f"status {page.status} or a body that is not a JSON object"
            return walk
        if page.get(flag) is not True:
            walk.stop = f"{flag} is not true"
            return walk
        cursor = page.get(cursor_field)
        if not isinstance(cursor, str) or not cursor:
            walk.stop = f"{cursor_field} is empty although {flag} is true"
            return walk
        if len(walk.pages) >= max_pages:
            walk.stop = f"page cap {max_pages} reached"
            return walk
        status, body = fetch(_params(walk.per_page, cursor))
        walk.pages.append(Page(cursor, status, body))


def walk_forward(fetch: Fetch, per_page: int | None, max_pages: int) -> Walk:
    """Fetch the first page, then follow next_cursor while next_page_results is true."""
    status, body = fetch(_params(per_page, None))
    walk = Walk(per_page, [Page(None, status, body)])
    return _follow(fetch, walk, "next", max_pages)


def walk_backward(fetch: Fetch, start: Page, per_page: int | None, max_pages: int) -> Walk:
    """From `start` (normally the last page), follow prev_cursor while prev_page_results is true."""
    return _follow(fetch, Walk(per_page, [start]), "prev", max_pages)


def expected_page_count(total: int, per_page: int) -> int:
    """Pages needed for `total` items; an empty collection still has its one (empty) page."""
    return max(1, math.ceil(total / per_page))


# --- rules applied to a walk; each returns problems in words --------------------------------


def _where(index: int, page: Page) -> str:
    return f"page {index} (cursor {page.cursor or 'none'})"


def envelope_problems(walk: Walk) -> list[str]:
    problems = []
    for index, page in enumerate(walk.pages):
        if not page.ok:
            problems.append(f"{_where(index, page)}: status {page.status}, not a JSON object")
            continue
        missing = [name for name in ENVELOPE_FIELDS if name not in page.body]
        if missing:
            problems.append(f"{_where(index, page)}: missing {', '.join(missing)}")
    return problems


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_TYPE_RULES: dict[str, tuple[str, Callable[[object], bool]]] = {
    "next_cursor": ("a string", lambda v: isinstance(v, str)),
    "prev_cursor": ("a string", lambda v: isinstance(v, str)),
    "next_page_results": ("a boolean", lambda v: isinstance(v, bool)),
    "prev_page_results": ("a boolean", lambda v: isinstance(v, bool)),
    "count": ("an integer", _is_int),
    "total_pages": ("an integer", _is_int),
    "total_results": ("an integer", _is_int),
    # "Additional statistics, if any": an object, or null when there are none.
    "extra_stats": ("an object or null", lambda v: v is None or isinstance(v, dict)),
    "results": ("an array", lambda v: isinstance(v, list)),
}


def type_problems(walk: Walk) -> list[str]:
    problems = []
    for index, page in enumerate(walk.pages):
        for name, (wanted, holds) in _TYPE_RULES.items():
            if page.ok and name in page.body and not holds(page.body[name]):
                value = page.body[name]
                problems.append(f"{_where(index, page)}: {name}={value!r} is not {wanted}")
    return problems


def _cursors(walk: Walk) -> Iterable[tuple[int, Page, str, Any]]:
    for index, page in enumerate(walk.pages):
        for name in ("next_cursor", "prev_cursor"):
            if page.ok:
                yield index, page, name, page.body.get(name)


def cursor_format_problems(walk: Walk) -> list[str]:
    """Non-empty cursors are value:offset:is_prev; a cursor is present where its flag is true."""
    problems = []
    for index, page, name, text in _cursors(walk):
        flag = "next_page_results" if name == "next_cursor" else "prev_page_results"
        if text in ("", None):
            if page.get(flag) is True:
                problems.append(f"{_where(index, page)}: {name} is empty but {flag} is true")
        elif parse_cursor(text) is None:
            problems.append(f"{_where(index, page)}: {name}={text!r} is not value:offset:is_prev")
    return problems


def cursor_value_problems(walk: Walk, page_size: int) -> list[str]:
    problems = []
    for index, page, name, text in _cursors(walk):
        cursor = parse_cursor(text)
        if cursor is not None and cursor.value != page_size:
            problems.append(
                f"{_where(index, page)}: {name}={text} has value {cursor.value}, "
                f"the page size is {page_size}"
            )
    return problems


def cursor_offset_problems(walk: Walk) -> list[str]:
    """Page k (the offset it was asked for) points at k+1 (next) and k-1 (prev)."""
    problems = []
    for index, page, name, text in _cursors(walk):
        cursor, here = parse_cursor(text), page.offset
        if cursor is None or here is None or (name == "prev_cursor" and here == 0):
            continue  # the first page has no previous page to number
        wanted = here + 1 if name == "next_cursor" else here - 1
        if cursor.offset != wanted:
            problems.append(
                f"{_where(index, page)}: {name}={text} has offset {cursor.offset}, "
                f"expected {wanted}"
            )
    return problems


def is_prev_problems(walk: Walk) -> list[str]:
    problems = []
    for index, page, name, text in _cursors(walk):
        cursor = parse_cursor(text)
        wanted = 0 if name == "next_cursor" else 1
        if cursor is not None and cursor.is_prev != wanted:
            problems.append(f"{_where(index, page)}: {name}={text} has is_prev {cursor.is_prev}")
    return problems


def count_problems(walk: Walk) -> list[str]:
    problems = []
    for index, page in enumerate(walk.pages):
        count = page.get("count")
        if page.ok and count != len(page.results):
            problems.append(f"{_where(index, page)}: count={count!r}, results hold {len(page.ids)}")
    return problems


def total_results_problems(walk: Walk, expected_total: int) -> list[str]:
    problems = []
    for index, page in enumerate(walk.pages):
        total = page.get("total_results")
        if page.ok and total != expected_total:
            problems.append(
                f"{_where(index, page)}: total_results={total!r}, the collection holds "
                f"{expected_total} items"
            )
    return problems


def total_pages_problems(walk: Walk, expected_total: int, page_size: int) -> list[str]:
    wanted = math.ceil(expected_total / page_size)
    allowed = {wanted, 1} if wanted == 0 else {wanted}  # an empty list: no pages, or one empty
    problems = []
    for index, page in enumerate(walk.pages):
        total_pages = page.get("total_pages")
        if page.ok and total_pages not in allowed:
            problems.append(
                f"{_where(index, page)}: total_pages={total_pages!r}, expected "
                f"ceil({expected_total}/{page_size}) = {wanted}"
            )
    return problems


def flag_problems(walk: Walk, last_offset: int) -> list[str]:
    """next_page_results is true below the last page, prev_page_results above the first."""
    problems = []
    for index, page in enumerate(walk.pages):
        here = page.offset
        if not page.ok or here is None:
            continue
        for flag, wanted in (
            ("next_page_results", here < last_offset),
            ("prev_page_results", here > 0),
        ):
            if page.get(flag) != wanted:
                problems.append(
                    f"{_where(index, page)}: {flag}={page.get(flag)!r}, expected {wanted} "
                    f"(the last page is {last_offset})"
                )
    return problems


def page_size_problems(walk: Walk, per_page: int, last_offset: int) -> list[str]:
    """Pages before the last hold exactly per_page items; no page holds more."""
    problems = []
    for index, page in enumerate(walk.pages):
        here, held = page.offset, len(page.results)
        if not page.ok or here is None:
            continue
        if held > per_page or (here < last_offset and held != per_page):
            problems.append(f"{_where(index, page)}: holds {held} items at per_page={per_page}")
    return problems


def announced_size(page: Page) -> int | None:
    """The page size a page's cursors announce (their value part), if any cursor is given."""
    for name in ("next_cursor", "prev_cursor"):
        cursor = parse_cursor(page.get(name))
        if cursor is not None:
            return cursor.value
    return None


Verdict = tuple[str, str]  # (unit status: verified | failed | not_verified, reason)


def default_size_verdict(page: Page, total: int) -> Verdict:
    """PAG-007 on the first page listed without per_page, of a collection of `total` items.

    The page size comes from any non-empty cursor (its value part); failing that, from a page
    that is followed by more (it holds exactly a page). A page that holds the whole collection
    and names no size (PAG-003 allows empty cursors on a last page) tells nothing.
    """
    held = len(page.results)
    size = announced_size(page)
    if size is None and held < total:
        size = held
    documented = " or ".join(str(d) for d in DOCUMENTED_DEFAULTS)
    if size is not None:
        if size in DOCUMENTED_DEFAULTS:
            return "verified", ""
        return "failed", f"without per_page the page size is {size}, not {documented}"
    if held > MAX_PER_PAGE:
        return "failed", f"without per_page one page holds all {held} items"
    return "not_verified", (
        f"the page holds the whole collection ({held} items) and names no page size: "
        f"a default of {documented} cannot be told apart"
    )


def over_max_verdict(status: int, page: Page, total: int) -> Verdict:
    """PAG-008 on the answer to per_page above the maximum: no page above 100 items.

    A refusal serves nothing; a served page must hold at most 100 items and announce (in its
    cursors) a page size of at most 100. A page that holds the whole (small) collection and
    names no size shows nothing either way.
    """
    if 400 <= status < 500:
        return "verified", ""
    if not page.ok:
        return "not_verified", f"per_page above the maximum answered {status}"
    held, size = len(page.results), announced_size(page)
    if held > MAX_PER_PAGE:
        return "failed", f"a page holds {held} items"
    if size is not None and size > MAX_PER_PAGE:
        return "failed", f"the page was served with a page size of {size} (its cursors)"
    if size is not None or held < total:
        return "verified", ""
    return "not_verified", (
        f"served, holding the whole collection ({held} items) with no page size named"
    )


def exactly_once_problems(walk: Walk, expected_ids: Iterable[str]) -> list[str]:
    expected = set(expected_ids)
    seen = Counter(walk.ids)
    problems = []
    duplicated = sorted(key for key, times in seen.items() if times > 1)
    missing = sorted(expected - set(seen))
    extra = sorted(set(seen) - expected)
    if duplicated:
        problems.append(f"{len(duplicated)} items visited more than once: {duplicated[:5]}")
    if missing:
        problems.append(f"{len(missing)} items never visited: {missing[:5]}")
    if extra:
        problems.append(
            f"{len(extra)} items visited that the collection does not hold: {extra[:5]}"
        )
    if problems:
        problems.append(walk.describe())
    return problems


def backward_problems(forward: Walk, backward: Walk, last_offset: int) -> list[str]:
    """Walking back from the last page visits offsets last..0, as the forward walk saw them."""
    offsets = [page.offset for page in backward.pages]
    wanted = list(range(last_offset, -1, -1))
    problems = []
    if offsets != wanted:
        problems.append(f"walking back visited offsets {offsets}, expected {wanted}")
    seen_forward = {page.offset: page.ids for page in forward.pages if page.ok}
    for page in backward.pages:
        if page.offset in seen_forward and page.ids != seen_forward[page.offset]:
            problems.append(
                f"page {page.offset} walking back holds {page.ids[:3]}..., walking forward "
                f"{seen_forward[page.offset][:3]}..."
            )
    if problems:
        problems.append(backward.describe())
    return problems
