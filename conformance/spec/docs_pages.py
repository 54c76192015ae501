"""Read the structured parts of the Plane API reference pages (Markdown with Vue components).

Only structure is extracted (method, path, parameter names/types/enums, response status and JSON
example); the prose of the pages is never carried over.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

_TITLE = re.compile(r"^title:\s*(.+)$", re.M)
_BADGE = re.compile(
    r'<div class="api-endpoint-badge">\s*<span class="method \w+">(\w+)</span>\s*'
    r'<span class="path">([^<]+)</span>'
)
_HEADING = re.compile(r"^###\s+(.+?)\s*$", re.M)
_PARAM = re.compile(r"<ApiParam\s+([^>]*)>(.*?)</ApiParam>", re.S)
_ATTR = re.compile(r'(:?\w+)="([^"]*)"')
_ENUM_BULLET = re.compile(r"^- `([^`]*)` - ", re.M)
_RESPONSE = re.compile(r'<ResponsePanel status="(\d+)"[^>]*>(.*?)</ResponsePanel>', re.S)
_JSON_BLOCK = re.compile(r"```json\s*\n(.*?)```", re.S)
# The "### Scopes" section: its text up to the next tag or heading.
_SCOPES = re.compile(r"^###\s+Scopes\s*$(.*?)(?=^\s*<|^#)", re.M | re.S)
_SCOPE_NAME = re.compile(r"`([^`\s]+)`")
_OR = re.compile(r"\s+or\s+")

SECTIONS = {"Path Parameters": "path", "Query Parameters": "query", "Body Parameters": "body"}


@dataclass(frozen=True)
class DocParam:
    name: str
    type: str
    required: bool
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocResponse:
    status: int
    example: object  # parsed JSON, or None when the block is empty or not JSON


@dataclass
class DocPage:
    rel: str  # path relative to api-reference, e.g. "issue/add-issue.md"
    title: str
    method: str | None = None
    path: str | None = None
    params: dict[str, list[DocParam]] = field(default_factory=dict)
    responses: list[DocResponse] = field(default_factory=list)
    # The "Scopes" section: alternatives (joined by "or"), each the scopes it needs together;
    # () when the page names none ("an OAuth token with equivalent access").
    scopes: tuple[tuple[str, ...], ...] = ()

    @property
    def folder(self) -> str:
        return self.rel.split("/", 1)[0]

    @property
    def is_overview(self) -> bool:
        return self.rel.endswith("/overview.md")


def _section_of(text: str, pos: int) -> str | None:
    headings = [m.group(1) for m in _HEADING.finditer(text, 0, pos)]
    return SECTIONS.get(headings[-1]) if headings else None


def parse_page(path: Path, root: Path) -> DocPage:
    text = path.read_text(encoding="utf-8")
    title_match = _TITLE.search(text)
    page = DocPage(
        rel=path.relative_to(root).as_posix(),
        title=title_match.group(1).strip() if title_match else "",
    )
    badge = _BADGE.search(text)
    if badge:
        page.method, page.path = badge.group(1).upper(), badge.group(2).strip()
    for match in _PARAM.finditer(text):
        section = _section_of(text, match.start())
        if section is None:
            continue
        attrs = dict(_ATTR.findall(match.group(1)))
        page.params.setdefault(section, []).append(
            DocParam(
                name=attrs["name"],
                type=attrs.get("type", "string"),
                required=attrs.get(":required", "false") == "true",
                enum=tuple(_ENUM_BULLET.findall(match.group(2))),
            )
        )
    page.scopes = parse_scopes(text)
    for match in _RESPONSE.finditer(text):
        block = _JSON_BLOCK.search(match.group(2))
        try:
            example: object = json.loads(block.group(1)) if block else None
        except ValueError:
            example = None
        page.responses.append(DocResponse(int(match.group(1)), example))
    return page


def parse_scopes(text: str) -> tuple[tuple[str, ...], ...]:
    """The scopes a page's "Scopes" section names: "`a` or `b`" -> (("a",), ("b",)),
    "`a` `b`" -> (("a", "b"),); a section that names no scope (prose only) -> ()."""
    section = _SCOPES.search(text)
    if section is None:
        return ()
    alternatives = (_SCOPE_NAME.findall(part) for part in _OR.split(section.group(1)))
    return tuple(tuple(names) for names in alternatives if names)


def read_pages(docs_dir: Path) -> list[DocPage]:
    """Every page under docs_dir/api-reference, sorted by relative path (deterministic)."""
    root = docs_dir / "api-reference"
    return [parse_page(p, root) for p in sorted(root.rglob("*.md"))]


def endpoint_badges(docs_dir: Path) -> list[tuple[str, str, str]]:
    """(method, path, page) for every endpoint badge, as printed on the pages."""
    root = docs_dir / "api-reference"
    found = []
    for p in sorted(root.rglob("*.md")):
        for method, route in _BADGE.findall(p.read_text(encoding="utf-8")):
            found.append((method.upper(), route.strip(), p.relative_to(root).as_posix()))
    return found
