"""The Rasa server's action-answer check (rasa_bridge/rasa_server.py), run where Rasa lives (.venv-rasa).

The replacement validates with a validator of Rasa's own schema built once; it must accept and refuse
exactly what Rasa's ``jsonschema.validate`` call does, with Rasa's error, and be much cheaper.
"""

from __future__ import annotations

import pytest

from tests.support.rasa_venv import rasa_script_result

pytestmark = [pytest.mark.unit]

SCRIPT = """
import json, runpy, time
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

action = RemoteAction("action_answer", None)
answers = {
    "valid": {"events": [{"event": "slot", "name": "article_id", "value": "hub-reset", "timestamp": None}],
              "responses": [{"text": "Hold the button for 10 s."}]},
    "empty": {},
    "bad_event": {"events": [{"event": "slot", "name": 3}], "responses": []},
    "bad_responses": {"events": [], "responses": "not a list"},
}

def outcomes():
    found = {}
    for name, answer in answers.items():
        try:
            found[name] = action._validate_action_result(answer)
        except ValidationError as error:
            found[name] = error.message
    return found

def seconds_per_call():
    started = time.perf_counter()
    for _ in range(20):
        action._validate_action_result(answers["valid"])
    return (time.perf_counter() - started) / 20

rasa_own, rasa_s = outcomes(), seconds_per_call()
server = runpy.run_path("rasa_bridge/rasa_server.py", run_name="rasa_server")
server["validate_action_results_once"]()
ours, ours_s = outcomes(), seconds_per_call()
print(json.dumps({"rasa": rasa_own, "ours": ours, "rasa_s": rasa_s, "ours_s": ours_s}))
"""


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    return rasa_script_result(SCRIPT)


def test_the_same_answers_pass_and_the_same_are_refused_with_rasas_error(report: dict[str, object]) -> None:
    rasa, ours = report["rasa"], report["ours"]
    assert ours == rasa
    assert isinstance(ours, dict)
    assert ours["valid"] is True and ours["empty"] is True
    for refused in ("bad_event", "bad_responses"):
        assert "Failed to validate Action server response" in ours[refused]


def test_the_schema_is_not_checked_again_for_every_answer(report: dict[str, object]) -> None:
    assert float(report["ours_s"]) * 5 < float(report["rasa_s"])  # measured: about 50 times cheaper
