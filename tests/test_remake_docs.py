"""experiments/remake_docs.py: each step is the command its document quotes, and a step's files are compared
with docs/, copied only when they differ, never with --check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import experiment

REPO = Path(__file__).resolve().parent.parent
remake_docs = experiment("remake_docs")


@pytest.mark.parametrize("step", remake_docs.STEPS, ids=lambda s: s.name)
def test_each_step_is_the_command_its_document_quotes_and_makes_what_docs_holds(step) -> None:  # type: ignore[no-untyped-def]
    document = re.sub(r"\s+", " ", (REPO / step.document).read_text())
    assert f"`{step.quoted}`" in document, f"{step.document} does not quote `{step.quoted}`"
    for f in step.files:
        assert (REPO / "docs" / step.docs / f).is_file(), f"docs/{step.docs}/{f}"


def _fake(tmp_path: Path, content: str) -> object:
    """A step whose command writes ``content`` into ``{out}/fake/a.txt``."""
    code = (
        "import pathlib, sys; p = pathlib.Path(sys.argv[1]); p.mkdir(parents=True, exist_ok=True); "
        f"(p / 'a.txt').write_text({content!r})"
    )
    return remake_docs.Step("fake", ("-c", code, "{out}/fake"), "{out}/fake", ("a.txt",), "fake", "docs/fake.md")


def test_a_step_copies_only_what_changed_and_check_writes_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "fake").mkdir(parents=True)
    (docs / "fake" / "a.txt").write_text("old")
    step = _fake(tmp_path, "new")
    assert remake_docs.remake([step], tmp_path / "out1", "n", docs, check=True) == ["fake/a.txt"]
    assert (docs / "fake" / "a.txt").read_text() == "old"  # --check writes nothing
    assert remake_docs.remake([step], tmp_path / "out2", "n", docs, check=False) == ["fake/a.txt"]
    assert (docs / "fake" / "a.txt").read_text() == "new"
    assert remake_docs.remake([step], tmp_path / "out3", "n", docs, check=True) == []  # now identical


def test_a_failing_step_stops_with_its_error(tmp_path: Path) -> None:
    step = remake_docs.Step("boom", ("-c", "import sys; sys.exit('no data')"), "{out}", ("a.txt",), "x", "docs/x.md")
    with pytest.raises(SystemExit, match=r"\[boom\] failed \(exit code 1\):\nno data"):
        remake_docs.remake([step], tmp_path, "n", tmp_path / "docs", check=True)


def test_unknown_steps_are_refused_naming_the_allowed(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        remake_docs.main(["--only", "valdation"])
    err = capsys.readouterr().err
    assert "unknown step valdation; allowed are validation, seed_grants, invariance, morris, sobol, worlds" in err
