"""Tandem's knowledge base: articles, hybrid retrieval, and the answer decision.

Public surface: :func:`build_knowledge_base` (what the gateway calls) and the
:class:`KnowledgeBase` it returns (``search``, ``consult``, ``decide``, the curation verbs and
``follow_changes``), the value objects they take and return, the file formats in
:mod:`knowledge_base.exchange`, the protocols a replacement store, embedder or index must
satisfy, and the errors in :mod:`knowledge_base.errors`. The SQL store, the FAISS and BM25
indexes and the embedding models stay in their modules (``store``, ``index``, ``lexical``,
``retrieval``, ``embedder``).
"""

from knowledge_base.articles import Article, ArticleRepository, ArticleStatus, Change, Draft, Revision, RevisionAction
from knowledge_base.decision import Action, Candidate, Decision, Reason, Thresholds, ThresholdSettings, decide
from knowledge_base.embedder import Embedder
from knowledge_base.errors import (
    ArticleAlreadyExists,
    ArticleNotFound,
    DraftNotFound,
    EmbedderUnavailable,
    IndexCorrupt,
    IndexModelMismatch,
    IndexNotFound,
    IndexUnusable,
    InvalidArticle,
    InvalidThresholds,
    InvalidVocabulary,
    KnowledgeBaseError,
    TermNotFound,
    UnsupportedFormat,
)
from knowledge_base.index import ArticleIndex, Hit
from knowledge_base.service import Consultation, ImportReport, IndexReport, KnowledgeBase, build_knowledge_base
from knowledge_base.vocabulary import Term, TermKind, Vocabulary

__all__ = [
    "Action",
    "Article",
    "ArticleAlreadyExists",
    "ArticleIndex",
    "ArticleNotFound",
    "ArticleRepository",
    "ArticleStatus",
    "Candidate",
    "Change",
    "Consultation",
    "Decision",
    "Draft",
    "DraftNotFound",
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
    "InvalidVocabulary",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Reason",
    "Revision",
    "RevisionAction",
    "Term",
    "TermKind",
    "TermNotFound",
    "ThresholdSettings",
    "Thresholds",
    "UnsupportedFormat",
    "Vocabulary",
    "build_knowledge_base",
    "decide",
]
