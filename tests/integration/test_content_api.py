"""The content API on the running system: curation, "what would the bot answer?", files, freshness."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from typing import Any

import httpx
import pytest

from tests.support.system import Gateway, RunningSystem, staff_token

pytestmark = [pytest.mark.integration]

GODS = {
    "id": "bulb-names-gods",
    "title": "Can I name my Lumen bulbs after Greek gods?",
    "body": "Yes. Open the Lumen app, tap the bulb, then **Rename**. Zeus and Athena are popular choices.",
    "product": "Lumen app",
    "tags": ["app", "names"],
    "questions": ["Is it allowed to call my lights Zeus or Apollo?"],
}


@pytest.fixture(scope="module")
def gateway_b(system: RunningSystem) -> Gateway:
    """A second gateway process with its own in-memory index (Rasa's actions still go to the first)."""
    if len(system.gateways) < 2:
        system.start_gateway()
    return system.gateways[1]


def ask(client: httpx.Client, question: str, base_url: str | None = None) -> dict[str, Any]:
    url = f"{base_url}/api/content/ask" if base_url else "/api/content/ask"
    response = client.post(url, json={"question": question})
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def test_curation_needs_a_content_or_admin_token(system: RunningSystem, agent_token: str) -> None:
    url = f"{system.gateway.url}/api/content/articles"

    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {agent_token}"}).status_code == 403
    admin = staff_token(system.gateway.url, "admin")
    assert httpx.get(url, headers={"Authorization": f"Bearer {admin}"}).status_code == 200


def test_an_article_goes_from_draft_to_answer_to_retired_with_its_history(content: httpx.Client) -> None:
    created = content.post("/api/content/articles", json=GODS)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    assert content.post("/api/content/articles", json=GODS).status_code == 409
    assert ask(content, GODS["title"])["decision"]["article_ids"] != [GODS["id"]]  # drafts are not answered

    edited = content.put(f"/api/content/articles/{GODS['id']}", json={**GODS, "body": "Yes, any name you like."})
    published = content.post(f"/api/content/articles/{GODS['id']}/publish")
    answered = ask(content, "Is it allowed to call my lights Zeus or Apollo?")
    content.post(f"/api/content/articles/{GODS['id']}/retire")
    after = ask(content, "Is it allowed to call my lights Zeus or Apollo?")
    history = content.get(f"/api/content/articles/{GODS['id']}/history").json()["revisions"]

    assert edited.json()["version"] == 2 and published.json()["status"] == "published"
    assert answered["decision"] | {"reason": None, "signals": None} == {
        "action": "answer", "reason": None, "article_ids": [GODS["id"]], "answer": "Yes, any name you like.",
        "decided_by": "confident_article", "signals": None}
    best = answered["candidates"][0]
    assert best["offered"] and set(best["signals"]) == {"paraphrase", "question", "body", "lexical"}
    assert GODS["id"] not in [c["article_id"] for c in after["candidates"]]
    assert [(r["version"], r["action"], r["actor"]) for r in history] == [
        (1, "created", "content"), (2, "edited", "content"), (3, "published", "content"), (4, "retired", "content")]
    assert history[0]["body"] == GODS["body"]
    audit = content.get("/api/content/audit", params={"limit": 1}).json()["revisions"]
    assert (audit[0]["article_id"], audit[0]["action"]) == (GODS["id"], "retired")


def test_unknown_articles_and_invalid_ones_get_clear_errors(content: httpx.Client) -> None:
    missing = content.post("/api/content/articles/no-such-article/publish")
    invalid = content.post("/api/content/articles", json={**GODS, "id": "Not A Slug!"})

    assert missing.status_code == 404 and "no-such-article" in missing.json()["detail"]
    assert invalid.status_code == 400 and "id must be a slug" in invalid.json()["detail"]


def test_what_would_the_bot_answer_shows_a_clarification_and_an_escalation(content: httpx.Client) -> None:
    unrelated = ask(content, "What is the boiling point of tungsten?")

    assert unrelated["decision"]["action"] == "escalate"
    assert unrelated["decision"]["article_ids"] == [] and len(unrelated["candidates"]) >= 3
    assert {"answer_threshold", "answer_margin", "clarify_threshold"} <= set(unrelated["thresholds"])


def test_a_csv_import_is_idempotent_and_every_export_format_reads_back(content: httpx.Client) -> None:
    faq = "question,answer,status\nDo Lumen bulbs work in a sauna?,No: they are rated up to 40 °C.,published\n"
    files = {"file": ("sauna.csv", faq.encode(), "text/csv")}

    first = content.post("/api/content/import", files=files)
    second = content.post("/api/content/import", files=files)
    as_json = content.get("/api/content/export", params={"format": "json", "status": "published"})
    as_csv = content.get("/api/content/export", params={"format": "csv"})
    as_zip = content.get("/api/content/export", params={"format": "markdown"})

    assert first.json()["created"] == ["do-lumen-bulbs-work-in-a-sauna"]
    assert second.json() | {"unchanged": []} == {"created": [], "updated": [], "unchanged": []}
    assert "do-lumen-bulbs-work-in-a-sauna" in second.json()["unchanged"]
    assert ask(content, "can I put a lumen bulb in my sauna")["decision"]["article_ids"][0] == \
        "do-lumen-bulbs-work-in-a-sauna"
    published = {a["id"] for a in json.loads(as_json.content)}
    assert "do-lumen-bulbs-work-in-a-sauna" in published and len(published) >= 60  # the demo articles too
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert {row["id"] for row in csv.DictReader(io.StringIO(as_csv.text))} >= published
    names = zipfile.ZipFile(io.BytesIO(as_zip.content)).namelist()
    assert "do-lumen-bulbs-work-in-a-sauna.md" in names
    again = content.post("/api/content/import", files={"file": ("all.zip", as_zip.content, "application/zip")})
    assert again.json()["created"] == [] and again.json()["updated"] == []


def test_an_invalid_upload_imports_nothing_and_says_why(content: httpx.Client) -> None:
    bad = "question,answer\nFine question?,Fine answer.\n,An answer without a question.\n"

    response = content.post("/api/content/import", files={"file": ("bad.csv", bad.encode(), "text/csv")})

    assert response.status_code == 400 and "bad.csv row 3" in response.json()["detail"]
    assert content.get("/api/content/articles", params={"q": "Fine answer"}).json()["articles"] == []


def test_an_edit_on_one_gateway_is_answerable_on_another_within_a_second(
    content: httpx.Client, gateway_b: Gateway
) -> None:
    article = {**GODS, "id": "bulb-names-planets", "title": "Can I name my Lumen bulbs after the planets?",
               "questions": ["May I call my lamps Jupiter and Saturn?"], "status": "published"}
    question = "May I call my lamps Jupiter and Saturn?"
    assert ask(content, question, gateway_b.url)["decision"]["action"] != "answer"

    content.post("/api/content/articles", json=article).raise_for_status()
    saved_at = time.monotonic()
    while True:
        asked_after = time.monotonic() - saved_at
        decision = ask(content, question, gateway_b.url)["decision"]
        if decision["article_ids"][:1] == [article["id"]] and decision["action"] == "answer":
            break
        assert asked_after < 1.0, f"gateway B still decides {decision} {asked_after:.2f}s after the edit"
    assert asked_after < 1.0


def test_edits_to_a_live_article_wait_as_a_draft_that_is_reviewed_then_published(content: httpx.Client) -> None:
    # No names in the question: the bot reads customers' messages with names redacted.
    article = {**GODS, "id": "bulb-names-heroes", "title": "Can I name my Lumen bulbs after heroes?",
               "questions": ["May I name my lamps after heroes of the old stories?"]}
    path = f"/api/content/articles/{article['id']}"
    content.post("/api/content/articles", json=article).raise_for_status()
    live = content.post(f"{path}/publish").json()
    question = "May I name my lamps after heroes of the old stories?"

    saved = content.put(path, json={**article, "status": "published", "body": "Only names of ten letters or fewer."})
    assert saved.status_code == 200 and saved.json()["has_draft"] and saved.json()["body"] == article["body"]
    assert ask(content, question)["decision"]["answer"] == article["body"]  # customers still get the live one
    draft = content.get(f"{path}/draft").json()
    assert draft["article"]["body"] == "Only names of ten letters or fewer." and draft["saved_by"] == "content"
    assert draft["base_version"] == live["version"]
    listed = content.get("/api/content/articles", params={"q": "heroes"}).json()["articles"]
    assert [a["has_draft"] for a in listed] == [True]

    review = content.get(f"{path}/diff").json()
    assert review["base"] == f"v{live['version']} (live)" and review["target"] == "draft by content"
    assert f"-{article['body']}" in review["lines"] and "+Only names of ten letters or fewer." in review["lines"]

    published = content.post(f"{path}/publish").json()
    assert published["body"] == "Only names of ten letters or fewer." and not published["has_draft"]
    assert ask(content, question)["decision"]["answer"] == "Only names of ten letters or fewer."
    assert content.get(f"{path}/draft").status_code == 404

    old = content.get(f"{path}/versions/{live['version']}").json()
    assert old["body"] == article["body"]
    history = content.get(f"{path}/diff", params={"base": live["version"], "target": published["version"]}).json()
    assert "+Only names of ten letters or fewer." in history["lines"]
    restored = content.post(f"{path}/restore", json={"version": live["version"]}).json()
    assert restored["has_draft"] and restored["body"] == "Only names of ten letters or fewer."  # live unchanged
    assert content.get(f"{path}/draft").json()["article"]["body"] == article["body"]
    assert content.delete(f"{path}/draft").status_code == 204
    assert content.delete(f"{path}/draft").status_code == 404
    assert content.get(f"{path}/versions/99").status_code == 404
    assert content.post(f"{path}/restore", json={"version": 0}).status_code == 422
    assert content.get(f"{path}/diff", params={"target": "latest"}).status_code == 422


def test_drafts_need_the_content_role(system: RunningSystem, agent_token: str) -> None:
    url = f"{system.gateway.url}/api/content/articles/hub-reset"
    agent = {"Authorization": f"Bearer {agent_token}"}
    assert httpx.get(f"{url}/draft").status_code == 401
    assert httpx.get(f"{url}/draft", headers=agent).status_code == 403
    assert httpx.post(f"{url}/restore", headers=agent, json={"version": 1}).status_code == 403
    assert httpx.delete(f"{url}/draft", headers=agent).status_code == 403


def test_finding_articles_by_words_in_any_order_product_tag_and_last_edit(content: httpx.Client) -> None:
    def ids(**params: str) -> list[str]:
        response = content.get("/api/content/articles", params=params)
        response.raise_for_status()
        return [a["id"] for a in response.json()["articles"]]

    assert "hub-reset" in ids(q="reset hub") and "hub-reset" in ids(q="hub reset")  # words, not one literal string
    assert ids(q="reset hub zebra") == []
    hub = ids(product="lumen hub")
    assert "hub-reset" in hub and "bulb-reset" not in hub
    assert set(ids(tag="Troubleshooting", q="reset")) >= {"hub-reset"}
    edited = {**GODS, "id": "bulb-names-titans", "title": "Can I name my bulbs after Titans?"}
    content.post("/api/content/articles", json=edited).raise_for_status()
    newest = content.get("/api/content/articles", params={"sort": "last_edit"}).json()["articles"][0]
    assert (newest["id"], newest["last_editor"]) == ("bulb-names-titans", "content")
    assert content.get("/api/content/articles", params={"sort": "newest"}).status_code == 422
