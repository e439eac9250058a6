"""``python -m bot nlu``: the same loop from a shell, with errors that say what to do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.config import get_settings
from bot.services import build_learning, make_engine
from learning import GapState
from retraining.nlu_yaml import read_examples
from retraining.review import Observation, ReviewFiles, ReviewQueue, ReviewStatus
from retraining.settings import PROJECT_ROOT
from tests.retraining.conftest import mark_redacted

pytestmark = pytest.mark.integration


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TANDEM_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TANDEM_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing answers: no job lock needed here
    monkeypatch.setenv("TANDEM_RETRAINING__REVIEWED_FILE", str(tmp_path / "nlu_reviewed.yml"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_models_review_and_labelling_from_the_command_line(state: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["nlu", "models"])
    assert listed.exit_code == 0 and "no models yet" in listed.output

    queue = ReviewQueue(make_engine(f"sqlite:///{state / 'tandem.db'}"), mark_redacted, ReviewFiles(
        state / "nlu_reviewed.yml", PROJECT_ROOT / "domain.yml", (PROJECT_ROOT / "training_data" / "nlu.yml",)))
    queue.create_schema()
    queue.add(Observation("s1", "s1:m1", "can the strip go outdoors", "product_question", 0.44, "low_confidence"))
    review = runner.invoke(app, ["nlu", "review", "list"])
    assert review.exit_code == 0 and "can the strip go outdoors" in review.output and "low_confidence" in review.output

    wrong = runner.invoke(app, ["nlu", "review", "label", "1", "smalltalk"])
    assert wrong.exit_code == 1 and "not an intent of domain.yml" in wrong.output
    right = runner.invoke(app, ["nlu", "review", "label", "1", "product_question", "--by", "ada"])
    assert right.exit_code == 0, right.output
    assert read_examples(state / "nlu_reviewed.yml") == {"product_question": ["can the strip go outdoors"]}
    unknown = runner.invoke(app, ["nlu", "promote", "20990101-000000-deadbeef"])
    assert unknown.exit_code == 1 and "no model has id" in unknown.output


def test_a_kb_gap_marked_from_the_command_line_shows_on_the_content_page(state: Path) -> None:
    """``nlu review gap`` does what the admin page's "KB gap" does: the content team's Gaps view lists it."""
    engine = make_engine(f"sqlite:///{state / 'tandem.db'}")
    queue = ReviewQueue(engine, mark_redacted, ReviewFiles(
        state / "nlu_reviewed.yml", PROJECT_ROOT / "domain.yml", (PROJECT_ROOT / "training_data" / "nlu.yml",)))
    queue.create_schema()
    question = "does the lumen strip come in a version for outdoor balconies"
    queue.add(Observation("s2", "s2:m1", question, "product_question", 0.41, "low_confidence"))

    marked = CliRunner().invoke(app, ["nlu", "review", "gap", "1", "--by", "ada"])
    assert marked.exit_code == 0, marked.output
    assert "Gaps tab" in marked.output
    [gap] = build_learning(get_settings(), engine, queue).list_gaps(GapState.OPEN)  # what GET /api/learning/gaps lists
    assert (gap.label, gap.signals, gap.customers) == (question, {"admin_mark": 1}, 1)
    assert [i.text for i in queue.items(ReviewStatus.KB_GAP, 10)] == [question]
