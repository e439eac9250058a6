"""The NLU retraining page in real Chromium: review what the bot misunderstood, and the model registry.

The page talks to a gateway of its own with a temporary model registry and reviewed-examples file
(labelling in the test never touches training_data/), over the session's Redis, database and Rasa.
The registry is seeded with an adopted live model and an evaluated candidate; nothing is trained.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from playwright.sync_api import BrowserContext, expect

from retraining.jobs import JOB_KEY, LOCK_KEY
from retraining.nlu_yaml import read_examples
from retraining.registry import Evaluation, IntentScore, Metrics, ModelRecord, Registry
from tests.browser.staff import sign_in
from tests.support.clients import CustomerClient
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]
GIBBERISH = "blorp the frobnicator twice"
# Markup around words no intent or article knows, so the bot is unsure whatever the model's confidence
# on a product word would be: the message must reach the review queue and stay text there.
XSS = 'wibble <img src=x onerror="document.body.dataset.pwned=1"> <b>zorptastic</b> flange'
LIVE_ID = "20990101-000000-aaaaaaaa"
CANDIDATE_ID = "20990102-000000-bbbbbbbb"
MATRIX = "evaluation/holdout/intent_confusion_matrix.png"
ONE_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def seed_registry(registry: Registry) -> None:
    """An adopted model that is live, and a trained candidate evaluated on a held-out split."""
    created = datetime(2099, 1, 1, tzinfo=UTC)
    live = ModelRecord(id=LIVE_ID, source="adopted", created_at=created, trained_by="adopted by admin",
                       data_hash="", rasa_model_id="live-fingerprint")
    scores = {"product_question": IntentScore(precision=0.95, recall=0.9, f1=0.924, support=20),
              "out_of_scope": IntentScore(precision=0.8, recall=0.888, f1=0.842, support=9)}
    holdout = Metrics(accuracy=0.931, macro_f1=0.883, weighted_f1=0.9, examples=29, per_intent=scores)
    candidate = ModelRecord(
        id=CANDIDATE_ID, source="trained", created_at=created + timedelta(days=1), trained_by="admin",
        data_hash="ab12" * 16, rasa_model_id="candidate-fingerprint", holdout_fraction=0.2, heldout_examples=29,
        evaluation=Evaluation(evaluated_at=created + timedelta(days=1), evaluated_by="admin", holdout=holdout,
                              files=[MATRIX]))
    for record in (live, candidate):
        (registry.root / record.id).mkdir(parents=True)
        registry.save(record)
    (registry.root / CANDIDATE_ID / MATRIX).parent.mkdir(parents=True)
    (registry.root / CANDIDATE_ID / MATRIX).write_bytes(ONE_PIXEL_PNG)
    with registry.locked():
        registry.set_live(LIVE_ID, "admin", "promote")


@dataclass
class AdminGateway:
    """A gateway whose registry and reviewed-examples file are the test's own."""

    url: str
    reviewed_file: Path


@pytest.fixture(scope="module")
def admin_gateway(system: RunningSystem, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminGateway]:
    folder = tmp_path_factory.mktemp("admin-page")
    seed_registry(Registry(folder / "models"))
    gateway = system.start_gateway(extra_env={
        "TANDEM_RETRAINING__REGISTRY_DIR": str(folder / "models"),
        "TANDEM_RETRAINING__REVIEWED_FILE": str(folder / "nlu_reviewed.yml"),
    })
    try:
        yield AdminGateway(gateway.url, folder / "nlu_reviewed.yml")
    finally:
        gateway.child.stop()
        system.gateways.remove(gateway)


def customers_say(ws_url: str, *texts: str) -> None:
    """Each text from a new customer over the WebSocket, waiting for the bot's reply (in a thread:
    sync Playwright holds the main thread's event loop)."""

    async def conversations() -> None:
        for text in texts:
            customer = await CustomerClient.open(ws_url)
            await customer.bot_reply_after(await customer.say(text))
            await customer.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, conversations()).result()


def test_a_content_account_is_told_the_page_needs_the_admin_role(admin_gateway: AdminGateway,
                                                                 context: BrowserContext) -> None:
    page = sign_in(context, admin_gateway.url + "/admin", "content")

    expect(page.locator("#login-error")).to_contain_text("needs the admin role")
    expect(page.locator("#app-view")).to_be_hidden()


def test_an_admin_labels_what_the_bot_did_not_understand(system: RunningSystem, admin_gateway: AdminGateway,
                                                         context: BrowserContext) -> None:
    customers_say(system.gateway.ws_url, GIBBERISH, XSS)
    page = sign_in(context, admin_gateway.url + "/admin", "admin")

    item = page.locator(".review-item", has=page.locator(".review-text", has_text=GIBBERISH))
    expect(item).to_be_visible()
    expect(item.locator(".review-meta")).to_contain_text("predicted")
    expect(item.locator(".review-bot")).to_contain_text("Bot said:")  # the context: what the bot answered
    risky = page.locator(".review-item", has=page.locator(".review-text", has_text="zorptastic"))
    expect(risky.locator(".review-text")).to_contain_text('<img src=x onerror="document.body.dataset.pwned=1">')
    assert page.locator("#review-list img, #review-list b").count() == 0  # text stays text
    assert page.evaluate("document.body.dataset.pwned") is None

    item.locator(".label-btn").click()  # no intent chosen yet: told so, nothing sent
    expect(item.locator(".item-error")).to_have_text("Choose the intent this message should have had.")
    item.locator(".intent-select").select_option("out_of_scope")
    item.locator(".label-btn").click()

    expect(page.locator("#page-message")).to_contain_text("Labelled as out_of_scope")
    expect(item).to_have_count(0)
    assert page.evaluate("document.activeElement.className") in ("intent-select", "pane-heading")  # focus kept
    page.select_option("#review-filter", "labelled")
    expect(page.locator(".review-item", has_text=GIBBERISH)).to_contain_text("labelled as out_of_scope by admin")
    assert GIBBERISH in read_examples(admin_gateway.reviewed_file)["out_of_scope"]


