"""The README's commands are the ones CI runs, and the fixed layout is in place."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in readme.splitlines() if "python -m pytest" in line]
    assert len(lines) == 1, "the README must show exactly one test command"
    return lines[0].strip()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_test_command() in ci.splitlines()


def test_fixed_top_level_layout_exists() -> None:
    for name in ("pyproject.toml", "README.md", "ARCHITECTURE.md", "tox.ini", "conftest.py"):
        assert (ROOT / name).is_file(), name
    for name in ("conformance", "specs", "reports", "tests"):
        assert (ROOT / name).is_dir(), name


def test_specs_are_reachable_from_the_package() -> None:
    from conformance.spec.paths import openapi_path, requirements_path

    assert requirements_path().is_file()
    assert openapi_path().parent.is_dir()
