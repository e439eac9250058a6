"""``python -m knowledge_base``; the commands live in :mod:`knowledge_base.cli`."""

from knowledge_base.cli import main

main()
