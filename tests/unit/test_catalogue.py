"""The requirement catalogue is complete, well-formed and tied to the checks both ways."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from conformance.spec.catalogue import LEVELS, catalogue, load_catalogue
from conformance.spec.paths import requirements_path

CHECKS_DIR = Path(__file__).resolve().parents[2] / "conformance" / "checks"
ID_PATTERN = re.compile(r"^[A-Z]+-\d{3}$")


def _marked_ids() -> dict[str, set[str]]:
    """Requirement ids named by `requirement(...)` markers in the check modules, by file."""
    found: dict[str, set[str]] = {}
    for module in sorted(CHECKS_DIR.glob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name != "requirement":
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, set()).add(module.name)
    return found


def test_catalogue_loads_with_unique_ids_and_known_levels() -> None:
    entries = load_catalogue(requirements_path())
    assert entries, "the catalogue is empty"
    for requirement in entries.values():
        assert ID_PATTERN.match(requirement.id), requirement.id
        assert requirement.level in LEVELS
        assert requirement.source_page and requirement.source_heading
        assert requirement.statement and requirement.level_reason


def test_raw_ids_are_unique() -> None:
    raw = yaml.safe_load(requirements_path().read_text(encoding="utf-8"))["requirements"]
    ids = [entry["id"] for entry in raw]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_introduction_area_is_present() -> None:
    areas = {r.area for r in catalogue().values()}
    assert {"auth", "status", "pagination", "ratelimit", "fields_expand"} <= areas


def test_every_testable_requirement_has_a_check() -> None:
    marked = _marked_ids()
    missing = [r.id for r in catalogue().values() if not r.untestable and r.id not in marked]
    assert not missing, f"catalogue entries without a check: {missing}"


def test_untestable_requirements_have_no_check_and_say_why() -> None:
    marked = _marked_ids()
    for requirement in catalogue().values():
        if requirement.untestable:
            assert requirement.untestable.strip()
            assert requirement.id not in marked, f"{requirement.id} is marked untestable"


def test_checks_name_only_known_ids() -> None:
    unknown = {rid: files for rid, files in _marked_ids().items() if rid not in catalogue()}
    assert not unknown, f"checks name unknown requirement ids: {unknown}"


@pytest.mark.parametrize("requirement_id", ["PAG-007"])
def test_recorded_contradictions_name_both_sources(requirement_id: str) -> None:
    contradiction = catalogue()[requirement_id].contradiction
    assert contradiction and "20" in contradiction and "100" in contradiction
