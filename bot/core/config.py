"""The gateway's settings: one object, read from the environment and from config.yml.

Precedence, highest first: arguments (tests), ``TANDEM_*`` environment variables (nested fields
with ``__``, e.g. ``TANDEM_HANDOFF__AGENT_GRACE_S``), then the ``tandem:`` section of Rasa's
config.yml, so the people who tune the bot find every threshold in one file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from desk.canned import check_text
from encoders import Precision
from handoff.assignment import AssignmentMode
from handoff.hours import BusinessHours
from outcomes import Fees, Targets
from retraining import RetrainingSettings
from webhooks.settings import WebhookSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class KnowledgeBaseThresholds(BaseModel):
    """When the bot answers, offers a choice, or hands over (calibrated by benchmarks/kb_answerability.py).

    Extra keys pass through to the knowledge base, which owns their meaning.
    """

    model_config = ConfigDict(extra="allow")

    answer_threshold: float = 0.62
    answer_margin: float = 0.03
    clarify_threshold: float = 0.50
    lead_margin: float = 0.12
    lead_answer_threshold: float = 0.50
    lead_clarify_threshold: float = 0.42
    clarify_max_options: int = 3


class RoutingSettings(BaseModel):
    """How much the classifier's "third party" / "out of scope" counts against the articles (routing/decision.py)."""

    veto_confidence: float = Field(default=0.80, ge=0, le=1)
    veto_clarify: float = 0.56
    person_confidence: float = Field(default=0.30, ge=0, le=1)
    order_topic: str = "Orders & Shipping"
    brand_clarify: float = Field(default=0.38, ge=0, le=1)
    product_confidence: float = Field(default=0.50, ge=0, le=1)
    product_clarify: float = Field(default=0.42, ge=0, le=1)
    lead_answer: float = Field(default=0.38, ge=0, le=1)
    corroborate_below: float = Field(default=0.80, ge=0, le=1.5)


class ModelSettings(BaseModel):
    """The sentence models and the model workers that serve them (encoders/worker.py, docs/capacity.md).

    Rasa's featurizer has its own ``precision`` in config.yml's pipeline, since Rasa reads its own;
    it reaches the workers at the address ``make run`` gives it (``TANDEM_MODELS_URL``).
    """

    #: ``fp32`` gives the models' own vectors; ``int8`` about 1.6x less CPU per query, cosine to fp32
    #: >= 0.99, but the decision thresholds were calibrated on fp32 (re-run kb_answerability first).
    precision: Precision = Precision.FP32
    #: ONNX Runtime threads per model in each worker (and in offline jobs).
    threads: int = Field(default=1, ge=1, le=64)
    #: The Redis the workers take requests from; empty: ``redis_url``.
    url: str = ""
    #: Worker processes ``make run`` starts (more can run on other machines against the same Redis).
    workers: int = Field(default=1, ge=1, le=16)
    #: After a worker reads the first request, how long it waits for more to batch with it.
    batch_window_ms: float = Field(default=2.0, ge=0, le=1000)
    #: Requests (of up to 64 texts each) one worker reads at a time.
    max_batch: int = Field(default=64, ge=1, le=1024)
    #: How long a client waits for its vectors while a worker is alive (with none alive it stops at once).
    timeout_s: float = Field(default=20.0, gt=0)
    #: How long vectors stay in the shared cache: long enough for Rasa and the knowledge base to
    #: share one message's, short enough to keep Redis small (about 5 KB per message).
    cache_ttl_s: int = Field(default=120, ge=1)


