"""``rasa run`` as the ``rasa`` command runs it, with the action server's answers checked by a validator built once.

Run by the Rasa virtualenv's Python (:func:`rasa_bridge.commands.server_command`), never imported
by the gateway. Usage: ``rasa_server.py run [rasa run's options]``.

Why: every custom action's answer (``POST /webhook`` on the gateway) is checked by Rasa 3.6's
``RemoteAction._validate_action_result`` with ``jsonschema.validate``, which first checks the
*schema itself* against the JSON Schema meta-schema, on every call. Rasa's response schema holds
every event type, so under load that check was 58 % of a Rasa server's CPU (py-spy, load.py
``--concurrency 200``; docs/capacity.md). Here the same schema is checked once, when the server
starts, and each answer is validated against it exactly as before: an invalid answer is still
refused with Rasa's own error (tests/rasa_bridge/test_rasa_server.py).
"""

import sys
from pathlib import Path
from typing import Any

# The project (Tandem's NLU components the model names), not this folder, whose module names
# (errors, commands) would shadow others'.
sys.path[0] = str(Path(__file__).resolve().parents[1])

#: The Rasa release whose ``RemoteAction._validate_action_result`` this replaces (requirements/rasa.lock).
RASA_VERSION = "3.6.21"


def validate_action_results_once() -> None:
    """Make ``RemoteAction`` validate answers with one validator of Rasa's own schema, checked once."""
    import rasa
    from jsonschema import validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(f"rasa_server.py replaces a method of Rasa {RASA_VERSION}, not {rasa.__version__}: "
                           "check RemoteAction._validate_action_result before changing the lock")
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate did on every answer
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (". Failed to validate Action server response from API, make sure your response "
                          "from the Action endpoint is valid. For more information about the format visit "
                          f"{DOCS_BASE_URL}/custom-actions")  # Rasa's own words
        raise error

    RemoteAction._validate_action_result = _validate_action_result


def main() -> None:
    validate_action_results_once()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
