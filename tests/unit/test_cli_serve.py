"""`plane-conformance serve` never prints a generated key: it writes it to a private file."""

from __future__ import annotations

import argparse
import os
import re
import stat
from pathlib import Path

import pytest

from conformance import cli


def test_generated_key_goes_to_a_private_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, str] = {}
    monkeypatch.delenv("PLANE_API_KEY", raising=False)

    def fake_serve(args: argparse.Namespace) -> int:
        seen["key"] = args.api_key
        return 0

    monkeypatch.setattr("conformance.reference.server.serve", fake_serve)
    assert cli.main(["serve", "--port", "0"]) == 0
    err = capsys.readouterr().err
    assert seen["key"] not in err
    path = Path(re.search(r"API key in (\S+) ", err).group(1))  # type: ignore[union-attr]
    try:
        assert path.read_text().strip() == seen["key"]
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        path.unlink()


def test_key_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANE_API_KEY", "plane_api_fromenv0000")
    args = argparse.Namespace(api_key=None)
    monkeypatch.setattr("conformance.reference.server.serve", lambda a: 0)
    assert cli._serve(args) == 0
    assert args.api_key == "plane_api_fromenv0000"
