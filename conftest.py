"""Root conftest for the project's own tests (`tests/`).

The folder a test lives in says its cost and purpose (see ARCHITECTURE.md): tests/unit are fast
and offline, tests/reference run against the reference server, tests/packaging build the package
and use it installed, tests/quality are the proof of the suite (the fault matrix). The folder
becomes a marker so `pytest -m unit` selects a group.
tests/realplane runs against Plane's own server: it is collected only with --realplane.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_GROUPS = ("unit", "reference", "packaging", "quality", "realplane")
_REALPLANE = Path(__file__).parent / "tests" / "realplane"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--realplane",
        action="store_true",
        default=False,
        help="also collect tests/realplane (against a real Plane server; see its conftest)",
    )


def pytest_configure(config: pytest.Config) -> None:
    _bytecode_for_the_processes_tests_start(config)


def _bytecode_for_the_processes_tests_start(config: pytest.Config) -> None:
    """The Python processes the tests start (runs, reference servers, xdist workers: a few
    hundred) keep their compiled bytecode in one folder of pytest's cache, so each module is
    compiled once, not once per process. Where the environment says not to write bytecode
    (PYTHONDONTWRITEBYTECODE, set on some machines and CI images), every one of them would
    otherwise compile the suite's modules, and assertion-rewrite its checks, from source.
    Nothing is written beside the sources; the folder is only ever read by Python itself."""
    cache = getattr(config, "cache", None)
    if cache is None or os.environ.get("PYTHONPYCACHEPREFIX"):
        return  # no cache (-p no:cacheprovider), or the user chose a folder already
    os.environ["PYTHONPYCACHEPREFIX"] = str(cache.mkdir("pycache"))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    inside = collection_path == _REALPLANE or _REALPLANE in collection_path.parents
    if inside and not config.getoption("--realplane"):
        return True
    return None  # no opinion: the other rules decide


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent / "tests"
    if not config.getoption("--realplane"):  # also when a file of the lane is named explicitly
        lane = [item for item in items if _REALPLANE in Path(item.path).parents]
        if lane:
            config.hook.pytest_deselected(items=lane)
            items[:] = [item for item in items if item not in lane]
    for item in items:
        try:
            group = Path(item.path).relative_to(tests_root).parts[0]
        except ValueError:
            continue
        if group in _GROUPS:
            item.add_marker(group)
