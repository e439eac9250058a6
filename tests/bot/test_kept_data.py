"""The state directory's scan for an access request: files that come and go while it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import kept_data
from bot.kept_data import files_naming

pytestmark = pytest.mark.unit

SESSION = "4f0c2b9e8d7a41c3b2a1f0e9d8c7b6a5"


def test_files_naming_the_session_are_listed_and_others_are_not(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "export.csv").write_text(f"session,{SESSION}\n")
    (tmp_path / "gateway.log").write_text("another session\n")
    assert files_naming(tmp_path, SESSION) == ["reports/export.csv"]


def test_a_file_that_goes_away_between_the_listing_and_the_reading_holds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = tmp_path / "export.csv"
    kept.write_text(SESSION)
    journal = tmp_path / "tandem.db-journal"  # SQLite writes it, then deletes it, with every write
    listed = [journal, kept]
    monkeypatch.setattr(kept_data, "_scanned_files", lambda state_dir: listed)  # as listed just before it went
    assert files_naming(tmp_path, SESSION) == ["export.csv"]
