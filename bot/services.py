"""Builds every service the gateway uses and wires them together (the one place that does)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rasa_sdk.executor import ActionExecutor
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import Engine, create_engine

from actions import build_actions
from bot.accounts import AccountStore
from bot.closing import ConversationCloser
from bot.core.config import PROJECT_ROOT, Settings
from bot.core.security import TokenSigner
from bot.kept_data import erase_live_and_files, held_about, purge_old_exports
from bot.periodic import run_every
from bot.persistence import PersistenceCompactor
from bot.ratelimit import RateLimiter
from bot.relay import BotRelay
from desk import CannedStore
from encoders.fitting import FitSettings, FittedEncoder, fit_encoder
from encoders.remote import WorkerClient
from handoff import AssignmentMode, HandoffService, LiveBus, PresenceRegistry
from handoff.hours import offline_note
from handoff.service import OFFLINE_NOTE
from knowledge_base import ArticleStatus, Embedder, KnowledgeBase, build_knowledge_base
from knowledge_base.embedder import MiniLMEmbedder, MpnetEmbedder, minilm_folder, small_embedder
from knowledge_base.encoder_pairs import encoder_pairs
from knowledge_base.vocabulary import read_vocabulary
from learning import Learning
from nlu.evaluation import read_rasa_nlu
from outcomes import OutcomeRecorder, erase_conversation, migrate, purge_older_than
from privacy import PresidioRedactor, Redactor
from rasa_bridge import RasaClient
from retraining import ContainmentCheck, Retraining, RetrainingSettings, build_retraining, load_cases
from retraining.containment import SearchWith
from retraining.live_encoder import LiveEncoder
from retraining.review import ReviewQueue
from retraining.trainer import EncoderFit
from routing import Policy
from webhooks import Deliverer, DeliveryLog, EndpointStore, EventOutbox, PayloadBuilder

logger = logging.getLogger(__name__)
RETENTION_LOCK = "tandem:retention-lock"
STARTUP_LOCK = "tandem:gateway-startup"
STARTUP_TURN_S = 600  # longer than a first start that embeds every article
#: Threads for ``asyncio.to_thread``: most of their time is now spent waiting for the model workers,
#: not computing, and Python's default (CPU count + 4: six on 2 cores) capped the conversations
#: whose vectors could be on their way at once, and with it what the workers can batch.
BLOCKING_THREADS = 64


@dataclass
class Services:
    """Everything a route or socket handler needs, built once per process."""

    settings: Settings
    engine: Engine
    redis: Redis
    bus: LiveBus
    handoff: HandoffService
    knowledge_base: KnowledgeBase
    rasa: RasaClient
    relay: BotRelay
    closer: ConversationCloser
    accounts: AccountStore
    recorder: OutcomeRecorder
    signer: TokenSigner
    executor: ActionExecutor
    limiter: RateLimiter
    redactor: Redactor
    embedder: Embedder
    retraining: Retraining
    policy: Policy  # the routing decision's knobs, shared by the live bot and the content team's preview
    canned: CannedStore
    webhooks: EndpointStore
    deliveries: DeliveryLog
    events: EventOutbox
    deliverer: Deliverer
    compactor: PersistenceCompactor  # rewrites Redis persistence after personal data left Redis
    learning: Learning  # proposals and gaps for the content team (docs/learning.md)
    background: list[asyncio.Task[None]] = field(default_factory=list)

    async def run_retention(self) -> int:
        """Anonymise stored transcripts past the retention period, drop the review queue's unlabelled
        messages, the learning loop's texts (proposals, gaps), the report exports and the webhook
        deliveries of the same age, and compact Redis persistence (closed chats were scrubbed there);
        how many conversations were anonymised."""
        days = self.settings.privacy.retention_days
        cutoff = datetime.now(UTC) - timedelta(days=days)
        purged = await asyncio.to_thread(purge_older_than, self.engine, days)
        await asyncio.to_thread(self.retraining.review.purge_before, cutoff)
        await asyncio.to_thread(self.learning.purge_before, cutoff)
        await asyncio.to_thread(purge_old_exports, self.settings.state_dir, days)
        await asyncio.to_thread(self.deliveries.purge_before, time.time() - days * 86400)
        await self.compactor.compact_now()
        return purged

    async def erase_conversation(self, session_id: str) -> None:
        """An erasure request: everything kept about one conversation, wherever it is kept (SQL record,
        review queue, webhook deliveries, the learning loop's proposals and gaps, every Redis key naming
        it incl. the bot's tracker, report exports). Idempotent."""
        await asyncio.to_thread(erase_conversation, self.engine, session_id, datetime.now(UTC))
        await asyncio.to_thread(self.retraining.review.forget_session, session_id)
        await asyncio.to_thread(self.deliveries.forget_session, session_id)
        await asyncio.to_thread(self.learning.forget_session, session_id)
        await erase_live_and_files(self.redis, self.settings.state_dir, session_id)
        await self.compactor.compact_now()

    async def held_about(self, session_id: str) -> dict[str, Any]:
        """What each store still holds about one conversation (bot/kept_data.py), webhook deliveries and the
        learning loop's proposals and gaps included."""
        held = await held_about(self.engine, self.retraining.review, self.redis, self.settings.state_dir, session_id)
        held["sql"]["webhook_deliveries"] = await asyncio.to_thread(self.deliveries.count_for_session, session_id)
        held["sql"] |= await asyncio.to_thread(self.learning.held_about, session_id)
        return held

    async def learn_from_rating(self, session_id: str) -> None:
        """A low rating with a comment is a gap signal; failing to file it must not fail the rating."""
        try:
            await asyncio.to_thread(self.learning.conversation_rated, session_id)
        except Exception:
            logger.warning("learning from a rating failed", exc_info=True)

    async def aclose(self) -> None:
        """Stop background tasks and close connections."""
        self.deliverer.stop()  # before the cancel, which it may not see (Deliverer.stop)
        for task in self.background:
            task.cancel()
        for task in self.background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.retraining.aclose()
        await self.deliverer.aclose()
        await self.rasa.aclose()
        await self.bus.aclose()
        await self.redis.aclose()
        self.engine.dispose()


def lookup_names(nlu_files: tuple[str, ...] = ("training_data/nlu.yml", "training_data/vocabulary.yml")
                 ) -> tuple[str, ...]:
    """The product and brand names of Rasa's lookup tables (brands in nlu.yml, products in the
    vocabulary's vocabulary.yml): the name recogniser must not hide them (spaCy takes "Gmail" or
    "Hue" for people, and Rasa needs them to tell our products from others')."""
    names: list[str] = []
    for nlu_file in nlu_files:
        _, blocks = read_rasa_nlu(PROJECT_ROOT / nlu_file)
        names += [line[2:].strip() for block in blocks if "lookup" in block
                  for line in str(block["examples"]).splitlines() if line.startswith("- ")]
    return tuple(names)


def make_engine(database_url: str) -> Engine:
    """A SQLAlchemy engine; SQLite gets the settings that let threads share it."""
    if database_url.startswith("sqlite"):
        return create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30})
    return create_engine(database_url, pool_pre_ping=True)


