"""Everything Tandem knows about Rasa, in one place.

Rasa runs as its own server from its own virtualenv; Tandem talks to it only through here:

- :mod:`~rasa_bridge.conversation`: a customer's message over the REST channel, pinned to one of
  several servers with failover (:mod:`~rasa_bridge.pinning`); ``parse`` (intent ranking and
  entities of a text, no conversation touched); readiness; the tracker's Redis key and its erasure.
- :mod:`~rasa_bridge.admin`: the HTTP API for operators: status, load a model, test intents, read
  a tracker.
- :mod:`~rasa_bridge.commands`: the command line: train, split NLU data, test NLU, serve a model.
- :mod:`~rasa_bridge.artefacts`: the binary, config, domain, training files, models folder, and
  the environment endpoints.yml reads.
- :mod:`~rasa_bridge.errors`: what goes wrong, as one small hierarchy.

It imports nothing of Tandem's other packages: callers pass their settings in.
``python -m rasa_bridge train`` is ``make train``.
"""

from rasa_bridge.admin import RasaServer, server_ready
from rasa_bridge.artefacts import MODELS_DIR, RASA_BIN, TRAINING_FILES, endpoints_env, model_fingerprint
from rasa_bridge.commands import Logged, OnProgress, Progress, server_command, train_project
from rasa_bridge.conversation import BotReply, Entity, IntentGuess, Parse, RasaClient, erase_tracker, tracker_key
from rasa_bridge.errors import RasaCommandFailed, RasaError, RasaServerError, RasaUnavailable

__all__ = [
    "MODELS_DIR", "RASA_BIN", "TRAINING_FILES", "BotReply", "Entity", "IntentGuess", "Logged", "OnProgress",
    "Parse", "Progress", "RasaClient", "RasaCommandFailed", "RasaError", "RasaServer", "RasaServerError",
    "RasaUnavailable", "endpoints_env", "erase_tracker", "model_fingerprint", "server_command", "server_ready",
    "tracker_key", "train_project",
]
