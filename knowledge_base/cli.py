"""``python -m knowledge_base``: curate articles, import and export them, try questions.

Examples::

    python -m knowledge_base import knowledge_base/demo/articles      # or faq.csv, articles.json
    python -m knowledge_base create --id hub-wifi --title "Does the hub need Wi-Fi?" --body "No..." --publish
    python -m knowledge_base edit hub-wifi --question "Can the hub use Ethernet?"
    python -m knowledge_base publish hub-wifi
    python -m knowledge_base search "my hub blinks amber"
    python -m knowledge_base history hub-wifi
    python -m knowledge_base export backup.json
    python -m knowledge_base reindex --database-url postgresql+psycopg://tandem@db/tandem
    python -m knowledge_base vocabulary import knowledge_base/demo/vocabulary.yml   # or export FILE
    python -m knowledge_base vocabulary rasa      # rewrite training_data/vocabulary.yml for the next retrain

Without ``--database-url`` and ``--index-dir``, the commands use the gateway's own database and
index, and ``search`` decides with config.yml's tuned thresholds: ``python -m knowledge_base``
(:mod:`knowledge_base.__main__`) passes them in from the one Settings as a :class:`CliConfig`.

Changes made here reach running gateways within a second (they follow the store's revisions).
"""

from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Self

import typer
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from tqdm import tqdm

from knowledge_base.articles import Article, ArticleStatus
from knowledge_base.decision import Thresholds, ThresholdSettings
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.exchange import write_articles
from knowledge_base.folder import read_article
from knowledge_base.service import IndexReport, KnowledgeBase, build_knowledge_base
from knowledge_base.vocabulary import read_vocabulary, vocabulary_yaml, write_rasa_nlu

app = typer.Typer(
    help="Tandem's knowledge base: articles, their history, the index, and retrieval.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # main() turns our errors into one line of advice
)

DatabaseUrl = Annotated[
    str | None, typer.Option(help="SQLAlchemy URL of the article database (default: the gateway's).")
]
IndexDir = Annotated[Path | None, typer.Option(help="Directory of the saved index (default: the gateway's).")]
Actor = Annotated[str, typer.Option(help="Who makes the change (recorded in the history).")]
Questions = Annotated[list[str] | None, typer.Option("--question", help="Another way customers ask it (repeatable).")]
Tags = Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")]
DEFAULT_ACTOR = getpass.getuser()


@dataclass(frozen=True)
class CliConfig:
    """What the commands use when no option overrides it; the entry point builds it from Settings."""

    database_url: str = "sqlite:///state/tandem.db"
    index_dir: Path = Path("state/kb_index")
    thresholds: ThresholdSettings = field(default_factory=Thresholds)


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A folder of Markdown articles, a .csv or a .json file.")],
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
    actor: Actor = DEFAULT_ACTOR,
) -> None:
    """Import (or re-import) articles; only new or changed ones are saved and indexed."""
    knowledge_base = _open(ctx, database_url, index_dir)
    with _ProgressBar() as bar:
        report = knowledge_base.import_path(path, actor, on_progress=bar.update)
    typer.echo(f"created {len(report.created)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}")


@app.command()
def export(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A .csv or .json file, or else a folder for Markdown files.")],
    status: Annotated[ArticleStatus | None, typer.Option(help="Only articles with this status.")] = None,
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
) -> None:
    """Write articles to a file or folder that ``import`` reads back unchanged."""
    articles = _open(ctx, database_url, index_dir, ensure_index=False).list_articles(status)
    write_articles(path, articles)
    typer.echo(f"exported {len(articles)} articles to {path}")


@app.command("list")
def list_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Only articles containing this text.")] = "",
    status: Annotated[ArticleStatus | None, typer.Option(help="Only articles with this status.")] = None,
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
) -> None:
    """List articles (id, status, version, title)."""
    for article in _open(ctx, database_url, index_dir, ensure_index=False).list_articles(status, text):
        typer.echo(f"{article.id}  {article.status}  v{article.version}  {article.title}")


