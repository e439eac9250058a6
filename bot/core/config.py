"""The gateway's settings: one object, read from the environment and from config.yml.

Environment variables are prefixed ``TANDEM_`` (``TANDEM_REDIS_URL``, ``TANDEM_DATABASE_URL``…).
The knowledge-base thresholds live in the ``tandem:`` section of Rasa's config.yml, so that
the people who tune the bot find every threshold in one file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class KnowledgeBaseThresholds(BaseModel):
    """When the bot answers, offers a choice, or hands over (see docs/metrics.md)."""

    answer_threshold: float = 0.55
    clarify_threshold: float = 0.40
    clarify_max_options: int = 3


class Settings(BaseSettings):
    """Everything a deployment may change, with defaults that run on a laptop."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_", extra="ignore")

    state_dir: Path = PROJECT_ROOT / "state"
    config_file: Path = PROJECT_ROOT / "config.yml"
    redis_url: str = "redis://127.0.0.1:6379/0"
    database_url: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr("")
    rasa_timeout_s: float = 20.0
    secret_key: SecretStr = SecretStr("")
    action_token: SecretStr = SecretStr("")
    token_ttl_s: int = 12 * 3600
    allowed_origins: list[str] = Field(default_factory=lambda: ["*"])
    max_message_chars: int = 2000
    max_frame_bytes: int = 64 * 1024
    session_idle_timeout_s: int = 30 * 60
    sweep_interval_s: float = 30.0
    kb_index_dir: Path | None = None
    kb_seed_dir: Path | None = PROJECT_ROOT / "knowledge_base" / "demo" / "articles"
    kb: KnowledgeBaseThresholds = Field(default_factory=KnowledgeBaseThresholds)

    def model_post_init(self, __context: Any) -> None:
        """Fill the paths that depend on ``state_dir`` and read config.yml's ``tandem:`` section."""
        if not self.database_url:
            self.database_url = f"sqlite:///{self.state_dir / 'tandem.db'}"
        if self.kb_index_dir is None:
            self.kb_index_dir = self.state_dir / "kb_index"
        section = _tandem_section(self.config_file)
        if "knowledge_base" in section:
            self.kb = KnowledgeBaseThresholds(**section["knowledge_base"])


def _tandem_section(config_file: Path) -> dict[str, Any]:
    """Return the ``tandem:`` mapping of Rasa's config.yml, or {} when there is none."""
    if not config_file.exists():
        return {}
    loaded = yaml.safe_load(config_file.read_text()) or {}
    section = loaded.get("tandem") or {}
    return section if isinstance(section, dict) else {}


@lru_cache
def get_settings() -> Settings:
    """The process's settings, built once on first use (tests build their own)."""
    return Settings()
