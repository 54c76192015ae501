"""The package carries what it needs: built from the checkout as a user's `pip install` builds it
(an sdist, then the wheel from that sdist: `python -m build`), installed into a fresh virtual
environment, it works from a folder outside the checkout: the requirement catalogue, a quick run
against the embedded server, the named baseline `plane-v1.3.1`, and `shapes compare` against a
reference server started from the installed package.

The fresh environment reuses the installed dependencies of the one running the tests (a `.pth`
line; the wheel goes in with --no-deps --no-index), so the test needs no download beyond the
build backend and stays fast. The wheel's own `conformance` comes first on its path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

# The harness's port and readiness probe (the server itself is the installed package's).
from conformance.reference.launcher import _free_port

ROOT = Path(__file__).resolve().parents[2]
KEY = "plane_api_packaging00000000000000000000000"
# What a fresh clone does not have (.gitignore), and what the build must not see.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", ".tox", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
    ".hypothesis", ".schemathesis", "reports",
)  # fmt: skip
# The data files the commands read, as the checkout has them, and where the package keeps them.
DATA = {
    "specs": "conformance/_specs",
    "conformance/report/templates": "conformance/report/templates",
}
MISSING_FILE_WORDS = ("FileNotFoundError", "No such file", "Traceback")


def _data_files() -> dict[str, Path]:
    """Package path -> checkout file, for every data file the package must carry."""
    files = {}
    for folder, packaged in DATA.items():
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file():
                files[f"{packaged}/{path.relative_to(ROOT / folder).as_posix()}"] = path
    return files


def _check(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel, built from a copy of the checkout as a fresh clone has it."""
    work = tmp_path_factory.mktemp("build")
    source = work / "plane-conformance"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_IN_A_CLONE)
    _check([sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(source)])
    (sdist,) = (work / "dist").glob("*.tar.gz")
    (wheel,) = (work / "dist").glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


@dataclass(frozen=True)
class Installed:
    venv: Path
    outside: Path  # a folder outside the checkout, the commands' working directory
    env: dict[str, str]

    def python(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _check([str(self.venv / "bin" / "python"), *args], cwd=self.outside, env=self.env)

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`plane-conformance ARGS` as the installed console script; no missing file, ever."""
        done = subprocess.run(
            [str(self.venv / "bin" / "plane-conformance"), *args],
            cwd=self.outside, env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        for words in MISSING_FILE_WORDS:
            assert words not in done.stdout + done.stderr, f"{args}:\n{done.stdout}{done.stderr}"
        return done


@pytest.fixture(scope="module")
def installed(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Installed:
    place = tmp_path_factory.mktemp("installed")
    venv = place / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = venv / "lib" / version / "site-packages"
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site_packages / "_dependencies_of_the_test_environment.pth").write_text("\n".join(ours))
    _check([
        sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
        "--no-deps", "--no-index", "--quiet", str(built["wheel"]),
    ])  # fmt: skip
    outside = place / "elsewhere"
    outside.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PLANE_", "PYTEST_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return Installed(venv, outside, env)


def test_the_sdist_and_the_wheel_carry_every_data_file(built: dict[str, Path]) -> None:
    wanted = _data_files()
    assert "conformance/_specs/requirements.yaml" in wanted  # the inventory itself is sane
    with zipfile.ZipFile(built["wheel"]) as wheel:
        in_wheel = {name: wheel.read(name) for name in wheel.namelist() if name in wanted}
    assert sorted(in_wheel) == sorted(wanted)
    with tarfile.open(built["sdist"]) as sdist:
        members = {m.name.split("/", 1)[1]: m for m in sdist.getmembers() if "/" in m.name}
    for name in wanted:
        assert name in members and members[name].isfile(), f"sdist: {name} (a regular file)"
    for name, path in wanted.items():
        assert in_wheel[name] == path.read_bytes(), f"the wheel's {name} differs from {path}"


def test_the_installed_package_is_the_wheel_and_finds_its_specs(installed: Installed) -> None:
    shown = installed.python(
        "-c",
        "import conformance, conformance.spec.paths as p; "
        "print(conformance.__file__); print(p.specs_dir()); print(p.requirements_path())",
    ).stdout.split()
    module, specs, requirements = (Path(line) for line in shown)
    assert installed.venv in module.parents and installed.venv in specs.parents, shown
    assert ROOT not in module.parents and ROOT not in specs.parents
    assert specs.is_dir() and not specs.is_symlink() and requirements.is_file()


def test_requirements(installed: Installed) -> None:
    done = installed.command("requirements")
    assert done.returncode == 0, done.stderr
    catalogue = yaml.safe_load((ROOT / "specs" / "requirements.yaml").read_text("utf-8"))
    for entry in catalogue["requirements"]:
        assert entry["id"] in done.stdout


def test_a_quick_run_against_the_embedded_server(installed: Installed) -> None:
    done = installed.command("run", "--profile", "quick", "--only", "auth", "--report-dir", "q")
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((installed.outside / "q" / "results.json").read_text("utf-8"))
    assert results["summary"]["passed"] > 0
    assert (installed.outside / "q" / "report.html").is_file()


def test_the_named_baseline_of_a_release(installed: Installed) -> None:
    """`--baseline plane-v1.3.1` is the baseline shipped in the wheel: every entry of it is
    weighed (against the embedded server they are stale, or unjudged when not selected)."""
    done = installed.command(
        *("run", "--profile", "quick", "--only", "auth", "--report-dir", "b"),
        *("--baseline", "plane-v1.3.1"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    baseline = json.loads((installed.outside / "b" / "results.json").read_text("utf-8"))["baseline"]
    shipped = yaml.safe_load((ROOT / "specs" / "baselines" / "plane-v1.3.1.yaml").read_text())
    kinds = ("accepted", "stale", "unjudged", "mismatched")
    weighed = {e["id"] for kind in kinds for e in baseline[kind]}
    assert weighed | set(baseline["unknown"]) == {e["id"] for e in shipped["requirements"]}
    assert baseline["stale"], "the reference server passes what Plane v1.3.1 fails"


def _answers(port: int) -> bool:
    """An HTTP answer of any kind on a non-API path (which spends no rate limit): it is up."""
    try:
        with httpx.Client(timeout=0.5) as probe:
            probe.get(f"http://127.0.0.1:{port}/health")
        return True
    except httpx.HTTPError:
        return False


@pytest.fixture()
def reference_server(installed: Installed) -> Iterator[str]:
    """`plane-conformance serve` of the installed package, answering in Plane v1.3.1's ways."""
    port = _free_port()
    server = subprocess.Popen(
        [str(installed.venv / "bin" / "plane-conformance"), "serve", "--port", str(port),
         "--api-key", KEY, "--plane-1.3.1"],
        cwd=installed.outside, env=installed.env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120  # a bound, not a pace: the loop ends when it answers
        while not _answers(port):
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the installed reference server never answered"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        _, log = server.communicate(timeout=60)
        for words in MISSING_FILE_WORDS:
            assert words not in log, log


def test_shapes_compare_against_a_reference_server_from_the_wheel(
    installed: Installed, reference_server: str
) -> None:
    """The recorder creates every kind of object (cycles too, which a server without its spec
    refused with a 500) and finds Plane v1.3.1's recorded shapes, also shipped in the wheel."""
    done = installed.command(
        "shapes", "compare", "--target", reference_server, "--workspace", "conformance",
        "--api-key", KEY,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "section abandoned" not in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("0 drifts")
    assert KEY not in done.stdout + done.stderr
