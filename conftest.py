"""Root conftest for the project's own tests (`tests/`).

The folder a test lives in says its cost and purpose (see ARCHITECTURE.md): tests/unit are fast
and offline, tests/reference run against the reference server, tests/quality are the proof of the
suite (the fault matrix). The folder becomes a marker so `pytest -m unit` selects a group.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_GROUPS = ("unit", "reference", "quality")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent / "tests"
    for item in items:
        try:
            group = Path(item.path).relative_to(tests_root).parts[0]
        except ValueError:
            continue
        if group in _GROUPS:
            item.add_marker(group)
