"""The content API's customers' vocabulary and draft preview, on the running system."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.system import RunningSystem
from tests.support.system import demo_vocabulary as seeded_vocabulary

pytestmark = [pytest.mark.integration]

DRAFT = {
    "id": "hub-purple-light",
    "title": "Why does my Lumen Hub glow purple?",
    "body": "Purple means the hub is installing a firmware update. Leave it plugged in for ten minutes.",
    "product": "Lumen Hub",
    "questions": ["The hub light is purple and it ignores me"],
}


@pytest.fixture
def demo_vocabulary(content: httpx.Client) -> Iterator[dict[str, Any]]:
    """The seeded vocabulary, put in place before the test (an earlier test may have fuzzed it) and after."""
    content.put("/api/content/vocabulary", json=seeded_vocabulary()).raise_for_status()
    seeded: dict[str, Any] = content.get("/api/content/vocabulary").json()
    yield seeded
    content.put("/api/content/vocabulary", json=seeded).raise_for_status()


def test_vocabulary_and_preview_need_a_content_or_admin_token(system: RunningSystem, agent_token: str) -> None:
    agent = {"Authorization": f"Bearer {agent_token}"}
    for method, path, body in [("GET", "/api/content/vocabulary", None),
                               ("PUT", "/api/content/vocabulary/Lumen%20Hub", {"synonyms": ["x"]}),
                               ("DELETE", "/api/content/vocabulary/Lumen%20Hub", None),
                               ("POST", "/api/content/preview", {"question": "q", "article_id": "hub-setup"})]:
        url = f"{system.gateway.url}{path}"
        assert httpx.request(method, url, json=body).status_code == 401
        assert httpx.request(method, url, json=body, headers=agent).status_code == 403


def test_the_demo_vocabulary_is_seeded_and_a_synonym_is_read_as_the_product(
    content: httpx.Client, demo_vocabulary: dict[str, Any]
) -> None:
    hub = next(term for term in demo_vocabulary["terms"] if term["name"] == "Lumen Hub")
    assert {"Lumen bridge", "base station"} <= set(hub["synonyms"]) and hub["kind"] == "product"

    asked = content.post("/api/content/ask", json={"question": "my base station keeps going offline"}).json()

    assert asked["synonyms"] == [{"phrase": "base station", "term": "Lumen Hub"}]
    assert asked["candidates"][0]["article_id"] == "hub-offline"


def test_terms_are_added_edited_and_deleted_and_bad_ones_say_why_and_change_nothing(
    content: httpx.Client, demo_vocabulary: dict[str, Any]
) -> None:
    added = content.put("/api/content/vocabulary/returns", json={"kind": "word", "synonyms": ["send back"]})
    conflict = content.put("/api/content/vocabulary/Lumen%20Strip", json={"synonyms": ["base station"]})
    empty = content.put("/api/content/vocabulary/warranty", json={"synonyms": []})
    bad_kind = content.put("/api/content/vocabulary/warranty", json={"kind": "gadget", "synonyms": ["x"]})
    deleted = content.delete("/api/content/vocabulary/returns")
    missing = content.delete("/api/content/vocabulary/returns")
    bad_import = content.put("/api/content/vocabulary", json={"terms": [
        {"name": "A", "kind": "word", "synonyms": ["same"]}, {"name": "B", "kind": "word", "synonyms": ["same"]}]})

    assert added.status_code == 200 and {"name": "returns", "kind": "word", "synonyms": ["send back"]} in \
        added.json()["terms"]
    assert conflict.status_code == 400 and "'base station' belongs to both 'Lumen Hub' and 'Lumen Strip'" in \
        conflict.json()["detail"]
    assert empty.status_code == 422 and bad_kind.status_code == 422
    assert deleted.status_code == 200 and "returns" not in {t["name"] for t in deleted.json()["terms"]}
    assert missing.status_code == 404 and "no vocabulary term is named 'returns'" in missing.json()["detail"]
    assert bad_import.status_code == 400 and "'same' belongs to both" in bad_import.json()["detail"]
    assert content.get("/api/content/vocabulary").json() == demo_vocabulary  # nothing else was lost


def test_an_unsaved_draft_is_previewed_against_the_published_articles_and_nothing_is_saved(
    content: httpx.Client
) -> None:
    question = "my hub glows purple and ignores me"

    preview = content.post("/api/content/preview", json={"question": question, "article": DRAFT})

    assert preview.status_code == 200
    result = preview.json()
    assert result["draft"]["rank"] == 1 and result["draft"]["offered"]
    assert result["candidates"][0]["article_id"] == DRAFT["id"]
    assert result["decision"]["decided_by"] == "confident_article" and "best_score" in result["decision"]["signals"]
    assert content.get(f"/api/content/articles/{DRAFT['id']}").status_code == 404
    live = content.post("/api/content/ask", json={"question": question}).json()
    assert DRAFT["id"] not in {c["article_id"] for c in live["candidates"]}


def test_a_saved_draft_is_previewed_by_id_and_bad_requests_say_what_is_missing(content: httpx.Client) -> None:
    saved = {**DRAFT, "id": "hub-purple-saved"}
    content.post("/api/content/articles", json=saved).raise_for_status()

    by_id = content.post("/api/content/preview", json={"question": "hub light purple", "article_id": saved["id"]})
    neither = content.post("/api/content/preview", json={"question": "hub light purple"})
    unknown = content.post("/api/content/preview", json={"question": "hub light purple", "article_id": "nope"})

    assert by_id.status_code == 200 and by_id.json()["draft"]["rank"] is not None
    assert content.get(f"/api/content/articles/{saved['id']}").json()["status"] == "draft"
    assert neither.status_code == 422 and "give the draft to preview" in neither.text
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]


def test_what_would_the_bot_answer_runs_the_live_routing_decision_with_the_classifier(
    content: httpx.Client, demo_vocabulary: dict[str, Any]
) -> None:
    netflix = "my Netflix app keeps buffering, how do I fix it?"
    other_brand = content.post("/api/content/ask", json={"question": netflix})
    ours = content.post("/api/content/ask", json={"question": "how do I factory reset the Lumen Hub?"})

    handed_over, answered = other_brand.json()["decision"], ours.json()["decision"]
    assert (handed_over["action"], handed_over["reason"], handed_over["article_ids"]) == ("escalate", "third_party", [])
    assert handed_over["decided_by"] in {"other_brand", "classifier_veto", "classifier_reason"}
    assert handed_over["signals"]["intents"][0][0] == "third_party_question"
    assert "Netflix" in handed_over["signals"]["entities"]["brand"]
    assert (answered["action"], answered["article_ids"], answered["decided_by"]) == (
        "answer", ["hub-reset"], "confident_article")
    assert answered["signals"]["intents"] and answered["signals"]["rule"] == "confident_article"


def test_a_draft_preview_shows_the_routing_decision_for_the_draft(content: httpx.Client) -> None:
    previewed = content.post("/api/content/preview", json={"question": "the hub light is purple, what does it mean?",
                                                           "article": DRAFT}).json()

    assert previewed["draft"]["rank"] == 1 and previewed["draft"]["offered"]
    assert previewed["decision"]["decided_by"] not in {"knowledge_base", ""}
    assert previewed["decision"]["signals"]["intents"]
