"""``python -m knowledge_base``: import articles, rebuild the index, try questions.

Examples::

    python -m knowledge_base import knowledge_base/demo/articles
    python -m knowledge_base search "my hub blinks amber"
    python -m knowledge_base reindex --database-url postgresql+psycopg://tandem@db/tandem
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Self

import typer
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from tqdm import tqdm

from knowledge_base.decision import Thresholds
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.service import IndexReport, KnowledgeBase, build_knowledge_base

app = typer.Typer(
    help="Tandem's knowledge base: articles, the vector index, and retrieval.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # main() turns our errors into one line of advice
)

DatabaseUrl = Annotated[
    str,
    typer.Option(envvar="TANDEM_DATABASE_URL", help="SQLAlchemy URL of the article database."),
]
IndexDir = Annotated[Path, typer.Option(help="Directory of the saved vector index.")]
DEFAULT_DATABASE_URL = "sqlite:///state/tandem.db"
DEFAULT_INDEX_DIR = Path("state/kb_index")


@app.command("import")
def import_command(
    folder: Annotated[Path, typer.Argument(help="Folder of Markdown articles with YAML front matter.")],
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    index_dir: IndexDir = DEFAULT_INDEX_DIR,
) -> None:
    """Import (or re-import) a folder of articles and index the published ones."""
    knowledge_base = _open(database_url, index_dir)
    with _ProgressBar() as bar:
        report = knowledge_base.import_folder(folder, on_progress=bar.update)
    typer.echo(f"created {len(report.created)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}")


@app.command()
def reindex(database_url: DatabaseUrl = DEFAULT_DATABASE_URL, index_dir: IndexDir = DEFAULT_INDEX_DIR) -> None:
    """Embed every published article again and save a fresh index (after a model change)."""
    knowledge_base = build_knowledge_base(_engine(database_url), index_dir, Thresholds(), ensure_index=False)
    with _ProgressBar() as bar:
        report = knowledge_base.reindex(on_progress=bar.update)
    _echo_index_report(report)


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="A customer's question.")],
    k: Annotated[int, typer.Option(help="How many articles to list.")] = 5,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    index_dir: IndexDir = DEFAULT_INDEX_DIR,
) -> None:
    """Show the best-matching published articles and what the bot would decide."""
    knowledge_base = _open(database_url, index_dir)
    for rank, candidate in enumerate(knowledge_base.search(question, k), start=1):
        typer.echo(f"{rank}. {candidate.score:.3f}  {candidate.article_id}  {candidate.title}")
    decision = knowledge_base.decide(question)
    offered = ", ".join(candidate.article_id for candidate in decision.candidates) or "-"
    typer.echo(f"decision: {decision.action} ({decision.reason}); candidates: {offered}")


def main() -> None:
    """Entry point: configure logging (only entry points do), run, and turn errors into advice."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    try:
        app()
    except KnowledgeBaseError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(1) from error


def _open(database_url: str, index_dir: Path) -> KnowledgeBase:
    """The knowledge base the gateway would build, with a progress bar while it catches up."""
    with _ProgressBar() as bar:
        return build_knowledge_base(_engine(database_url), index_dir, Thresholds(), on_progress=bar.update)


def _engine(database_url: str) -> Engine:
    """An engine; a SQLite file's folder is created, so the default works in a fresh checkout."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)


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
