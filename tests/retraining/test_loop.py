"""The whole loop against the running Rasa server: review -> train -> evaluate -> promote -> rollback.

Through the admin API of a gateway with its own registry (tests/retraining/conftest.py), on the
session's Redis, database and Rasa. It leaves Rasa on the model it found.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from rasa_bridge import MODELS_DIR, RasaServer
from tests.retraining.conftest import NluGateway
from tests.support.clients import CustomerClient
from tests.support.system import RASA_TOKEN, RunningSystem

pytestmark = [pytest.mark.integration, pytest.mark.slow]
JOB_TIMEOUT_S = 900  # a training on 2 busy cores; usually 1-2 minutes
QUESTION = "Could you recommend a recipe for lemon drizzle cake?"


async def rasa_status(system: RunningSystem) -> dict[str, Any]:
    return await RasaServer(system.rasa_urls[0], RASA_TOKEN).status()


@pytest.fixture
async def rasa_left_as_found(system: RunningSystem) -> AsyncIterator[dict[str, Any]]:
    """Rasa's status before the test; afterwards Rasa runs that model again even if the test failed."""
    before = await rasa_status(system)
    yield before
    if (await rasa_status(system))["model_id"] != before["model_id"]:
        await RasaServer(system.rasa_urls[0], RASA_TOKEN).load(MODELS_DIR / before["model_file"])


