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
