"""ARCHITECTURE.md holds: the layer rules (import-linter contracts in pyproject.toml), one fault
registry, and a plugin module that exposes every hook and fixture of its package."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import conformance.plugin
from conformance.reference.faults import DuplicateFault, Fault, all_faults, declare_fault

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> str:
    local = Path(sys.executable).with_name("lint-imports")
    return str(local) if local.exists() else (shutil.which("lint-imports") or "lint-imports")


def test_imports_keep_the_layer_contracts() -> None:
    """No cycle, no upward import, reference and checks apart (pyproject [tool.importlinter])."""
    completed = subprocess.run(
        [_lint_imports(), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]


def test_a_fault_name_is_declared_once() -> None:
    name = next(iter(all_faults()))
    with pytest.raises(DuplicateFault, match=name):
        declare_fault(name, ("STATUS-001",), "a second declaration under the same name")


def test_every_fault_of_the_reference_package_is_registered() -> None:
    """A Fault made without declare_fault would be missing from the matrix: there is none."""
    registered = all_faults()
    for name in [m for m in sys.modules if m.startswith("conformance.reference.")]:
        for attribute, value in vars(sys.modules[name]).items():
            if isinstance(value, Fault):
                assert registered.get(value.name) == value, f"{name}.{attribute} is not registered"
    assert len(registered) >= 20


@pytest.mark.parametrize("submodule", ["hooks", "terminal", "fixtures"])
def test_the_plugin_module_exposes_every_hook_and_fixture(submodule: str) -> None:
    """pytest registers conformance.plugin itself: what its modules define must be there."""
    module = importlib.import_module(f"conformance.plugin.{submodule}")
    for name, value in vars(module).items():
        defined_here = getattr(value, "__module__", None) == module.__name__
        is_fixture = type(value).__name__ == "FixtureFunctionDefinition"
        if defined_here and (name.startswith("pytest_") or is_fixture):
            assert getattr(conformance.plugin, name, None) is value, name