class HandoffSettings(BaseModel):
    """How the human side works: queues, capacity, presence, hours, the desk's defaults."""

    queues: list[str] = Field(default_factory=lambda: ["general", "technical", "billing"])
    default_queue: str = "general"
    default_capacity: int = Field(default=3, ge=1, le=50)
    heartbeat_s: float = Field(default=10.0, gt=0)
    agent_grace_s: float = Field(default=30.0, ge=0)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    #: The canned responses put in when there are none (they are data: GET /api/handoff/canned).
    canned_replies: list[str] = Field(default_factory=list)
    #: How waiting chats reach agents: ``auto`` (the free agent who waited longest gets the oldest)
    #: or ``manual`` (agents claim them); ``assignment_by_queue`` overrides it per queue.
    assignment: AssignmentMode = AssignmentMode.AUTO
    assignment_by_queue: dict[str, AssignmentMode] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_queues(self) -> HandoffSettings:
        unknown = sorted(set(self.assignment_by_queue) - set(self.queues))
        if unknown:
            raise ValueError(f"assignment_by_queue names unknown queues {unknown}; queues: {self.queues}")
        return self

    def assignment_of(self, queue: str) -> AssignmentMode:
        """The assignment mode of ``queue`` (its own, else the default)."""
        return self.assignment_by_queue.get(queue, self.assignment)
    #: How many knowledge-base articles the console suggests for the customer's question (0: none).
    suggestions: int = Field(default=3, ge=0, le=10)

    @field_validator("canned_replies")
    @classmethod
    def _usable_replies(cls, value: list[str]) -> list[str]:
        for text in value:
            check_text(text)  # raises InvalidCanned (a ValueError) naming an unknown placeholder
        return value


class ServiceSettings(BaseModel):
    """The contract the service reports measure against (``tandem: service:`` in config.yml)."""

    targets: Targets = Field(default_factory=Targets)
    fees: Fees = Field(default_factory=Fees)
    timezone: str = "UTC"  # the local clock of the reports' days and hours

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone, naming it
        return value


class PrivacySettings(BaseModel):
    """What is masked at the door, how long live and stored data are kept, and words the name
    recogniser must not hide (``tandem: privacy:``; docs/privacy.md)."""

    retention_days: int = Field(default=90, ge=1)  # stored transcripts older than this are anonymised
    retention_interval_s: float = Field(default=3600.0, gt=0)  # how often the retention job runs
    keep_words: list[str] = Field(default_factory=list)  # product and brand names, e.g. ["Lumen"]
    #: Masked in every message before it is stored or sent anywhere (privacy.redactor.SECRET_RECOGNIZERS).
    secrets: list[str] = Field(default_factory=lambda: list(_redactor().SECRETS))
    #: May stay in the live chat the agent reads until it closes; anything else is redacted at the door.
    live_kept: list[str] = Field(default_factory=lambda: list(_redactor().LIVE_KEPT))
    #: The one lifetime of a conversation's live state after it closes (session, redacted transcript,
    #: Rasa's tracker): long enough to reload the widget and rate the chat.
    closed_session_ttl_s: int = Field(default=24 * 3600, ge=60)
    #: Redis persistence is rewritten after each close, erasure and retention run (so closed chats'
    #: live e-mail addresses and phone numbers leave the append-only file); closes coalesce into at
    #: most one rewrite per this many seconds (bot/persistence.py).
    persistence_rewrite_s: float = Field(default=10.0, ge=0)

    @field_validator("secrets")
    @classmethod
    def _known_secrets(cls, value: list[str]) -> list[str]:
        _redactor().RedactionSettings(secrets=tuple(value))  # raises ValueError naming the unknown kinds
        return value

    def redaction(self, keep_phrases: tuple[str, ...] = ()) -> Any:
        """The redactor's ``RedactionSettings`` (``keep_phrases``: product and brand names it must not hide)."""
        return _redactor().RedactionSettings(keep_words=tuple(self.keep_words), keep_phrases=keep_phrases,
                                             secrets=tuple(self.secrets), live_kept=tuple(self.live_kept))


def _redactor() -> Any:
    """privacy.redactor, imported when first needed: it loads Presidio, which CLIs should not wait for."""
    import privacy.redactor

    return privacy.redactor


class RateLimitSettings(BaseModel):
    """Request budgets in ``limits`` notation ("30/minute"), enforced across gateways via Redis."""

    messages_per_session: str = "30/minute"
    messages_per_ip: str = "600/minute"
    sessions_per_ip: str = "120/hour"
    logins_per_ip: str = "20/minute"
    frames_per_connection: str = "40/5seconds"

    @field_validator("*")
    @classmethod
    def _parses(cls, value: str) -> str:
        from limits import parse  # local: only validation needs it here

        parse(value)  # raises ValueError naming the bad string
        return value


DEFAULT_GREETING = ("Hi! I'm the Lumen assistant. I can answer questions about Lumen lights, the Hub and the app, "
                    "your orders and deliveries, and Lumen Plus. Would you rather talk to a person? "
                    "Just say so: one message is all it takes.")


