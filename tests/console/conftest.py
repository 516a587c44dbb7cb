"""Fixtures of the console's browser tests (see console_support)."""

from console_support import browser, page, server

__all__ = ["browser", "page", "server"]