def test_an_admin_sees_the_models_their_scores_and_the_confusion_matrix(admin_gateway: AdminGateway,
                                                                         context: BrowserContext) -> None:
    page = sign_in(context, admin_gateway.url + "/admin", "admin")

    live = page.locator(f"#model-rows tr[data-model-id='{LIVE_ID}']")
    candidate = page.locator(f"#model-rows tr[data-model-id='{CANDIDATE_ID}']")
    expect(live.locator(".live-badge")).to_have_text("live")
    expect(live).to_contain_text("not evaluated")
    expect(candidate).to_contain_text("93.1 %")
    expect(candidate).to_contain_text("0.883")
    expect(candidate).to_contain_text("ab12ab12ab12")
    expect(candidate.locator(".live-badge")).to_have_count(0)

    candidate.locator(".model-link").click()
    expect(page.locator("#detail-heading")).to_contain_text(CANDIDATE_ID)
    report = page.locator("#detail-reports table.report")
    expect(report.locator("tbody tr", has_text="product_question")).to_contain_text("0.924")
    matrix = page.locator("#detail-images img")
    expect(matrix).to_have_attribute("src", re.compile(r"^blob:"))
    page.wait_for_function("document.querySelector('#detail-images img').naturalWidth === 1")

    # Only one model was ever live: nothing to roll back to, so the button says so instead of failing.
    expect(page.locator("#rollback-btn")).to_be_disabled()
    expect(page.locator("#rollback-btn")).to_have_attribute("title", re.compile("Nothing to roll back to"))
    # Rasa runs a model the registry does not hold (trained by the test system, not through the registry).
    expect(page.locator("#model-rows tr.served-row")).to_contain_text("outside the registry")

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.click("#train-btn")  # a long job: it asks first, and "Cancel" starts nothing
    assert dialogs and "Train a new model" in dialogs[0]
    expect(page.locator("#train-btn")).to_be_enabled()
    expect(page.locator("#page-message")).not_to_contain_text("Training started")


def test_a_running_jobs_progress_is_polled_and_its_model_opens_when_it_ends(
    system: RunningSystem, admin_gateway: AdminGateway, context: BrowserContext
) -> None:
    store = redis.Redis.from_url(system.redis_url)
    store.set(LOCK_KEY, "browser-test", ex=60)  # as a gateway training now would hold it
    store.hset(JOB_KEY, mapping={"id": "browser-test", "kind": "train", "state": "running", "started_by": "admin",
                                 "started_at": datetime.now(UTC).isoformat(),
                                 "progress": "training DIETClassifier 45%"})
    try:
        page = sign_in(context, admin_gateway.url + "/admin", "admin")
        expect(page.locator("#job-text")).to_contain_text("train by admin")
        expect(page.locator("#job-text")).to_contain_text("running: training DIETClassifier 45%")
        expect(page.locator("#job-progress")).to_have_attribute("value", "45")
        expect(page.locator("#train-btn")).to_be_disabled()

        store.hset(JOB_KEY, mapping={"state": "succeeded", "model_id": CANDIDATE_ID,
                                     "finished_at": datetime.now(UTC).isoformat()})
        store.delete(LOCK_KEY)
        expect(page.locator("#job-text")).to_contain_text("succeeded, ended")
        expect(page.locator("#detail-heading")).to_contain_text(CANDIDATE_ID)
        expect(page.locator("#train-btn")).to_be_enabled()
    finally:
        store.delete(LOCK_KEY, JOB_KEY)


def test_an_admin_dismisses_several_review_items_at_once(system: RunningSystem, admin_gateway: AdminGateway,
                                                         context: BrowserContext) -> None:
    texts = ["quuxle the grommet sideways", "snargle my wumpus backwards"]
    customers_say(system.gateway.ws_url, *texts)
    page = sign_in(context, admin_gateway.url + "/admin", "admin")
    items = [page.locator(".review-item", has=page.locator(".review-text", has_text=text)) for text in texts]
    expect(page.locator("#bulk-dismiss")).to_be_disabled()
    for item in items:
        item.locator(".review-select").check()
    expect(page.locator("#bulk-count")).to_have_text("2 selected")

    page.click("#bulk-dismiss")

    expect(page.locator("#page-message")).to_have_text("Dismissed 2.")
    for item in items:
        expect(item).to_have_count(0)
    assert page.evaluate("document.activeElement.className") in ("intent-select", "pane-heading")
    page.select_option("#review-filter", "dismissed")
    expect(page.locator(".review-item", has_text=texts[0])).to_contain_text("dismissed by admin")
