"""``python -m knowledge_base``: the curation verbs as a curator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.core.config import PROJECT_ROOT, get_settings
from knowledge_base import cli, service
from knowledge_base.__main__ import configured
from knowledge_base.embedder import MiniLMEmbedder, MpnetEmbedder
from tests.knowledge_base.factories import write_folder

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(autouse=True)
def shared_models(monkeypatch: pytest.MonkeyPatch, minilm: MiniLMEmbedder, mpnet: MpnetEmbedder) -> None:
    """Each command would load the models afresh (seconds); hand it the session's instead."""
    monkeypatch.setattr(service, "MiniLMEmbedder", lambda: minilm)
    monkeypatch.setattr(service, "MpnetEmbedder", lambda: mpnet)


@pytest.fixture
def options(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'state' / 'kb.db'}", "--index-dir", str(tmp_path / "index")]


def run(*args: str, config: cli.CliConfig | None = None) -> str:
    result = CliRunner().invoke(cli.app, list(args), obj=config)
    assert result.exit_code == 0, result.output
    return result.output


def test_import_search_and_reindex(tmp_path: Path, options: list[str]) -> None:
    folder = tmp_path / "articles"
    write_folder(folder, 5)

    imported = run("import", str(folder), *options)
    again = run("import", str(folder), *options)
    found = run("search", "how do I cancel my Lumen Plus subscription", *options)
    rebuilt = run("reindex", *options)

    assert "created 5, updated 0, unchanged 0" in imported
    assert "created 0, updated 0, unchanged 5" in again
    assert found.splitlines()[0].endswith("plus-cancel  How do I cancel Lumen Plus?")
    assert "decision: answer (confident); candidates: plus-cancel" in found
    assert "indexed 5 published articles (5 embedded)" in rebuilt


def test_create_edit_publish_retire_and_history(options: list[str]) -> None:
    created = run("create", "--id", "hub-wifi", "--title", "Does the Lumen Hub need Wi-Fi?",
                  "--body", "No: plug it into your router with the Ethernet cable.", "--actor", "cora", *options)
    run("edit", "hub-wifi", "--question", "Can the hub work without a wireless network?", "--actor", "dan", *options)
    published = run("publish", "hub-wifi", "--actor", "eve", *options)
    found = run("search", "can the hub work without a wireless network", *options)
    drafted = run("edit", "hub-wifi", "--body", "No: use the Ethernet cable.", "--actor", "dan", *options)
    retired = run("retire", "hub-wifi", "--actor", "eve", *options)
    history = run("history", "hub-wifi", *options)

    assert "created hub-wifi (version 1, draft)" in created
    assert "hub-wifi is published (version 3)" in published
    assert "decision: answer (confident); candidates: hub-wifi" in found
    assert "saved a draft of hub-wifi; customers still get version 3" in drafted  # the live article is untouched
    assert "hub-wifi is retired (version 4)" in retired
    lines = history.splitlines()
    assert [line.split()[3:5] for line in lines] == [["created", "cora"], ["edited", "dan"],
                                                     ["published", "eve"], ["retired", "eve"]]


def test_export_to_json_and_csv_imports_back_unchanged(tmp_path: Path, options: list[str]) -> None:
    folder = tmp_path / "articles"
    write_folder(folder, 3)
    run("import", str(folder), *options)

    run("export", str(tmp_path / "all.json"), *options)
    run("export", str(tmp_path / "all.csv"), *options)

    assert [a["id"] for a in json.loads((tmp_path / "all.json").read_text())] == ["bulb-reset", "hub-reset",
                                                                                 "shipping-times"]
    assert "created 0, updated 0, unchanged 3" in run("import", str(tmp_path / "all.csv"), *options)
    assert "created 0, updated 0, unchanged 3" in run("import", str(tmp_path / "all.json"), *options)


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


def test_without_options_the_commands_use_the_settings_paths_and_thresholds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TANDEM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TANDEM_KNOWLEDGE_BASE__ANSWER_THRESHOLD", "0.99")  # no article is that sure
    monkeypatch.setenv("TANDEM_KNOWLEDGE_BASE__CLARIFY_THRESHOLD", "0.98")
    monkeypatch.setenv("TANDEM_KNOWLEDGE_BASE__LEAD_ANSWER_THRESHOLD", "0.99")  # nor that far ahead
    monkeypatch.setenv("TANDEM_KNOWLEDGE_BASE__LEAD_CLARIFY_THRESHOLD", "0.98")
    get_settings.cache_clear()
    try:
        config = configured()
    finally:
        get_settings.cache_clear()
    folder = tmp_path / "articles"
    write_folder(folder, 5)

    run("import", str(folder), config=config)
    found = run("search", "how do I cancel my Lumen Plus subscription", config=config)

    assert (tmp_path / "state" / "tandem.db").is_file() and (tmp_path / "state" / "kb_index").is_dir()
    assert found.splitlines()[0].endswith("plus-cancel  How do I cancel Lumen Plus?")
    assert "decision: escalate (no_match)" in found


def test_python_m_knowledge_base_reads_the_settings(tmp_path: Path) -> None:
    env = {**os.environ, "TANDEM_STATE_DIR": str(tmp_path / "state")}
    listed = subprocess.run([sys.executable, "-m", "knowledge_base", "list"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stderr
    assert (tmp_path / "state" / "tandem.db").is_file()  # the settings' database, not ./state/tandem.db
