"""``python -m bot nlu ...``: the retraining loop from a shell (the same steps as the admin API).

Train, evaluate, promote and roll back run here, in this process, under the same Redis job lock
as the gateways' (when the configured Redis answers), and talk to the Rasa servers of the
settings (``TANDEM_RASA_URL``/``TANDEM_RASA_TOKEN``, or ``state/rasa_token`` of ``make run``).
"""

from __future__ import annotations

import asyncio
import getpass
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from redis.asyncio import Redis
from tqdm import tqdm

from bot.core.config import Settings, get_settings
from bot.processes import redis_reachable
from bot.services import build_learning, make_engine
from rasa_bridge import Progress, RasaError
from retraining import (
    ModelRecord,
    Retraining,
    RetrainingError,
    ReviewStatus,
    build_retraining,
)
from retraining.registry import Metrics

nlu_app = typer.Typer(help="The NLU retraining loop: train, evaluate, promote, rollback, review.",
                      no_args_is_help=True)
review_app = typer.Typer(help="Messages the bot was unsure about or handed over.", no_args_is_help=True)
nlu_app.add_typer(review_app, name="review")
logger = logging.getLogger(__name__)
T = TypeVar("T")


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "cli"


CURRENT_USER = _current_user()
By = Annotated[str, typer.Option(help="Who is doing this (recorded with the model)")]


class ProgressPrinter:
    """Shows each step on its own line and the current component's epochs as a bar."""

    def __init__(self) -> None:
        self._step = ""
        self._bar: tqdm[None] | None = None

    def __call__(self, progress: Progress) -> None:
        if progress.step != self._step:
            self.close()
            self._step = progress.step
            typer.echo(f"  {progress.step}…")
        if progress.percent is not None:
            if self._bar is None:
                self._bar = tqdm(total=100, unit="%", leave=False, bar_format="    {l_bar}{bar:30}| {elapsed}")
            self._bar.n = progress.percent
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _rasa_token(settings: Settings) -> str:
    """The configured token, else the one ``make run`` generated into the state folder."""
    token = settings.rasa_token.get_secret_value()
    stored = settings.state_dir / "rasa_token"
    return token or (stored.read_text().strip() if stored.is_file() else "")


