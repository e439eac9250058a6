"""The registry: records, ids that cannot name other paths, the live stack, and the live model at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from retraining.errors import UnknownModel
from retraining.registry import ARCHIVE, ModelRecord, Registry, live_model, now

pytestmark = pytest.mark.unit


def trained(registry: Registry, data_hash: str = "ab" * 32) -> ModelRecord:
    model_id, folder = registry.new_model_folder(data_hash)
    (folder / ARCHIVE).write_bytes(b"not really a model")
    record = ModelRecord(id=model_id, source="trained", created_at=now(), trained_by="ada", data_hash=data_hash,
                         rasa_model_id=f"rasa-{model_id}", train_seconds=1.0)
    registry.save(record)
    return record


def test_a_saved_model_is_listed_newest_first_with_its_hash_and_trainer(registry: Registry) -> None:
    first, second = trained(registry, "11" * 32), trained(registry, "22" * 32)
    assert [r.id for r in registry.all()] == [second.id, first.id]
    assert registry.get(first.id).data_hash == "11" * 32
    assert registry.get(first.id).trained_by == "ada"
    assert first.id != second.id and first.id.endswith("11111111")


def test_ids_that_are_not_model_ids_are_unknown_even_if_a_path_exists(registry: Registry, tmp_path: Path) -> None:
    trained(registry)
    for bad in ("..", "../models", "20990101-000000-deadbeef", "logs", ""):
        with pytest.raises(UnknownModel, match="python -m bot nlu models"):
            registry.get(bad)


def test_promotions_stack_up_and_rollback_returns_to_the_one_before(registry: Registry) -> None:
    a, b = trained(registry), trained(registry)
    assert registry.live() is None and live_model(registry.root) is None
    with registry.locked():
        registry.set_live(a.id, "ada", "promote")
        registry.set_live(b.id, "sam", "promote")
    assert registry.live().id == b.id  # type: ignore[union-attr]
    assert live_model(registry.root) == registry.root / b.id / ARCHIVE
    with registry.locked():
        registry.set_live(a.id, "ada", "rollback")
    state = registry.live_state()
    assert state.stack == [a.id]
    assert [(e.action, e.model_id, e.by) for e in state.history] == [
        ("promote", a.id, "ada"), ("promote", b.id, "sam"), ("rollback", a.id, "ada")]
    assert [e.action for e in registry.get(a.id).events] == ["promoted", "replaced", "rolled_back_to"]
    assert [e.action for e in registry.get(b.id).events] == ["promoted", "replaced"]


def test_a_model_made_outside_the_registry_can_be_adopted(registry: Registry, tmp_path: Path) -> None:
    archive = tmp_path / "20261125-120000.tar.gz"
    archive.write_bytes(b"make train's model")
    record = registry.adopt(archive, "fingerprint", "ada")
    assert record.source == "adopted"
    assert (registry.folder(record.id) / ARCHIVE).read_bytes() == b"make train's model"
    assert registry.get(record.id).rasa_model_id == "fingerprint"
