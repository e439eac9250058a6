"""Tandem's own Rasa NLU components, loaded by Rasa from config.yml (``nlu.components.<Class>``).

This package runs inside the Rasa virtualenv (``.venv-rasa``), never in the gateway's: Rasa
imports it because ``rasa`` puts its working directory (the repository root) on ``sys.path``.
:mod:`nlu.embeddings` has no Rasa import, so its behaviour can be tested from either virtualenv.
"""