def load_knowledge_base(settings: Settings, engine: Engine, embedder: Embedder, paraphraser: Embedder
                        ) -> KnowledgeBase:
    """Open the knowledge base, seeding the demo articles into an empty one, and load its index."""
    assert settings.kb_index_dir is not None
    kb = build_knowledge_base(engine, settings.kb_index_dir, settings.knowledge_base, embedder,
                              paraphraser=paraphraser, ensure_index=False)
    if settings.kb_seed_dir and settings.kb_seed_dir.is_dir() and kb.is_empty():
        report = kb.import_folder(settings.kb_seed_dir)
        logger.info("seeded knowledge base with %d articles", len(report.created))
        if settings.kb_seed_vocabulary and settings.kb_seed_vocabulary.is_file():
            kb.replace_vocabulary(read_vocabulary(settings.kb_seed_vocabulary.read_text()))
            logger.info("seeded vocabulary with %d terms", len(kb.vocabulary()))
    kb.ensure_index()
    return kb


def build_learning(settings: Settings, engine: Engine, review: ReviewQueue) -> Learning:
    """The learning loop for a command-line process (``python -m bot nlu review gap``): its sentence model runs in
    this process (a shell needs no running model worker), the article index is not loaded (gaps need only the
    articles), and the tables are migrated first, as a gateway's start does."""
    migrate(engine)
    assert settings.kb_index_dir is not None
    embedder = MiniLMEmbedder(precision=settings.models.precision)
    knowledge_base = build_knowledge_base(engine, settings.kb_index_dir, settings.knowledge_base, embedder,
                                          ensure_index=False)
    redactor = PresidioRedactor(settings.privacy.redaction(lookup_names()))
    return Learning(engine, knowledge_base, embedder.embed, redactor.redact, review=review)


