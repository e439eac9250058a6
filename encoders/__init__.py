"""Sentence encoders on ONNX Runtime, and the model workers that serve them to every process.

- :mod:`encoders.sentence`: one model on ONNX Runtime, in-process (the workers, offline jobs);
- :mod:`encoders.worker`: the model worker process (``python -m encoders.worker``);
- :mod:`encoders.remote`: its client, used by the gateway and by Rasa's featurizer;
- :mod:`encoders.protocol`: what they say to each other over Redis.

Both virtualenvs import this package (the gateway's and Rasa's), so it needs nothing beyond
numpy, onnxruntime and transformers' tokenizer at run time; torch is used once per machine, to
export a packaged sentence-transformers model to ONNX (docs/capacity.md says why and what it
saves).
"""

from encoders.sentence import DEFAULT_CACHE_DIR, EncoderUnavailable, Precision, SentenceEncoder

__all__ = ["DEFAULT_CACHE_DIR", "EncoderUnavailable", "Precision", "SentenceEncoder"]
