"""Fixtures for the retraining loop: small training files, a registry, and a gateway of its own.

The gateway shares the session's Redis, database and Rasa server (``system``) but keeps its model
registry and reviewed-examples file in a temporary folder, so labelling and promoting in tests
never touch training_data/ or models/ of the repository.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.processes import free_port, http_ok, start_gateway, wait_until
from bot.services import make_engine
from rasa_bridge import TRAINING_FILES
from retraining.nlu_yaml import REVIEWED_HEADER, render
from retraining.registry import Registry
from retraining.review import ReviewFiles, ReviewQueue
from retraining.settings import PROJECT_ROOT
from retraining.sources import TrainingSources
from tests.sql import sql_engine
from tests.support.system import Gateway, RunningSystem, staff_token


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(tmp_path / "models")


@pytest.fixture
def project_copy(tmp_path: Path) -> TrainingSources:
    """The project's config, domain and training files, copied (tests may change them)."""
    root = tmp_path / "project"
    for name in ["config.yml", "domain.yml", *TRAINING_FILES]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT_ROOT / name, root / name)
    return TrainingSources.from_paths(root, "config.yml", "domain.yml", TRAINING_FILES)


def mark_redacted(text: str) -> str:
    """A visible stand-in for the redactor (the real one is tested in tests/privacy)."""
    return text.replace("Jane Doe", "[NAME]")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from sql_engine(request.param, tmp_path)


@pytest.fixture
def review_queue(engine: Engine, project_copy: TrainingSources, tmp_path: Path) -> ReviewQueue:
    reviewed = next(p for p in project_copy.files if p.name == "nlu_reviewed.yml")
    reviewed.write_text(render({}, REVIEWED_HEADER))
    queue = ReviewQueue(engine, mark_redacted, ReviewFiles(
        reviewed_file=reviewed, domain=project_copy.domain,
        other_nlu_files=tuple(p for p in project_copy.nlu_files() if p != reviewed)))
    queue.create_schema()
    return queue


@dataclass
class NluGateway:
    """A gateway with its own registry and reviewed file, over the session's system."""

    gateway: Gateway
    registry_dir: Path
    reviewed_file: Path
    database_url: str

    @property
    def url(self) -> str:
        return self.gateway.url

    def review_queue(self) -> ReviewQueue:
        """The same queue the gateway uses (for putting messages in it directly)."""
        files = ReviewFiles(reviewed_file=self.reviewed_file, domain=PROJECT_ROOT / "domain.yml",
                            other_nlu_files=(PROJECT_ROOT / "training_data" / "nlu.yml",))
        return ReviewQueue(make_engine(self.database_url), mark_redacted, files)


@pytest.fixture(scope="session")
def nlu_gateway(system: RunningSystem, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NluGateway]:
    folder = tmp_path_factory.mktemp("retraining")
    port = free_port()
    env = system.gateway_env() | {
        "TANDEM_RETRAINING__REGISTRY_DIR": str(folder / "models"),
        "TANDEM_RETRAINING__REVIEWED_FILE": str(folder / "nlu_reviewed.yml"),
        "TANDEM_RETRAINING__CV_FOLDS": "0",  # cross-validation has its own, smaller test
        # Four customer messages instead of the whole unseen-wording set: the check, not the figures.
        "TANDEM_RETRAINING__CONTAINMENT_SET": str(Path(__file__).parent / "data" / "containment"),
        "TANDEM_RETRAINING__CONTAINMENT_HALVES": '["mini"]',
        "TANDEM_RETRAINING__ENCODER_FIT_STEPS": "4",  # a fitted encoder end to end, not a good one
    }
    child = start_gateway(port=port, env=env, log=system.state_dir / "logs" / f"gateway-nlu-{port}.log")
    gateway = Gateway(f"http://127.0.0.1:{port}", child)
    try:
        wait_until(lambda: http_ok(f"{gateway.url}/openapi.json"), child, timeout_s=180)
        yield NluGateway(gateway, folder / "models", folder / "nlu_reviewed.yml", system.database_url)
    finally:
        child.stop()


@pytest.fixture(scope="session")
def admin_headers(nlu_gateway: NluGateway) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(nlu_gateway.url, 'admin')}"}
