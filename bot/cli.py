"""The ``python -m bot`` command line: run the whole system, manage staff accounts.

``run`` is what ``make run`` calls: it starts a Redis if none is reachable, the model workers,
trains the Rasa model if needed, starts Rasa and the gateway, prints the URLs, and stops
everything on Ctrl-C.
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.accounts import AccountStore
from bot.core.config import Settings, get_settings
from bot.core.security import StaffRole
from bot.core.session import STAFF_PAGES
from bot.kept_data import REPORTS_DIR
from bot.nlu_cli import nlu_app
from bot.processes import (
    Child,
    EmbeddedRedis,
    http_ok,
    model_worker_ready,
    redis_reachable,
    secret_from_file,
    start_gateway,
    start_model_worker,
    start_rasa,
    wait_until,
)
from bot.services import make_engine
from outcomes import Period, build_report, migrate
from outcomes.metrics import conversation_rows
from outcomes.rendering import FILE_PREFIX, write_report_files
from rasa_bridge import train_project
from retraining import live_model

app = typer.Typer(help="Tandem: customer-service chatbot with human handoff.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.")
app.add_typer(users_app, name="users")
app.add_typer(nlu_app, name="nlu")
logger = logging.getLogger("tandem")

DEMO_ACCOUNTS = [
    ("admin", "Ada Admin", StaffRole.ADMIN),
    ("supervisor", "Sam Supervisor", StaffRole.SUPERVISOR),
    ("agent", "Alex Agent", StaffRole.AGENT),
    ("agent2", "Blair Agent", StaffRole.AGENT),
    ("content", "Cora Content", StaffRole.CONTENT),
]


@users_app.command("add")
def add_user(
    username: str,
    role: Annotated[StaffRole, typer.Option(help="agent, supervisor, content or admin")],
    name: Annotated[str, typer.Option(help="Name shown to customers")] = "",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a staff account (or reset its password and role)."""
    store = AccountStore(make_engine(get_settings().database_url))
    store.create_schema()
    store.upsert(username, name or username, role, password)
    typer.echo(f"saved {username} ({role.value})")