class Admin:
    """The admin API of the test's gateway."""

    def __init__(self, gateway: NluGateway, headers: dict[str, str]) -> None:
        self.base = f"{gateway.url}/api/admin/nlu"
        self.headers = headers

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.base + path, headers=self.headers, timeout=600, **kwargs)

    def job_done(self, timeout_s: float = JOB_TIMEOUT_S) -> dict[str, Any]:
        """The latest job once it is not running any more (polls with a deadline)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = self.call("GET", "/job").json()["job"]
            if job is None or job["state"] != "running":
                return job or {}
            time.sleep(1.0)
        raise AssertionError(f"job still running after {timeout_s}s: {job}")


async def test_train_evaluate_promote_rollback_against_the_running_rasa(
    system: RunningSystem, nlu_gateway: NluGateway, admin_headers: dict[str, str],
    rasa_left_as_found: dict[str, Any],
) -> None:
    admin, before, timings = Admin(nlu_gateway, admin_headers), rasa_left_as_found, {}

    # A message the live bot could not handle reaches the review queue; the admin labels it.
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.bot_reply_after(await customer.say(QUESTION))
    await customer.close()
    items = admin.call("GET", "/review", params={"all": "true", "limit": 500}).json()["items"]
    item = next(i for i in items if i["text"] == QUESTION)
    assert admin.call("POST", f"/review/{item['id']}", json={"action": "label", "intent": "out_of_scope"}).is_success

    # Train in the background; meanwhile nothing else may run.
    admin.job_done()  # another job (e.g. the API fuzz test's) finishes first
    started = time.monotonic()
    job = admin.call("POST", "/train")
    assert job.status_code == 202 and job.json()["state"] == "running"
    busy = admin.call("POST", "/models/20261125-000000-00000000/promote")
    assert busy.status_code == 409 and busy.json()["code"] == "job_running" and "train job" in busy.json()["detail"]
    assert admin.call("POST", "/train").status_code == 409
    trained = admin.job_done()
    timings["train_s"] = time.monotonic() - started
    assert trained["state"] == "succeeded", trained
    model_id = trained["model_id"]
    model = admin.call("GET", f"/models/{model_id}").json()
    assert (model["source"], model["trained_by"], model["live"]) == ("trained", "admin", False)
    assert len(model["data_hash"]) == 64 and model["heldout_examples"] > 0
    snapshot = nlu_gateway.registry_dir / model_id / "data" / "training" / "nlu_reviewed.yml"
    assert QUESTION in snapshot.read_text()  # the label went into this training
    # The candidate has its own sentence encoder, fitted to the knowledge base; Rasa's featurizer uses it.
    encoder = nlu_gateway.registry_dir / model_id / model["encoder"]
    assert model["encoder"].startswith("encoder/") and (encoder / "model.safetensors").is_file()
    candidate_config = (nlu_gateway.registry_dir / model_id / "data" / "config.yml").read_text()
    assert f"model: {encoder}" in candidate_config
    packaged = admin.call("GET", "/models").json()["knowledge_base_encoder"]
    assert packaged == "sentence-transformers/all-MiniLM-L6-v2"  # not live yet
    assert (await rasa_status(system))["model_id"] == before["model_id"]  # the live model was not touched

    # Unevaluated models are not promoted; evaluation compares with the live model.
    assert admin.call("POST", f"/models/{model_id}/promote").json()["code"] == "not_evaluated"
    started = time.monotonic()
    assert admin.call("POST", f"/models/{model_id}/evaluate", json={"folds": 0}).status_code == 202
    evaluated = admin.job_done()
    timings["evaluate_s"] = time.monotonic() - started
    assert evaluated["state"] == "succeeded", evaluated
    evaluation = admin.call("GET", f"/models/{model_id}").json()["evaluation"]
    assert evaluation["holdout"]["accuracy"] > 0.5 and evaluation["holdout"]["examples"] == model["heldout_examples"]
    comparison = evaluation["comparison"]
    assert comparison["live_model"] == before["model_file"] and comparison["live_rasa_model_id"] == before["model_id"]
    assert set(comparison["f1_delta_per_intent"]) >= {"product_question", "out_of_scope"}
    for name in ("intent_report.json", "intent_confusion_matrix.png", "intent_errors.json"):
        assert f"evaluation/holdout/{name}" in evaluation["files"]
    png = admin.call("GET", f"/models/{model_id}/files/evaluation/holdout/intent_confusion_matrix.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    errors = admin.call("GET", f"/models/{model_id}/files/evaluation/holdout/intent_errors.json").json()
    assert all({"text", "intent", "intent_prediction"} <= set(e) for e in errors)
    # ...and what the bot would decide with each model for the customers' messages, side by side.
    containment = evaluation["containment"]
    assert containment["candidate"]["messages"] == containment["live"]["messages"] == 4
    assert containment["live_model"] == before["model_file"]
    assert containment["live"]["escalation_share"] == 1.0 and containment["live"]["contained_share"] >= 0.5
    assert containment["contained_delta"] == round(containment["candidate"]["contained_share"]
                                                   - containment["live"]["contained_share"], 4)

    # Promote: Rasa reports the new model, and the bot still answers.
    started = time.monotonic()
    promoted = admin.call("POST", f"/models/{model_id}/promote")
    timings["promote_s"] = time.monotonic() - started
    assert promoted.status_code == 200 and promoted.json()["live"] is True
    assert (await rasa_status(system))["model_id"] == model["rasa_model_id"]
    customer = await CustomerClient.open(system.gateway.ws_url)
    reply = await customer.bot_reply_after(await customer.say("How do I factory reset my Lumen Hub?"))
    await customer.close()
    assert reply["text"]
    listing = admin.call("GET", "/models").json()
    assert listing["live"] == model_id
    assert listing["knowledge_base_encoder"] == f"tandem-fitted/{encoder.name}"  # the knowledge base too
    baseline = next(m for m in listing["models"] if m["source"] == "adopted")  # what Rasa ran before
    assert baseline["rasa_model_id"] == before["model_id"]

    # Roll back to it; there is nothing before it.
    started = time.monotonic()
    rolled = admin.call("POST", "/rollback")
    timings["rollback_s"] = time.monotonic() - started
    assert rolled.status_code == 200 and rolled.json()["id"] == baseline["id"]
    assert (await rasa_status(system))["model_id"] == before["model_id"]
    assert admin.call("POST", "/rollback").json()["code"] == "nothing_to_roll_back"
    assert admin.call("GET", "/models").json()["knowledge_base_encoder"] == packaged  # back with the model
    print("retraining loop timings:", {k: round(v, 1) for k, v in timings.items()})
