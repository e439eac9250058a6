"""``python -m knowledge_base``: import, search and reindex as a curator runs them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge_base import cli, service
from knowledge_base.embedder import MiniLMEmbedder
from tests.knowledge_base.factories import write_folder

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def shared_model(monkeypatch: pytest.MonkeyPatch, minilm: MiniLMEmbedder) -> None:
    """Each command would load the model afresh (about 4 s); hand it the session's instead."""
    monkeypatch.setattr(service, "MiniLMEmbedder", lambda: minilm)


@pytest.fixture
def options(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'state' / 'kb.db'}", "--index-dir", str(tmp_path / "index")]


def test_import_search_and_reindex(tmp_path: Path, options: list[str]) -> None:
    runner = CliRunner()
    folder = tmp_path / "articles"
    write_folder(folder, 5)

    imported = runner.invoke(cli.app, ["import", str(folder), *options])
    again = runner.invoke(cli.app, ["import", str(folder), *options])
    found = runner.invoke(cli.app, ["search", "how do I cancel my Lumen Plus subscription", *options])
    rebuilt = runner.invoke(cli.app, ["reindex", *options])

    assert imported.exit_code == 0 and "created 5, updated 0, unchanged 0" in imported.output
    assert again.exit_code == 0 and "created 0, updated 0, unchanged 5" in again.output
    assert found.exit_code == 0
    assert found.output.splitlines()[0].endswith("plus-cancel  How do I cancel Lumen Plus?")
    assert "decision: answer (confident); candidates: plus-cancel" in found.output
    assert rebuilt.exit_code == 0 and "indexed 5 published articles (5 embedded)" in rebuilt.output


def test_a_knowledge_base_error_ends_with_advice_not_a_traceback(
    tmp_path: Path, options: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "empty.md").write_text("---\ntitle: Nothing below\n---\n")
    monkeypatch.setattr(sys, "argv", ["knowledge_base", "import", str(folder), *options])

    with pytest.raises(SystemExit) as exited:
        cli.main()

    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("error: fix these article problems")
    assert "empty.md: article 'empty': body is empty" in error
    assert "Traceback" not in error
