"""The admin API's guard rails: the admin role, and 4xx answers that say what was wrong."""

from __future__ import annotations

import uuid

import httpx
import pytest

from retraining.nlu_yaml import read_examples
from retraining.review import Observation
from tests.retraining.conftest import NluGateway
from tests.support.system import staff_token

pytestmark = pytest.mark.integration
UNKNOWN = "20990101-000000-deadbeef"
ROUTES = [("GET", "/api/admin/nlu/models"), ("GET", f"/api/admin/nlu/models/{UNKNOWN}"),
          ("POST", "/api/admin/nlu/train"), ("POST", f"/api/admin/nlu/models/{UNKNOWN}/evaluate"),
          ("GET", "/api/admin/nlu/job"), ("POST", f"/api/admin/nlu/models/{UNKNOWN}/promote"),
          ("POST", "/api/admin/nlu/rollback"), ("GET", "/api/admin/nlu/review")]


def test_every_route_needs_the_admin_role(nlu_gateway: NluGateway) -> None:
    tokens = {user: staff_token(nlu_gateway.url, user) for user in ("agent1", "super", "content")}
    for method, path in ROUTES:
        assert httpx.request(method, nlu_gateway.url + path).status_code == 401, path
        for user, token in tokens.items():
            answer = httpx.request(method, nlu_gateway.url + path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 403, (path, user)
            assert "admin" in answer.json()["detail"]


def test_unknown_models_are_not_found_and_say_where_to_look(nlu_gateway: NluGateway,
                                                            admin_headers: dict[str, str]) -> None:
    for method, path in [("GET", f"/models/{UNKNOWN}"), ("GET", "/models/..logs"),
                         ("POST", f"/models/{UNKNOWN}/evaluate"),
                         ("GET", f"/models/{UNKNOWN}/files/evaluation/holdout/intent_report.json")]:
        answer = httpx.request(method, f"{nlu_gateway.url}/api/admin/nlu{path}", headers=admin_headers)
        assert answer.status_code == 404, path
        assert answer.json()["code"] == "model_not_found" and "python -m bot nlu models" in answer.json()["detail"]


def test_bad_evaluation_settings_are_refused_with_a_reason(nlu_gateway: NluGateway,
                                                           admin_headers: dict[str, str]) -> None:
    url = f"{nlu_gateway.url}/api/admin/nlu/models/{UNKNOWN}/evaluate"
    one_fold = httpx.post(url, json={"folds": 1}, headers=admin_headers)
    assert one_fold.status_code == 400 and "at least 2 folds" in one_fold.json()["detail"]
    assert httpx.post(url, json={"folds": 11}, headers=admin_headers).status_code == 422
    too_much = httpx.post(f"{nlu_gateway.url}/api/admin/nlu/train", json={"holdout_fraction": 1.0},
                          headers=admin_headers)
    assert too_much.status_code == 422


def test_review_labels_are_checked_against_the_domain(nlu_gateway: NluGateway,
                                                      admin_headers: dict[str, str]) -> None:
    text = f"does the hub speak klingon {uuid.uuid4().hex[:6]}"
    queue = nlu_gateway.review_queue()
    queue.add(Observation(session_id="api-test", message_key=f"api-test:{text}", text=text, intent="out_of_scope",
                          confidence=0.42, reason="nlu_fallback"))
    listed = httpx.get(f"{nlu_gateway.url}/api/admin/nlu/review", headers=admin_headers).json()
    item = next(i for i in listed["items"] if i["text"] == text)
    assert "product_question" in listed["intents"] and listed["counts"]["pending"] >= 1
    url = f"{nlu_gateway.url}/api/admin/nlu/review/{item['id']}"

    unknown = httpx.post(url, json={"action": "label", "intent": "smalltalk"}, headers=admin_headers)
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_intent"
    assert "product_question" in unknown.json()["detail"]
    missing = httpx.post(url, json={"action": "label"}, headers=admin_headers)
    assert missing.status_code == 400 and "needs an intent" in missing.json()["detail"]
    assert httpx.post(url, json={"action": "teleport"}, headers=admin_headers).status_code == 422
    gone = httpx.post(f"{nlu_gateway.url}/api/admin/nlu/review/999999999", json={"action": "dismiss"},
                      headers=admin_headers)
    assert gone.status_code == 404 and gone.json()["code"] == "review_item_not_found"

    labelled = httpx.post(url, json={"action": "label", "intent": "product_question"}, headers=admin_headers)
    assert labelled.status_code == 200 and labelled.json()["status"] == "labelled"
    assert labelled.json()["reviewed_by"] == "admin"
    assert text in read_examples(nlu_gateway.reviewed_file)["product_question"]


def test_rollback_without_an_earlier_model_is_refused(nlu_gateway: NluGateway, admin_headers: dict[str, str]) -> None:
    answer = httpx.post(f"{nlu_gateway.url}/api/admin/nlu/rollback", headers=admin_headers)
    assert answer.status_code == 409 and answer.json()["code"] == "nothing_to_roll_back"
