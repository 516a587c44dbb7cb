"""Fixtures of the console's browser tests (see console_support), and a report aid: when a
browser step times out, the report carries every thread's stack at that moment (the test
server runs in this process), so a hung request names what it waits for."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from console_support import browser, page, server

__all__ = ["browser", "page", "server"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    outcome = yield
    report = outcome.get_result()
    error = call.excinfo
    if report.failed and error is not None and error.typename == "TimeoutError":
        names = {t.ident: t.name for t in threading.enumerate()}
        stacks = [
            f"--- {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
            for ident, frame in sys._current_frames().items()
        ]
        report.sections.append(("threads when the step timed out", "\n".join(stacks)))
