"""The log of a whole test run, scanned at its end for personal data.

Every line jingban's loggers write in the test process during a run goes through a handler
with the JSON formatter operators use (`jingban.logs.JsonFormatter`) into one file; when the
run ends, `leaks` scans that file, and a full identity number (its GB 11643 check character
valid), a mainland mobile number or a bank-account-long digit run found there fails the run
(`tests/conftest.py`). Processes the tests start (``jingban serve``, commands) log to their
own standard error; `tests/ops/test_ops_logs.py` scans a real server session's lines.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from jingban.logs import JsonFormatter

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ACCOUNT = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
#: The run's log: ``path`` and ``handler``, once `install` ran.
RUN_LOG: dict[str, object] = {}


def _is_identity(number: str) -> bool:
    value = (12 - sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11) % 11
    return number[17].upper() == ("X" if value == 10 else str(value))


def leaks(text: str) -> list[str]:
    """Each line of ``text`` holding a full identity number, a mobile number or an
    account-long run of digits (what the log formatter must mask)."""
    found = []
    for line in text.splitlines():
        ids = [m.group(1) for m in _ID.finditer(line) if _is_identity(m.group(1))]
        if ids or _MOBILE.search(line) or _ACCOUNT.search(line):
            found.append(line)
    return found


def install(path: Path) -> logging.Handler:
    """Send every line of the ``jingban`` loggers (INFO and above) into ``path``."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("jingban")
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    RUN_LOG.update(path=path, handler=handler)
    return handler