def containment_check(settings: RetrainingSettings, policy: Policy, redact: Callable[[str], str],
                      search_with: SearchWith) -> ContainmentCheck | None:
    """What an NLU evaluation runs the candidate over: the configured set, decided as the live bot decides."""
    if settings.containment_set is None:
        return None
    cases = load_cases(settings.containment_set, settings.containment_halves)
    return ContainmentCheck(cases, search_with, policy, redact)


def encoder_fitting(settings: RetrainingSettings, knowledge_base: KnowledgeBase) -> EncoderFit | None:
    """How a candidate gets its sentence encoder: fitted from the packaged MiniLM to the articles
    published when it is trained and their vocabulary (None when ``encoder_fit_steps`` is 0)."""
    if settings.encoder_fit_steps == 0:
        return None
    fit_settings = FitSettings(steps=settings.encoder_fit_steps)

    def fit(out_root: Path) -> FittedEncoder:
        pairs = encoder_pairs(knowledge_base.list_articles(ArticleStatus.PUBLISHED), knowledge_base.vocabulary())
        return fit_encoder(minilm_folder(), pairs, out_root, fit_settings)

    return fit


@contextlib.asynccontextmanager
async def startup_turn(redis_url: str) -> AsyncIterator[None]:
    """Gateways start one at a time: several started together (``uvicorn --workers``, or hosts at a
    deploy) would otherwise migrate the same tables, seed the same demo articles and write the same
    saved index at once. The next one then finds everything ready. The turn expires if its holder dies
    (or takes longer than ``STARTUP_TURN_S``: the next one then goes ahead, and this one still starts)."""
    client = Redis.from_url(redis_url)
    turn = client.lock(STARTUP_LOCK, timeout=STARTUP_TURN_S, blocking_timeout=STARTUP_TURN_S)
    try:
        await turn.acquire()
        yield
    finally:
        with contextlib.suppress(LockError):  # expired: someone else's turn already
            await turn.release()
        await client.aclose()


