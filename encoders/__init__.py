"""Sentence encoders on ONNX Runtime, shared by the knowledge base and Rasa's featurizer.

Both virtualenvs import this package (the gateway's and Rasa's), so it needs nothing beyond
numpy, onnxruntime and transformers' tokenizer at run time; torch is used once per machine, to
export a packaged sentence-transformers model to ONNX (docs/capacity.md says why and what it
saves).
"""

from encoders.sentence import DEFAULT_CACHE_DIR, EncoderUnavailable, Precision, SentenceEncoder

__all__ = ["DEFAULT_CACHE_DIR", "EncoderUnavailable", "Precision", "SentenceEncoder"]