@app.command()
def report(
    since: Annotated[datetime, typer.Option(help="Start of the period (inclusive), e.g. 2026-10-01")],
    until: Annotated[datetime, typer.Option(help="End of the period (exclusive), e.g. 2026-11-01")],
    out: Annotated[Path | None, typer.Option(
        help="Folder for the HTML, PDF and CSV files (default: state/reports, kept for the retention period)")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone of the dates (default: the configured one)")] = None,
    group_questions: Annotated[bool, typer.Option(help="Group unanswered questions by meaning (loads MiniLM)")] = True,
) -> None:
    """Write the service report for a period: HTML and PDF with charts, and the CSV of its rows."""
    from zoneinfo import ZoneInfo

    from knowledge_base.embedder import MiniLMEmbedder

    settings = get_settings()
    zone = timezone or settings.service.timezone
    period = Period(since.replace(tzinfo=since.tzinfo or ZoneInfo(zone)),
                    until.replace(tzinfo=until.tzinfo or ZoneInfo(zone)), zone)
    engine = make_engine(settings.database_url)
    migrate(engine)
    embed = MiniLMEmbedder().embed if group_questions else None
    built = build_report(engine, period, settings.service.targets, settings.service.fees, embed=embed)
    stem = period.file_stem(FILE_PREFIX)
    folder = out or settings.state_dir / REPORTS_DIR
    for path in write_report_files(built, conversation_rows(engine, period), folder, stem):
        typer.echo(f"wrote {path}")


def _resolve_redis(settings: Settings) -> tuple[str, EmbeddedRedis | None]:
    """The configured Redis (``TANDEM_REDIS_URL`` or ``REDIS_URL``) when it answers; otherwise an
    embedded one. The default URL is not tried: with none configured, the run keeps its own."""
    url = settings.redis_url if "redis_url" in settings.model_fields_set else ""
    if url and redis_reachable(url):
        return url, None
    if url:
        logger.warning("Redis at %s does not answer; starting an embedded one", url)
    embedded = EmbeddedRedis.start(settings.state_dir / "redis")
    return embedded.url, embedded


def _seed_demo_accounts(database_url: str, password: str) -> None:
    store = AccountStore(make_engine(database_url))
    store.create_schema()
    for username, name, role in DEMO_ACCOUNTS:
        store.upsert(username, name, role, password)


@app.command()
def run(
    port: Annotated[int, typer.Option(help="Gateway port")] = 8000,
    rasa_port: Annotated[int, typer.Option(help="Port of the first Rasa server (others take the next)")] = 5005,
    rasa_processes: Annotated[int | None, typer.Option(
        min=1, max=16, help="Rasa servers to start, sharing the Redis tracker and lock stores "
                            "(default: TANDEM_RASA_PROCESSES, else 1)")] = None,
    gateway_processes: Annotated[int | None, typer.Option(
        min=1, max=32, help="Gateway processes sharing the port (default: TANDEM_GATEWAY_PROCESSES, else 2)")] = None,
    host: Annotated[str, typer.Option(help="Gateway bind address")] = "127.0.0.1",
) -> None:
    """Start Redis (if needed), the model workers, Rasa and the gateway; Ctrl-C stops what was started."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    state = settings.state_dir
    logs = state / "logs"
    # Secrets set in the environment (Settings) win; a local run generates its own into state/.
    secret = settings.secret_key.get_secret_value() or secret_from_file(state / "secret_key")
    action_token = settings.action_token.get_secret_value() or secret_from_file(state / "action_token")
    rasa_token = settings.rasa_token.get_secret_value() or secret_from_file(state / "rasa_token")
    demo_password = settings.demo_password.get_secret_value() or secret_from_file(state / "demo_password")[:12]
    redis_url, embedded = _resolve_redis(settings)
    children: list[Child] = []
    models_url = settings.models.url or redis_url
    try:
        # The sentence models' workers first: Rasa and the gateway ask them from their first message.
        workers = [start_model_worker(url=models_url, settings=settings.models,
                                      log=logs / f"model-worker-{n}.log") for n in range(settings.models.workers)]
        children += workers
        model = live_model(settings.retraining.registry_path(state))  # what an admin promoted, if anything
        if model is None:
            logger.info("training the Rasa model if the data changed (log: %s)", logs / "train.log")
            model = train_project(log=logs / "train.log")
        else:
            logger.info("starting Rasa with the promoted model %s", model)
        _seed_demo_accounts(settings.database_url, demo_password)
        gateway_url = f"http://{host}:{port}"
        rasa_ports = [rasa_port + n for n in range(rasa_processes or settings.rasa_processes)]
        for n, each_port in enumerate(rasa_ports):
            children.append(start_rasa(
                port=each_port, redis_url=redis_url, action_url=f"http://127.0.0.1:{port}/actions/webhook",
                action_token=action_token, api_token=rasa_token, model=model,
                log=logs / ("rasa.log" if n == 0 else f"rasa-{n}.log"),
                tracker_record_exp_s=settings.tracker_record_exp_s, models_url=models_url,
                models_timeout_s=settings.models.timeout_s))
        for worker in workers:
            wait_until(lambda w=worker: model_worker_ready(models_url, w), worker, timeout_s=300)
        rasa_urls = ",".join(f"http://127.0.0.1:{each_port}" for each_port in rasa_ports)
        children.append(start_gateway(port=port, host=host, log=logs / "gateway.log",
                                      processes=gateway_processes or settings.gateway_processes, env={
            "TANDEM_REDIS_URL": redis_url, "TANDEM_SECRET_KEY": secret, "TANDEM_ACTION_TOKEN": action_token,
            "TANDEM_RASA_URL": rasa_urls, "TANDEM_RASA_TOKEN": rasa_token, "TANDEM_MODELS__URL": models_url}))
        started = time.monotonic()
        wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/api/health"), children[-1], timeout_s=300)
        _announce(gateway_url, redis_url, demo_password, time.monotonic() - started)
        _wait_for_interrupt(children)
    finally:
        for child in reversed(children):
            child.stop()
        if embedded:
            embedded.stop()


def _announce(gateway_url: str, redis_url: str, password: str, seconds: float) -> None:
    staff_pages = "".join(f"  {page.title + ':':<19}{gateway_url}{page.path}\n" for page in STAFF_PAGES)
    typer.echo(f"""
Tandem is ready ({seconds:.0f}s).
  Widget demo page:  {gateway_url}/
{staff_pages}  API docs:          {gateway_url}/docs
  Redis:             {redis_url}
  Demo logins:       agent / agent2 / supervisor / content / admin, password: {password}
Press Ctrl-C to stop.""")


def _wait_for_interrupt(children: list[Child]) -> None:
    """Block until Ctrl-C (or SIGTERM), or until a child dies."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while all(child.process.poll() is None for child in children):
            time.sleep(0.5)
        dead = next(child for child in children if child.process.poll() is not None)
        logger.error("%s exited with %s; see %s", dead.name, dead.process.returncode, dead.log)
    except KeyboardInterrupt:
        typer.echo("\nstopping…")


if __name__ == "__main__":
    app()