async def build_services(settings: Settings) -> Services:
    """Connect to Redis, SQL and Rasa, load the knowledge base, and start background tasks."""
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(BLOCKING_THREADS, "blocking"))
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    redis = Redis.from_pool(BlockingConnectionPool.from_url(
        settings.redis_url, decode_responses=True, health_check_interval=10,
        # Under a burst, wait for a free connection instead of failing with "Too many connections".
        max_connections=settings.redis_max_connections, timeout=settings.redis_pool_timeout_s,
        # Ride out a Redis restart or failover (about 5 s) instead of failing the customer's message.
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=10),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    ))
    subscriber = Redis.from_url(settings.redis_url, decode_responses=True, retry=Retry(NoBackoff(), 0))
    bus = LiveBus(redis, subscriber=subscriber)
    hours = settings.handoff.business_hours
    presence = PresenceRegistry(redis, bus, ttl_s=settings.handoff.heartbeat_s * 3)
    events = EventOutbox(redis)  # conversation events for webhooks (docs/webhooks.md)
    handoff = HandoffService(
        redis, bus, presence, default_queue=settings.handoff.default_queue,
        is_open=lambda: hours.is_open(datetime.now(UTC)),
        offline_note=offline_note(hours, OFFLINE_NOTE),
        closed_ttl_s=settings.privacy.closed_session_ttl_s, assignment=settings.handoff.assignment_of,
        events=events,
    )
    # The sentence models run in the model workers (encoders/worker.py), shared by every process.
    models = WorkerClient(settings.models_url, settings.models.timeout_s)
    embedder = MiniLMEmbedder(precision=settings.models.precision, worker=models)  # reports' and proposals' grouping
    paraphraser = MpnetEmbedder(precision=settings.models.precision, worker=models)
    redactor = PresidioRedactor(settings.privacy.redaction(lookup_names()))
    retraining = build_retraining(settings.retraining, engine=engine, redact=redactor.redact, redis=redis,
                                  rasa_urls=settings.rasa_servers, rasa_token=settings.rasa_token.get_secret_value(),
                                  state_dir=settings.state_dir)

    def small(fitted: Path | None) -> Embedder:  # the knowledge base's small model: the live model's encoder
        return small_embedder(fitted, settings.models.precision, models)

    live_encoder = LiveEncoder(retraining.registry, lambda fitted: knowledge_base.use_encoder(small(fitted)))
    knowledge_base, _ = await asyncio.gather(  # both load a model: in parallel
        asyncio.to_thread(load_knowledge_base, settings, engine, small(live_encoder.current()), paraphraser),
        asyncio.to_thread(redactor.warm_up))
    await asyncio.to_thread(live_encoder.sync)  # started on it: marks the live model as followed
    retraining.live_encoder = live_encoder
    retraining.encoder_fit = encoder_fitting(settings.retraining, knowledge_base)
    rasa = RasaClient(settings.rasa_servers, settings.rasa_timeout_s, settings.rasa_token.get_secret_value())
    accounts = AccountStore(engine)
    recorder = OutcomeRecorder(engine, redactor.redact)
    await asyncio.to_thread(accounts.create_schema)
    await asyncio.to_thread(recorder.create_schema)  # the migrations make the desk's table too
    canned = CannedStore(engine)
    await asyncio.to_thread(canned.seed, settings.handoff.canned_replies)
    await asyncio.to_thread(retraining.review.create_schema)
    endpoints, deliveries = EndpointStore(engine), DeliveryLog(engine)
    await asyncio.to_thread(endpoints.create_schema)
    deliverer = Deliverer(events, endpoints, deliveries, PayloadBuilder(handoff, engine, redactor.redact),
                          settings.webhooks)
    learning = Learning(engine, knowledge_base, embedder.embed, redactor.redact, review=retraining.review)

    async def learn_from_close(*args: Any) -> None:  # the closer's hook; embedding runs off the loop
        await asyncio.to_thread(learning.conversation_closed, *args)

    executor = ActionExecutor()
    policy = Policy(thresholds=knowledge_base.thresholds, **settings.routing.model_dump())
    retraining.containment = containment_check(settings.retraining, policy, redactor.redact,
                                               lambda fitted: knowledge_base.search_with(small(fitted)))
    for action in build_actions(knowledge_base, handoff, review=retraining.recorder, policy=policy):
        executor.register_action(action)
    compactor = PersistenceCompactor(redis, settings.privacy.persistence_rewrite_s)
    services = Services(
        settings=settings, engine=engine, redis=redis, bus=bus, handoff=handoff,
        knowledge_base=knowledge_base, rasa=rasa, relay=BotRelay(handoff, rasa, embed_ahead=knowledge_base.embedders),
        closer=ConversationCloser(handoff, recorder, bus, redis, settings.simulated_times, redact=redactor.redact,
                                  closed_ttl_s=settings.privacy.closed_session_ttl_s, events=events,
                                  compactor=compactor, on_closed=learn_from_close),
        accounts=accounts,
        recorder=recorder, signer=TokenSigner(settings.secret_key.get_secret_value(), settings.token_ttl_s),
        executor=executor, redactor=redactor, embedder=embedder, retraining=retraining, canned=canned, policy=policy,
        limiter=RateLimiter(settings.redis_url, settings.rate_limits, settings.secret_key.get_secret_value()),
        webhooks=endpoints, deliveries=deliveries, events=events, deliverer=deliverer, compactor=compactor,
        learning=learning,
    )
    services.background.append(asyncio.create_task(bus.run()))
    services.background.append(asyncio.create_task(knowledge_base.follow_changes()))  # other processes' edits
    services.background.append(asyncio.create_task(live_encoder.follow()))  # other gateways' promotions
    handoff_settings = settings.handoff
    if any(handoff_settings.assignment_of(q) == AssignmentMode.AUTO for q in handoff_settings.queues):
        services.background.append(asyncio.create_task(handoff.run_assignment(handoff_settings.heartbeat_s)))
    services.background.append(asyncio.create_task(
        services.closer.sweep_forever(settings.session_idle_timeout_s, settings.sweep_interval_s,
                                      settings.handoff.agent_grace_s)
    ))
    services.background.append(asyncio.create_task(deliverer.run()))
    services.background.append(asyncio.create_task(compactor.run()))
    services.background.append(asyncio.create_task(run_every(
        redis, RETENTION_LOCK, settings.privacy.retention_interval_s,
        services.run_retention, "transcript retention")))
    await asyncio.wait_for(bus.connected.wait(), timeout=10)
    return services