def _run(step: Callable[[Retraining], Awaitable[T]]) -> T:
    """Build the loop, run one async step, print a retraining error and exit 1 on failure."""
    settings = get_settings()

    async def main() -> T:
        redis = Redis.from_url(settings.redis_url) if redis_reachable(settings.redis_url) else None
        if redis is None:
            typer.echo(f"note: Redis at {settings.redis_url} does not answer; running without the job lock", err=True)
        retraining = build_retraining(settings.retraining, engine=make_engine(settings.database_url), redact=None,
                                      redis=redis, rasa_urls=settings.rasa_servers, rasa_token=_rasa_token(settings),
                                      state_dir=settings.state_dir)
        await asyncio.to_thread(retraining.review.create_schema)
        try:
            return await step(retraining)
        finally:
            if redis is not None:
                await redis.aclose()

    try:
        return asyncio.run(main())
    except (RetrainingError, RasaError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@contextmanager
def _printer() -> Iterator[ProgressPrinter]:
    printer = ProgressPrinter()
    try:
        yield printer
    finally:
        printer.close()


def _metrics_line(name: str, metrics: Metrics | None) -> str:
    if metrics is None:
        return f"  {name:<18} -"
    return (f"  {name:<18} accuracy {metrics.accuracy:.3f}  macro-F1 {metrics.macro_f1:.3f}  "
            f"({metrics.examples} examples)")


def _echo_evaluation(record: ModelRecord) -> None:
    evaluation = record.evaluation
    if evaluation is None:
        typer.echo("  not evaluated")
        return
    typer.echo(_metrics_line("held-out split", evaluation.holdout))
    typer.echo(_metrics_line(f"cross-val ({evaluation.folds})", evaluation.cross_validation))
    if (comparison := evaluation.comparison) is not None:
        seen = "unknown" if comparison.live_trained_on is None else str(comparison.live_trained_on)
        typer.echo(_metrics_line("live model", comparison.live))
        typer.echo(f"  vs live {comparison.live_model}: accuracy {comparison.accuracy_delta:+.3f}, "
                   f"macro-F1 {comparison.macro_f1_delta:+.3f} (live was trained on {seen} of these examples)")
        for intent, delta in sorted(comparison.f1_delta_per_intent.items()):
            typer.echo(f"    {intent:<24} F1 {delta:+.3f}")
    typer.echo(f"  reports: {', '.join(evaluation.files)}")


@nlu_app.command()
def train(
    holdout: Annotated[float | None, typer.Option(min=0.0, max=0.95, help="Share of NLU examples held out for "
                                                  "evaluation (default from settings; 0 = train on all)")] = None,
    by: By = CURRENT_USER,
) -> None:
    """Train a candidate from training_data/ into the registry (the live model is not touched)."""
    with _printer() as printer:
        record = _run(lambda loop: loop.train(by, holdout, printer))
    typer.echo(f"trained {record.id} in {record.train_seconds:.0f}s ({record.heldout_examples} examples held out)")
    typer.echo(f"next: python -m bot nlu evaluate {record.id}")


@nlu_app.command()
def evaluate(
    model_id: str,
    folds: Annotated[int | None, typer.Option(min=0, max=10, help="Cross-validation folds (0 skips it)")] = None,
    live: Annotated[bool, typer.Option(help="Compare with the live Rasa server's model")] = True,
    by: By = CURRENT_USER,
) -> None:
    """Held-out split, cross-validation and comparison with the live model; reports kept with the model."""
    if folds == 1:
        typer.echo("error: cross-validation needs at least 2 folds (0 skips it)", err=True)
        raise typer.Exit(2)
    with _printer() as printer:
        record = _run(lambda loop: loop.evaluate(model_id, by, folds, live, printer))
    typer.echo(f"evaluated {record.id}:")
    _echo_evaluation(record)


@nlu_app.command()
def promote(
    model_id: str,
    force: Annotated[bool, typer.Option(help="Promote even though it was never evaluated")] = False,
    by: By = CURRENT_USER,
) -> None:
    """Make a model live on every Rasa server, without downtime."""
    record = _run(lambda loop: loop.promote(model_id, by, force))
    typer.echo(f"{record.id} is live")


@nlu_app.command()
def rollback(by: By = CURRENT_USER) -> None:
    """Return every Rasa server to the model that was live before the current one."""
    record = _run(lambda loop: loop.rollback(by))
    typer.echo(f"rolled back: {record.id} is live")


@nlu_app.command()
def models() -> None:
    """The registry, newest first (* marks the live model)."""

    async def listing(loop: Retraining) -> tuple[str | None, list[ModelRecord]]:
        live = await asyncio.to_thread(loop.registry.live)
        return (live.id if live else None), await asyncio.to_thread(loop.registry.all)

    live_id, records = _run(listing)
    for record in records:
        holdout = record.evaluation.holdout if record.evaluation else None
        score = f"macro-F1 {holdout.macro_f1:.3f}" if holdout else "not evaluated"
        typer.echo(f"{'*' if record.id == live_id else ' '} {record.id}  {record.source:<7} "
                   f"{record.created_at:%Y-%m-%d %H:%M} by {record.trained_by:<12} "
                   f"data {record.data_hash[:12] or '-':<12}  {score}")
    if not records:
        typer.echo("no models yet: python -m bot nlu train")


@nlu_app.command()
def show(model_id: str) -> None:
    """One model's record: hash, times, people, evaluation and history."""
    record = _run(lambda loop: asyncio.to_thread(loop.registry.get, model_id))
    typer.echo(f"{record.id} ({record.source}), trained {record.created_at:%Y-%m-%d %H:%M} by {record.trained_by}")
    typer.echo(f"  data hash {record.data_hash or '-'}, Rasa model id {record.rasa_model_id}")
    _echo_evaluation(record)
    for event in record.events:
        typer.echo(f"  {event.at:%Y-%m-%d %H:%M} {event.action} by {event.by}")


@review_app.command("list")
def review_list(
    status: Annotated[ReviewStatus, typer.Option(help="pending, labelled, kb_gap or dismissed")] = ReviewStatus.PENDING,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """Messages to review, newest first."""
    items = _run(lambda loop: asyncio.to_thread(loop.review.items, status, limit))
    for item in items:
        label = f" -> {item.label}" if item.label else ""
        typer.echo(f"{item.id:>6}  {item.reason:<28} {item.predicted_intent}:{item.confidence:.2f}{label}  "
                   f"{item.text[:80]!r}")
    if not items:
        typer.echo(f"nothing {status.value}")


@review_app.command("label")
def review_label(item_id: int, intent: str, by: By = CURRENT_USER) -> None:
    """Label a message with an intent of domain.yml; the next `train` learns it."""
    item = _run(lambda loop: asyncio.to_thread(loop.review.label, item_id, intent, by))
    typer.echo(f"{item.id} labelled {item.label}; written to {get_settings().retraining.reviewed_file}")


@review_app.command("gap")
def review_gap(item_id: int, by: By = CURRENT_USER) -> None:
    """Mark a message as a knowledge-base gap (understood, but no article answers it): the content page's Gaps
    tab shows it, as when the admin page marks it."""
    settings = get_settings()
    item = _run(lambda loop: asyncio.to_thread(lambda: build_learning(
        settings, make_engine(settings.database_url), loop.review).mark_review_item_as_gap(item_id, by)))
    typer.echo(f"{item.id} marked as a knowledge-base gap; the content page's Gaps tab shows it")


@review_app.command("dismiss")
def review_dismiss(item_id: int, by: By = CURRENT_USER) -> None:
    """Nothing to learn from this message."""
    item = _run(lambda loop: asyncio.to_thread(loop.review.dismiss, item_id, by))
    typer.echo(f"{item.id} dismissed")
