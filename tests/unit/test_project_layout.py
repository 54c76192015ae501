"""The README's commands are the ones CI runs, and the fixed layout is in place."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [line.strip() for line in readme.splitlines() if "python -m pytest" in line]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """The project's tests, then the real-Plane lane: both exactly as the README shows them."""
    commands = _readme_commands()
    main = [c for c in commands if "--realplane" not in c]
    lane = [c for c in commands if "--realplane" in c]
    assert len(main) == 1, "the README must show exactly one test command"
    assert len(lane) == 1, "the README must show exactly one real-Plane lane command"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert main[0] in ci and lane[0] in ci
    assert ci.index(main[0]) < ci.index(lane[0]), "the lane runs after the main test command"


def test_fixed_top_level_layout_exists() -> None:
    for name in ("pyproject.toml", "README.md", "ARCHITECTURE.md", "tox.ini", "conftest.py"):
        assert (ROOT / name).is_file(), name
    for name in ("conformance", "specs", "reports", "tests"):
        assert (ROOT / name).is_dir(), name


def test_specs_are_reachable_from_the_package() -> None:
    from conformance.spec.paths import openapi_path, requirements_path

    assert requirements_path().is_file()
    assert openapi_path().parent.is_dir()


GENERATED = ("plane_conformance.egg-info/", ".schemathesis/", ".hypothesis/", ".pytest_cache/",
             "reports/report.html", "reports/results.json", "reports/junit.xml")  # fmt: skip


def test_generated_and_cache_folders_are_untracked_and_ignored() -> None:
    """`pip install -e .` and a run must leave a fresh clone's `git status` empty."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", *GENERATED], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked == []
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *GENERATED],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    assert sorted(ignored) == sorted(GENERATED)
