"""Tandem's knowledge base: articles, retrieval by meaning, and the answer decision.

Public surface: :func:`build_knowledge_base` (what the gateway calls) and the
:class:`KnowledgeBase` it returns (``search``, ``decide`` and the curation verbs), the value
objects they take and return, the protocols a replacement store, embedder or index must
satisfy, and the errors in :mod:`knowledge_base.errors`. The SQL store, the FAISS index and
the MiniLM embedder stay in their modules (``articles``, ``index``, ``embedder``).
"""

from knowledge_base.articles import Article, ArticleRepository, ArticleStatus, Change
from knowledge_base.decision import Action, Candidate, Decision, Reason, Thresholds, ThresholdSettings, decide
from knowledge_base.embedder import Embedder
from knowledge_base.errors import (
    ArticleNotFound,
    EmbedderUnavailable,
    IndexCorrupt,
    IndexModelMismatch,
    IndexNotFound,
    IndexUnusable,
    InvalidArticle,
    InvalidThresholds,
    KnowledgeBaseError,
)
from knowledge_base.index import ArticleIndex, Hit
from knowledge_base.service import ImportReport, IndexReport, KnowledgeBase, build_knowledge_base

__all__ = [
    "Action",
    "Article",
    "ArticleIndex",
    "ArticleNotFound",
    "ArticleRepository",
    "ArticleStatus",
    "Candidate",
    "Change",
    "Decision",
    "Embedder",
    "EmbedderUnavailable",
    "Hit",
    "ImportReport",
    "IndexCorrupt",
    "IndexModelMismatch",
    "IndexNotFound",
    "IndexReport",
    "IndexUnusable",
    "InvalidArticle",
    "InvalidThresholds",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Reason",
    "ThresholdSettings",
    "Thresholds",
    "build_knowledge_base",
    "decide",
]
