"""Each gateway follows the live model's encoder: a promotion or a rollback anywhere switches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from retraining.live_encoder import LiveEncoder
from retraining.registry import ModelRecord, Registry, now

pytestmark = pytest.mark.unit


def add(registry: Registry, model_id: str, encoder: str | None) -> None:
    folder = registry.root / model_id
    folder.mkdir(parents=True)
    registry.save(ModelRecord(id=model_id, source="trained", created_at=now(), trained_by="ada", data_hash="0" * 64,
                              rasa_model_id=model_id, encoder=encoder))


def test_the_knowledge_base_follows_promotions_and_rollbacks(registry: Registry) -> None:
    used: list[Path | None] = []
    follower = LiveEncoder(registry, used.append)
    add(registry, "20261205-100000-aaaaaaaa", None)
    add(registry, "20261205-110000-bbbbbbbb", "encoder/abc")

    assert follower.current() is None and follower.sync() and used == [None]  # nothing live: the packaged model
    assert not follower.sync()  # nothing changed: nothing re-embedded
    registry.set_live("20261205-100000-aaaaaaaa", "ada", "promote")
    registry.set_live("20261205-110000-bbbbbbbb", "ada", "promote")
    assert follower.sync() and used[-1] == registry.root / "20261205-110000-bbbbbbbb" / "encoder" / "abc"
    assert follower.current() == used[-1]
    registry.set_live("20261205-100000-aaaaaaaa", "ada", "rollback")
    assert follower.sync() and used[-1] is None