@app.command()
def create(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Option("--id", help="A slug such as 'hub-reset'.")] = "",
    title: Annotated[str, typer.Option(help="The question the article answers.")] = "",
    body: Annotated[str, typer.Option(help="The answer, in Markdown.")] = "",
    from_file: Annotated[Path | None, typer.Option(help="A Markdown file with front matter instead.")] = None,
    product: Annotated[str | None, typer.Option()] = None,
    question: Questions = None,
    tag: Tags = None,
    publish: Annotated[bool, typer.Option(help="Publish it at once.")] = False,
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
    actor: Actor = DEFAULT_ACTOR,
) -> None:
    """Create an article (a draft unless --publish)."""
    if from_file is not None:
        article = read_article(from_file)
    else:
        article = Article(id=article_id, title=title, body=body, product=product, tags=tuple(tag or ()),
                          questions=tuple(question or ()))
    if publish:
        article = replace(article, status=ArticleStatus.PUBLISHED)
    saved = _open(ctx, database_url, index_dir).create_article(article, actor)
    typer.echo(f"created {saved.id} (version {saved.version}, {saved.status})")


@app.command()
def edit(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="The article's id.")],
    title: Annotated[str | None, typer.Option()] = None,
    body: Annotated[str | None, typer.Option(help="The new answer, in Markdown.")] = None,
    body_file: Annotated[Path | None, typer.Option(help="Read the new answer from this file.")] = None,
    product: Annotated[str | None, typer.Option()] = None,
    question: Questions = None,
    tag: Tags = None,
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
    actor: Actor = DEFAULT_ACTOR,
) -> None:
    """Change the given fields of an article (--question and --tag replace the whole list).

    A published article's changes are kept as its draft, live once `publish` is run."""
    knowledge_base = _open(ctx, database_url, index_dir)
    article = knowledge_base.get_article(article_id)
    changes: dict[str, object] = {"title": title, "product": product,
                                  "body": body_file.read_text() if body_file else body,
                                  "questions": tuple(question) if question else None,
                                  "tags": tuple(tag) if tag else None}
    article = replace(article, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
    saved = knowledge_base.update_article(article, actor)
    if knowledge_base.draft(saved.id) is not None:
        typer.echo(f"saved a draft of {saved.id}; customers still get version {saved.version} until "
                   f"`publish {saved.id}`")
    else:
        typer.echo(f"saved {saved.id} (version {saved.version}, {saved.status})")


@app.command()
def publish(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="The article's id.")],
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
    actor: Actor = DEFAULT_ACTOR,
) -> None:
    """Make an article answerable."""
    _echo_status(_open(ctx, database_url, index_dir).publish(article_id, actor))


@app.command()
def retire(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="The article's id.")],
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
    actor: Actor = DEFAULT_ACTOR,
) -> None:
    """Stop answering with an article (it stays, with its history)."""
    _echo_status(_open(ctx, database_url, index_dir).retire(article_id, actor))


@app.command()
def history(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="The article's id.")],
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
) -> None:
    """Every version of an article: when, who, what."""
    for revision in _open(ctx, database_url, index_dir, ensure_index=False).history(article_id):
        note = f"  ({revision.note})" if revision.note else ""
        typer.echo(f"v{revision.version}  {revision.at:%Y-%m-%d %H:%M:%S}  {revision.action:<9}  "
                   f"{revision.actor}  {revision.article.status}{note}")


@app.command()
def reindex(ctx: typer.Context, database_url: DatabaseUrl = None, index_dir: IndexDir = None) -> None:
    """Embed every published article again and save a fresh index (after a model change)."""
    config = _config(ctx)
    knowledge_base = build_knowledge_base(_engine(database_url or config.database_url), index_dir or config.index_dir,
                                          config.thresholds, ensure_index=False)
    with _ProgressBar() as bar:
        report = knowledge_base.reindex(on_progress=bar.update)
    _echo_index_report(report)


