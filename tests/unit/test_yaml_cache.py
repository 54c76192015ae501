"""The JSON copies of the committed YAML files: same content, refreshed on edit, never wrong."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from conformance.spec.paths import openapi_path
from conformance.spec.yaml_cache import load_yaml


def test_the_copy_holds_the_same_document(tmp_path: Path) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text("a: 1\nb: [x, {c: null}]\n")
    first = load_yaml(source, directory=tmp_path / "cache")
    assert list((tmp_path / "cache").glob("*.json")), "the first read stores a copy"
    second = load_yaml(source, directory=tmp_path / "cache")
    assert first == second == {"a": 1, "b": ["x", {"c": None}]}
    second["a"] = 2  # callers may change what they get
    assert load_yaml(source, directory=tmp_path / "cache")["a"] == 1


def test_an_edited_file_is_read_afresh(tmp_path: Path) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text("a: 1\n")
    load_yaml(source, directory=tmp_path)
    source.write_text("a: 2\n")
    assert load_yaml(source, directory=tmp_path) == {"a": 2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("200: ok\n", {200: "ok"}), ("day: 2024-01-02\n", {"day": datetime.date(2024, 1, 2)})],
)
def test_what_json_cannot_carry_is_not_cached(tmp_path: Path, text: str, expected: dict) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text(text)
    for _ in range(2):
        assert load_yaml(source, directory=tmp_path / "cache") == expected
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_only_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder would be")
    assert load_yaml(openapi_path(), directory=blocker)["openapi"].startswith("3.")
