"""The exit codes have one source, `conformance.exit_codes.EXIT_CODES`: the CLI's help, the README
and the GitHub Actions recipe show it word for word, so they cannot drift apart."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance import exit_codes
from conformance.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "docs" / "github-actions.md"


def test_every_exit_constant_has_its_row() -> None:
    constants = {
        value
        for name, value in vars(exit_codes).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    table = [each.code for each in exit_codes.EXIT_CODES]
    assert sorted(table) == sorted(constants), "a code without a row, or a row without a code"
    assert len(set(table)) == len(table)


@pytest.mark.parametrize("document", [ROOT / "README.md", RECIPE], ids=lambda p: p.name)
def test_the_documents_show_the_table_word_for_word(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    assert exit_codes.markdown_table() in text, (
        f"{document.name}: paste conformance.exit_codes.markdown_table() in place of its table"
    )
    # ...and no other table of exit codes beside it.
    assert text.count("| exit code |") == 1


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]], ids=" ".join)
def test_the_help_shows_the_table(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 0
    assert exit_codes.help_epilog() in capsys.readouterr().out


def test_the_recipe_installs_from_a_ref_that_exists() -> None:
    """The install line names the default branch, a commit, or a tag the repository has."""
    installs = re.findall(
        r"git\+https://\S+?/plane-conformance(?:@([^\"\s]+))?\"", RECIPE.read_text()
    )
    assert installs, "the recipe has no git+https install line"
    refs = [ref for ref in installs if ref]
    if not refs:
        return  # the default branch
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: cannot tell which tags exist")
    tags = subprocess.run(
        ["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for ref in refs:
        assert ref in tags or re.fullmatch(r"[0-9a-f]{40}", ref), f"@{ref} is not a tag or commit"
