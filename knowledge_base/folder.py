"""Articles as a folder of Markdown files, the format curators write and the demo ships in.

One article per ``*.md`` file: YAML front matter, then the answer in Markdown::

    ---
    id: hub-reset                 # slug; defaults to the file name without .md
    title: How do I reset the Lumen Hub?
    product: Lumen Hub            # optional
    tags: [hub, reset]            # optional
    questions:                    # optional: other ways customers ask it
      - My hub is stuck, how do I factory reset it?
    language: en                  # optional, default en
    status: published             # draft | published | retired; default draft
    ---
    Hold the pinhole button for 10 seconds...

A folder is read whole before anything is stored, so a mistake in one file stops the import
with every problem listed, instead of leaving half a folder imported. :func:`markdown_file`
writes the same format back, for exports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import frontmatter
import yaml

from knowledge_base.articles import Article, ArticleStatus
from knowledge_base.errors import InvalidArticle

FIELDS = ("id", "title", "product", "tags", "questions", "language", "status")


def read_folder(folder: Path) -> list[Article]:
    """Every article in ``folder`` (not its subfolders), in file-name order."""
    if not folder.is_dir():
        raise InvalidArticle([f"{folder} is not a folder; give the folder that holds the .md files"])
    articles: dict[str, Article] = {}
    sources: dict[str, Path] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.md")):
        try:
            article = read_article(path)
        except InvalidArticle as error:
            problems.extend(error.problems)
            continue
        if article.id in sources:
            problems.append(f"{path.name}: id {article.id!r} is already used by {sources[article.id].name}")
        articles[article.id], sources[article.id] = article, path
    if problems:
        raise InvalidArticle(problems)
    return list(articles.values())


def read_article(path: Path) -> Article:
    """The article in one Markdown file; :class:`InvalidArticle` names the file and the field."""
    try:
        post = frontmatter.load(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidArticle([f"{path.name}: cannot read it ({error})"]) from error
    known = ", ".join(FIELDS)
    unknown = [f"{path.name}: unknown field {key!r} (known: {known})" for key in post.metadata if key not in FIELDS]
    try:
        article = _article_from(path, post.metadata, post.content)
    except InvalidArticle as error:
        raise InvalidArticle(unknown + [f"{path.name}: {problem}" for problem in error.problems]) from None
    if unknown:
        raise InvalidArticle(unknown)
    return article


def markdown_file(article: Article) -> str:
    """An article as the text of its Markdown file (front matter, then the body)."""
    meta: dict[str, Any] = {"id": article.id, "title": article.title}
    if article.product:
        meta["product"] = article.product
    if article.tags:
        meta["tags"] = list(article.tags)
    if article.questions:
        meta["questions"] = list(article.questions)
    meta["language"] = article.language
    meta["status"] = article.status.value
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n{article.body}\n"


def _article_from(path: Path, meta: dict[str, Any], body: str) -> Article:
    return Article(
        id=str(meta.get("id") or path.stem),
        title=str(meta.get("title") or ""),
        body=body.strip(),
        product=meta.get("product"),
        tags=_as_list(meta.get("tags")),
        questions=_as_list(meta.get("questions")),
        language=str(meta.get("language") or "en"),
        status=meta.get("status") or ArticleStatus.DRAFT,
    )


def _as_list(value: object) -> tuple[Any, ...]:
    """YAML lists as tuples; a single string counts as a one-item list."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(value)
    return (value,)  # left for Article's validation to refuse with a clear message
