"""``python -m knowledge_base``: the commands of :mod:`knowledge_base.cli`, configured as the gateway is.

This is where the process starts, so this module (not the package) reads the one Settings
(bot/core/config.py): the deployment's database and index folder, and config.yml's tuned answer
thresholds.
"""

from bot.core.config import get_settings
from knowledge_base.cli import CliConfig, main


def configured() -> CliConfig:
    """The commands' defaults from the settings (``TANDEM_*`` variables, then config.yml)."""
    settings = get_settings()
    assert settings.kb_index_dir is not None  # Settings fills it from state_dir
    return CliConfig(settings.database_url, settings.kb_index_dir, settings.knowledge_base)


if __name__ == "__main__":
    main(configured())