class Settings(BaseSettings):
    """Everything a deployment may change, with defaults that run on a laptop."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_", env_nested_delimiter="__", extra="ignore")

    state_dir: Path = PROJECT_ROOT / "state"
    #: ``TANDEM_REDIS_URL``, or the conventional ``REDIS_URL`` of hosting platforms.
    redis_url: str = Field(default="redis://127.0.0.1:6379/0",
                           validation_alias=AliasChoices("TANDEM_REDIS_URL", "REDIS_URL", "redis_url"))
    #: Connections per gateway process; past this, commands wait up to ``redis_pool_timeout_s``.
    redis_max_connections: int = Field(default=256, ge=8)
    redis_pool_timeout_s: float = Field(default=10.0, gt=0)
    database_url: str = ""
    #: One Rasa server, or several separated by commas (they share the Redis tracker and lock stores).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr("")
    rasa_timeout_s: float = 20.0
    secret_key: SecretStr = SecretStr("")
    action_token: SecretStr = SecretStr("")
    #: ``make run`` only: the demo staff accounts' password, and how many Rasa servers and gateway
    #: processes to start (two gateway processes use both cores of a 2-core machine: docs/capacity.md).
    demo_password: SecretStr = SecretStr("")
    rasa_processes: int = Field(default=1, ge=1, le=16)
    gateway_processes: int = Field(default=2, ge=1, le=32)
    token_ttl_s: int = 12 * 3600
    allowed_origins: list[str] = Field(default_factory=lambda: ["*"])
    #: The widget's first words (the ``session`` frame's ``greeting``): what the assistant can do,
    #: and that a person is one message away. Empty: no greeting.
    widget_greeting: str = Field(default=DEFAULT_GREETING, max_length=1000)
    max_message_chars: int = 2000
    max_frame_bytes: int = 64 * 1024
    session_idle_timeout_s: int = 30 * 60
    sweep_interval_s: float = 30.0
    kb_index_dir: Path | None = None
    kb_seed_dir: Path | None = PROJECT_ROOT / "knowledge_base" / "demo" / "articles"
    #: The customers' vocabulary seeded into a fresh knowledge base with the articles.
    kb_seed_vocabulary: Path | None = PROJECT_ROOT / "knowledge_base" / "demo" / "vocabulary.yml"
    #: Rasa's copy of the vocabulary's product terms, rewritten on every change; the next retrain reads it.
    kb_rasa_vocabulary_file: Path | None = PROJECT_ROOT / "training_data" / "vocabulary.yml"
    knowledge_base: KnowledgeBaseThresholds = Field(default_factory=KnowledgeBaseThresholds)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    models: ModelSettings = Field(default_factory=ModelSettings)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    retraining: RetrainingSettings = Field(default_factory=RetrainingSettings)  # docs/retraining.md
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)  # docs/webhooks.md
    # Benchmarks only: honour the simulated start times benchmarks/simulated_month.py puts in Redis.
    simulated_times: bool = False

    def model_post_init(self, __context: Any) -> None:
        """Fill the paths that depend on ``state_dir``."""
        if not self.database_url:
            self.database_url = f"sqlite:///{self.state_dir / 'tandem.db'}"
        if self.kb_index_dir is None:
            self.kb_index_dir = self.state_dir / "kb_index"

    @property
    def tracker_record_exp_s(self) -> int:
        """Rasa's tracker expiry (``record_exp``, renewed at every save): an idle chat is closed after
        ``session_idle_timeout_s``, then its live state lives ``closed_session_ttl_s``; the gateway
        shortens it to that when the chat closes."""
        return self.session_idle_timeout_s + self.privacy.closed_session_ttl_s

    @property
    def models_url(self) -> str:
        """The Redis of the model workers' queue (``models.url``, else ``redis_url``)."""
        return self.models.url or self.redis_url

    @property
    def rasa_servers(self) -> list[str]:
        """The Rasa server URLs in ``rasa_url`` (comma-separated when there are several)."""
        return [url.strip().rstrip("/") for url in self.rasa_url.split(",") if url.strip()]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then config.yml's ``tandem:`` section."""
        config_file = Path(os.environ.get("TANDEM_CONFIG_FILE", PROJECT_ROOT / "config.yml"))
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=config_file, yaml_config_section="tandem")
        return init_settings, env_settings, yaml_source


@lru_cache
def get_settings() -> Settings:
    """The process's settings, built once on first use (tests build their own)."""
    return Settings()
