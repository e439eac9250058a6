"""Helpers shared by the test suites: the running system and protocol clients."""
