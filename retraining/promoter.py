"""``promote`` and ``rollback``: change the model every Rasa server answers with, without downtime.

Each server loads the new archive (:meth:`rasa_bridge.RasaServer.load`: the old model answers until
the new one is ready) and must then report the new model's fingerprint in its status. If one server fails,
those already switched go back to the previous live model, so all servers keep answering with
the same model.

The first promotion also adopts the model the servers ran before (``make train``'s, found by its
file name in ``base_models_dir``) into the registry, so the first rollback can return to it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from rasa_bridge import RasaServer, RasaServerError
from retraining.errors import AlreadyLive, ContainsLess, NotEvaluated, NothingToRollBack, PromotionFailed
from retraining.registry import ModelRecord, Registry, served_file

logger = logging.getLogger(__name__)


async def promote(registry: Registry, servers: Sequence[RasaServer], model_id: str, *, by: str,
                  force: bool = False, base_models_dir: Path | None = None,
                  containment_tolerance: float = 0.01) -> ModelRecord:
    """Make ``model_id`` live on every server; unevaluated models, and models that contain more than
    ``containment_tolerance`` less of the containment set than the live one, only with ``force``."""
    record = registry.get(model_id)
    if record.evaluation is None and not force:
        raise NotEvaluated(model_id)
    if not force:
        _check_containment(record, containment_tolerance)
    live = registry.live()
    if live is not None and live.id == model_id:
        raise AlreadyLive(model_id)
    if live is None:
        live = await _adopt_served_model(registry, servers[0], base_models_dir, by)
    await _switch(registry, servers, record, fallback=live)
    with registry.locked():
        if live is not None and not registry.live_state().stack:
            registry.set_live(live.id, by, "promote")  # the adopted model: the bottom of the stack
        registry.set_live(model_id, by, "promote")
    logger.info("promoted model=%s by=%s servers=%d", model_id, by, len(servers))
    return registry.get(model_id)


def _check_containment(record: ModelRecord, tolerance: float) -> None:
    containment = record.evaluation.containment if record.evaluation else None
    if containment is None or containment.live is None or containment.contained_delta is None:
        return
    if containment.contained_delta < -tolerance:
        raise ContainsLess(record.id, containment.candidate.contained_share or 0.0,
                           containment.live.contained_share or 0.0)


async def rollback(registry: Registry, servers: Sequence[RasaServer], *, by: str) -> ModelRecord:
    """Return every server to the model that was live before the current one."""
    stack = registry.live_state().stack
    if len(stack) < 2:
        raise NothingToRollBack()
    current, previous = registry.get(stack[-1]), registry.get(stack[-2])
    await _switch(registry, servers, previous, fallback=current)
    with registry.locked():
        registry.set_live(previous.id, by, "rollback")
    logger.info("rolled back to model=%s from=%s by=%s", previous.id, current.id, by)
    return registry.get(previous.id)


async def _switch(registry: Registry, servers: Sequence[RasaServer], target: ModelRecord,
                  fallback: ModelRecord | None) -> None:
    """Load ``target`` on every server; on a failure, put the switched ones back on ``fallback``."""
    switched: list[RasaServer] = []
    for server in servers:
        try:
            await _load_and_check(server, registry.archive(target.id), target.rasa_model_id)
        except RasaServerError as exc:
            reverted = await _revert(registry, switched, fallback)
            raise PromotionFailed(f"{exc}; {reverted}") from exc
        switched.append(server)


async def _load_and_check(server: RasaServer, archive: Path, rasa_model_id: str) -> None:
    await server.load(archive)
    status = await server.status()
    if status.get("model_id") != rasa_model_id:
        raise RasaServerError(f"Rasa at {server.url} reports model {status.get('model_id')} after loading "
                              f"{archive.name}, expected {rasa_model_id}")


async def _revert(registry: Registry, switched: Sequence[RasaServer], fallback: ModelRecord | None) -> str:
    if not switched:
        return "no server was switched"
    if fallback is None:
        return f"{len(switched)} server(s) already run the new model and the old one is unknown"
    for server in switched:
        await server.load(registry.archive(fallback.id))
    return f"{len(switched)} server(s) switched back to {fallback.id}"


async def _adopt_served_model(registry: Registry, server: RasaServer, base_models_dir: Path | None,
                              by: str) -> ModelRecord | None:
    """The model the server runs before the registry's first promotion, copied into the registry."""
    status = await server.status()
    rasa_model_id = str(status.get("model_id", ""))
    known = registry.with_rasa_model_id(rasa_model_id)
    if known is not None:
        return known
    archive = served_file(status, base_models_dir)
    if archive is None:
        logger.warning("the served model %s is not in %s; rollback cannot return to it",
                       status.get("model_file"), base_models_dir)
        return None
    return registry.adopt(archive, rasa_model_id, by)
