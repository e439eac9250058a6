"""Articles in and out of files: a Markdown folder, CSV and JSON, each read and written alike.

- **Markdown folder**: one ``.md`` file per article with YAML front matter (:mod:`knowledge_base.folder`).
- **CSV**: a header row; ``question`` (or ``title``) and ``answer`` (or ``body``) are required,
  ``id``, ``product``, ``tags`` (comma-separated), ``questions`` (alternative phrasings, one per
  line or separated by ``|``), ``language`` and ``status`` are optional.
- **JSON**: a list of objects (or ``{"articles": [...]}``) with the same fields as the front matter
  plus ``body``; ``question``/``answer`` are accepted for ``title``/``body``.

An article without an ``id`` gets one made from its title (:func:`~knowledge_base.articles.slug_for`),
so importing the same file twice updates the same articles. Exports always carry ids and status,
so an export imports back to exactly what was exported. A file is read whole and checked before
anything is stored; every problem is reported at once, with the row or item it is in.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from knowledge_base.articles import Article, ArticleStatus, slug_for
from knowledge_base.errors import InvalidArticle, UnsupportedFormat
from knowledge_base.folder import FIELDS, markdown_file, read_folder

CSV_COLUMNS = ("id", "question", "answer", "product", "tags", "questions", "language", "status")
ALIASES = {"question": "title", "answer": "body"}
KNOWN = {*FIELDS, "body", *ALIASES}


def read_articles(path: Path) -> list[Article]:
    """The articles in a folder of Markdown files, a ``.csv`` or a ``.json`` file."""
    if path.is_dir():
        return read_folder(path)
    kind = path.suffix.lower()
    if kind not in (".csv", ".json"):
        raise UnsupportedFormat(path.name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidArticle([f"{path.name}: cannot read it ({error})"]) from error
    return parse(text, path.name)


def parse(text: str, name: str) -> list[Article]:
    """The articles in the text of a CSV or JSON file called ``name`` (which tells the format)."""
    kind = Path(name).suffix.lower()
    if kind == ".csv":
        return _checked(name, _csv_items(text))
    if kind == ".json":
        return _checked(name, _json_items(text, name))
    raise UnsupportedFormat(name)


def write_articles(path: Path, articles: Iterable[Article]) -> None:
    """Write articles as ``path``'s suffix says: ``.csv``, ``.json``, or else a folder of ``.md`` files."""
    articles = list(articles)
    kind = path.suffix.lower()
    if kind == ".csv":
        path.write_text(to_csv(articles), encoding="utf-8")
    elif kind == ".json":
        path.write_text(to_json(articles), encoding="utf-8")
    else:
        path.mkdir(parents=True, exist_ok=True)
        for article in articles:
            (path / f"{article.id}.md").write_text(markdown_file(article), encoding="utf-8")


def to_csv(articles: Iterable[Article]) -> str:
    """Articles as CSV text, one row each, with the columns :func:`parse` reads."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for article in articles:
        writer.writerow({
            "id": article.id, "question": article.title, "answer": article.body, "product": article.product or "",
            "tags": ", ".join(article.tags), "questions": "\n".join(article.questions),
            "language": article.language, "status": article.status.value,
        })
    return out.getvalue()


def to_json(articles: Iterable[Article]) -> str:
    """Articles as a JSON list of objects with the fields :func:`parse` reads."""
    return json.dumps([article_fields(article) for article in articles], ensure_ascii=False, indent=2) + "\n"


def article_fields(article: Article) -> dict[str, Any]:
    """An article's curated fields, as plain JSON values."""
    return {
        "id": article.id, "title": article.title, "body": article.body, "product": article.product,
        "tags": list(article.tags), "questions": list(article.questions), "language": article.language,
        "status": article.status.value,
    }


def article_from(fields: Mapping[str, Any]) -> Article:
    """An article from loosely typed fields (a JSON object, a CSV row, an API body)."""
    values = {ALIASES.get(key, key): value for key, value in fields.items() if value not in (None, "")}
    title = str(values.get("title") or "")
    return Article(
        id=str(values.get("id") or slug_for(title or "untitled")),
        title=title,
        body=str(values.get("body") or "").strip(),
        product=values.get("product"),
        tags=_listed(values.get("tags"), ","),
        questions=_listed(values.get("questions"), "\n|"),
        language=str(values.get("language") or "en"),
        status=values.get("status") or ArticleStatus.DRAFT,
    )


def _csv_items(text: str) -> list[tuple[str, Mapping[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = {(name or "").strip().lower() for name in reader.fieldnames or ()}
    missing = [f"{a} (or {b})" for a, b in (("question", "title"), ("answer", "body")) if not {a, b} & columns]
    if missing:
        raise InvalidArticle([f"the CSV header lacks the column {name}" for name in missing])
    return [(f"row {n}", {(k or "").strip().lower(): v for k, v in row.items()}) for n, row in enumerate(reader, 2)]


def _json_items(text: str, name: str) -> list[tuple[str, Mapping[str, Any]]]:
    try:
        loaded = json.loads(text)
    except ValueError as error:
        raise InvalidArticle([f"{name}: not valid JSON ({error})"]) from error
    items = loaded.get("articles") if isinstance(loaded, dict) else loaded
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidArticle([f"{name}: expected a list of article objects, or {{\"articles\": [...]}}"])
    return [(f"item {n}", item) for n, item in enumerate(items, 1)]


def _checked(name: str, items: list[tuple[str, Mapping[str, Any]]]) -> list[Article]:
    """Articles from every item, or :class:`InvalidArticle` listing every problem with its place."""
    articles: dict[str, Article] = {}
    problems: list[str] = []
    for place, fields in items:
        unknown = sorted(key for key in fields if key not in KNOWN and key)
        problems.extend(f"{name} {place}: unknown field {key!r}" for key in unknown)
        try:
            article = article_from(fields)
        except InvalidArticle as error:
            problems.extend(f"{name} {place}: {problem}" for problem in error.problems)
            continue
        if article.id in articles:
            problems.append(f"{name} {place}: id {article.id!r} appears twice")
        articles[article.id] = article
    if problems:
        raise InvalidArticle(problems)
    return list(articles.values())


def _listed(value: object, separators: str) -> tuple[Any, ...]:
    """A list as given, or a string split on any of ``separators``, without blanks."""
    if value is None:
        return ()
    if isinstance(value, str):
        parts = [value]
        for separator in separators:
            parts = [piece for part in parts for piece in part.split(separator)]
        return tuple(part.strip() for part in parts if part.strip())
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,)  # left for Article's validation to refuse with a clear message