@app.command()
def search(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="A customer's question.")],
    k: Annotated[int, typer.Option(help="How many articles to list.")] = 5,
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
) -> None:
    """Show the best-matching published articles and what the bot would decide."""
    knowledge_base = _open(ctx, database_url, index_dir)
    for rank, candidate in enumerate(knowledge_base.search(question, k), start=1):
        typer.echo(f"{rank}. {candidate.score:.3f}  {candidate.article_id}  {candidate.title}")
    decision = knowledge_base.decide(question)
    offered = ", ".join(candidate.article_id for candidate in decision.candidates) or "-"
    typer.echo(f"decision: {decision.action} ({decision.reason}); candidates: {offered}")


vocabulary_app = typer.Typer(help="The customers' vocabulary: synonyms retrieval and Rasa's product entity use.",
                             no_args_is_help=True)
app.add_typer(vocabulary_app, name="vocabulary")
RASA_VOCABULARY = Path("training_data/vocabulary.yml")


@vocabulary_app.command("import")
def vocabulary_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A vocabulary file (YAML or JSON: terms: [{name, kind, synonyms}]).")],
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
    actor: Actor = DEFAULT_ACTOR,
) -> None:
    """Replace the whole vocabulary with the file's (all or nothing)."""
    knowledge_base = _open(ctx, database_url, index_dir, ensure_index=False)
    saved = knowledge_base.replace_vocabulary(read_vocabulary(path.read_text()), actor)
    typer.echo(f"imported {len(saved)} terms; `vocabulary rasa` then a retrain brings product names to Rasa")


@vocabulary_app.command("export")
def vocabulary_export(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The YAML file to write.")],
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
) -> None:
    """Write the vocabulary to a file ``vocabulary import`` reads back unchanged."""
    vocabulary = _open(ctx, database_url, index_dir, ensure_index=False).vocabulary()
    path.write_text(vocabulary_yaml(vocabulary))
    typer.echo(f"exported {len(vocabulary)} terms to {path}")


@vocabulary_app.command("rasa")
def vocabulary_rasa(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Rasa's training file for the product terms.")] = RASA_VOCABULARY,
    database_url: DatabaseUrl = None,
    index_dir: IndexDir = None,
) -> None:
    """Write the product terms as Rasa's `product` lookup table and synonyms; the next retrain uses them."""
    changed = write_rasa_nlu(path, _open(ctx, database_url, index_dir, ensure_index=False).vocabulary())
    typer.echo(f"{'rewrote' if changed else 'unchanged:'} {path}")


def main(config: CliConfig | None = None) -> None:
    """Entry point: configure logging (only entry points do), run, and turn errors into advice."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    try:
        app(obj=config or CliConfig())
    except KnowledgeBaseError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(1) from error


def _config(ctx: typer.Context) -> CliConfig:
    """The configuration the command was invoked with (``app(obj=...)``), else the plain defaults."""
    return ctx.find_object(CliConfig) or CliConfig()


def _open(ctx: typer.Context, database_url: str | None, index_dir: Path | None,
          ensure_index: bool = True) -> KnowledgeBase:
    """The knowledge base the gateway would build, with a progress bar while it catches up."""
    config = _config(ctx)
    with _ProgressBar() as bar:
        return build_knowledge_base(_engine(database_url or config.database_url), index_dir or config.index_dir,
                                    config.thresholds, ensure_index=ensure_index, on_progress=bar.update)


def _engine(database_url: str) -> Engine:
    """An engine; a SQLite file's folder is created, so the default works in a fresh checkout."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)


def _echo_status(article: Article) -> None:
    typer.echo(f"{article.id} is {article.status} (version {article.version})")


def _echo_index_report(report: IndexReport) -> None:
    typer.echo(f"indexed {report.total} published articles ({len(report.embedded)} embedded)")


class _ProgressBar:
    """A tqdm bar that appears only once there is something to index."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = tqdm(total=total, unit="article", desc="indexing")
        self._bar.update(done - self._bar.n)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()
