"""`plane-conformance serve` never prints a generated key: it writes it to a private file."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from conformance import cli
from conformance.reference.config import ServerConfig


def test_generated_key_goes_to_a_private_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file holds the key while the server runs, only its owner may read it, and it is
    removed when the server stops."""
    seen: dict[str, object] = {}
    monkeypatch.delenv("PLANE_API_KEY", raising=False)

    def fake_serve(config: ServerConfig) -> int:
        err = capsys.readouterr().err
        path = Path(re.search(r"API key in (\S+) ", err).group(1))  # type: ignore[union-attr]
        seen.update(key=config.api_key, err=err, path=path, content=path.read_text().strip())
        seen["mode"] = stat.S_IMODE(os.stat(path).st_mode)
        return 0

    monkeypatch.setattr("conformance.reference.server.serve", fake_serve)
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert seen["key"] not in str(seen["err"])
    assert seen["content"] == seen["key"] and seen["mode"] == 0o600
    assert not Path(str(seen["path"])).exists()


def test_key_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANE_API_KEY", "plane_api_fromenv0000")
    served: list[ServerConfig] = []
    monkeypatch.setattr("conformance.reference.server.serve", lambda c: served.append(c) or 0)
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert served[0].api_key == "plane_api_fromenv0000" and served[0].port == 8123


def test_member_and_guest_keys_go_to_private_files(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like the admin key: generated, never printed, one private file each, named on stderr
    with the variable the kit uses; removed when the server stops."""
    for variable in ("PLANE_API_KEY", "PLANE_MEMBER_API_KEY", "PLANE_GUEST_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    seen: dict[str, object] = {}

    def fake_serve(config: ServerConfig) -> int:
        err = capsys.readouterr().err
        for label, variable, name in (
            ("member key", "PLANE_MEMBER_API_KEY", "member_api_key"),
            ("guest key", "PLANE_GUEST_API_KEY", "guest_api_key"),
        ):
            found = re.search(rf"{label} in (\S+) \(export {variable}=\$\(cat \1\)\)", err)
            assert found is not None, err
            path = Path(found.group(1))
            key = getattr(config, name)
            assert key and key not in err and key != config.api_key
            assert path.read_text().strip() == key
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            seen[name] = path
        return 0

    monkeypatch.setattr("conformance.reference.server.serve", fake_serve)
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert len(seen) == 2 and not any(Path(str(p)).exists() for p in seen.values())


def test_member_and_guest_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANE_API_KEY", "plane_api_fromenv0000")
    monkeypatch.setenv("PLANE_MEMBER_API_KEY", "plane_api_member0000")
    monkeypatch.setenv("PLANE_GUEST_API_KEY", "plane_api_guest0000")
    served: list[ServerConfig] = []
    monkeypatch.setattr("conformance.reference.server.serve", lambda c: served.append(c) or 0)
    assert cli.main(["serve"]) == 0
    assert (served[0].member_api_key, served[0].guest_api_key) == (
        "plane_api_member0000",
        "plane_api_guest0000",
    )


def test_behaviours_are_listed_per_release(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["behaviours", "--release", "1.0.0"]) == 0
    listed = capsys.readouterr().out
    assert "work-items-unrouted" in listed and "restricted-project-names" not in listed
    assert cli.main(["behaviours"]) == 0
    everything = capsys.readouterr().out
    assert "restricted-project-names" in everything and "rule" in everything
