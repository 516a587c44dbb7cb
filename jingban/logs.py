"""The server's log lines: one per request and one per case action, each with the request id
(``X-Request-ID``, taken from the request when it carries a sane one, else drawn), as text or,
with ``JINGBAN_LOG_FORMAT=json``, as one JSON object a line.

Whatever a line says, it never holds a whole identity number, bank account, telephone number
or query code: every formatter of this module masks them in the finished line (`redact`),
whichever logger wrote it and whatever it interpolated — a driver's error quoting a row, a
path a client typed, a traceback. Masked forms keep what lets an operator tell two apart
(the last four characters) and nothing a person could be found by.

`configure` installs the handler on the root logger (the server, `jingban scheduler run`);
`uvicorn_config` is the same as a `logging.config.dictConfig` mapping for uvicorn's workers.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import secrets
import sys
from typing import IO, Any

from jingban.settings import settings

__all__ = [
    "REQUEST_ID",
    "JsonFormatter",
    "TextFormatter",
    "configure",
    "new_request_id",
    "redact",
    "request_id_from",
    "uvicorn_config",
]

#: The id of the request (or command) this code runs for; None outside one.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "jingban_request_id", default=None
)

_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

# A case number (KS-20261123-00042-8) is not personal data and stays whole.
_CASE_NUMBER = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2}-?\d{8}-?\d{5}-?[0-9A-Za-z](?![0-9A-Za-z])")
# Dates and times (2026-12-02, 2026-12-02 09:30) are not digit runs of a person either.
_DATE_TIME = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?(?!\d)")
# Digits with at most one space, hyphen or full-width space between two of them, maybe
# ending in the X of an identity number: identity numbers, bank accounts, phone numbers.
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ \-\u3000]?\d)*(?:[Xx])?(?!\d)")
# A passport or permit number: one or two letters and 7 to 10 digits (E12345678, H1234567801).
_DOCUMENT = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{1,2}\d{7,10}(?![0-9A-Za-z])")
# A query code: 12 characters of its alphabet, maybe in groups of 4 (ABCD-EFGH-JKMN).
_QUERY_CODE = re.compile(
    r"(?<![0-9A-Za-z])[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?"
    r"[2-9A-HJ-NP-Za-hj-np-z]{4}(?![0-9A-Za-z])"
)
# Mobile numbers have 11 digits, landlines with their area code 10 to 12, identity numbers
# 15 or 18, bank accounts 12 to 19; dates (2026-12-02, 8 digits), times, counts, ports and
# durations are shorter and are left alone.
_MIN_DIGITS = 10
# Every digit run of `_MIN_DIGITS` digits or more lies in a span this long of digits and
# separators (and a final X): text without such a span has no run to mask, and the
# digit-run pass, which visits every short run, is skipped.
_LONG_SPAN = re.compile(rf"[\d \-\u3000]{{{_MIN_DIGITS},}}")
_KEPT = re.compile(r"\x00(\d+)\x00")


def _mask_run(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"[ \-\u3000]", "", text)
    if len(digits) < _MIN_DIGITS:
        return text
    return "*" * (len(digits) - 4) + digits[-4:]


def _mask_code(match: re.Match[str]) -> str:
    text = match.group(0)
    bare = text.replace("-", "")
    if bare.isalpha() and (bare.islower() or bare.istitle()):
        return text  # an ordinary word (``transparency``), not a code
    return "*" * 8 + bare[-4:]


def redact(text: str) -> str:
    """``text`` with every identity number, bank account, telephone number (a run of 10
    digits or more, maybe grouped by spaces or hyphens), passport-like document number and
    query code masked to its last 4 characters; case numbers, dates and shorter digit runs
    are left as they are. A NUL character in ``text`` comes out as the four characters
    ``\\x00``."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    # NUL marks the parts kept whole below: one in the text itself is shown escaped.
    text = text.replace("\x00", "\\x00")
    text = _CASE_NUMBER.sub(keep, text)
    text = _DATE_TIME.sub(keep, text)
    text = _DOCUMENT.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(0)[-4:], text)
    if _LONG_SPAN.search(text):
        text = _DIGIT_RUN.sub(_mask_run, text)
    text = _QUERY_CODE.sub(_mask_code, text)
    return _KEPT.sub(lambda m: kept[int(m.group(1))], text) if kept else text


def new_request_id() -> str:
    """A fresh request id: 16 hexadecimal characters, drawn again while `redact` would mask
    part of it (ten decimal digits in a row read as a number of a person), so the id a
    response carries is the one its log lines show."""
    while True:
        drawn = secrets.token_hex(8)
        if redact(drawn) == drawn:
            return drawn


def request_id_from(header: str | None) -> str:
    """The id a request's ``X-Request-ID`` carries when it is short and plain (letters,
    digits, ``._:-``, at most 64), else a fresh one; either way redacted of anything
    personal a client may have put in it."""
    value = (header or "").strip()
    if _SANE_ID.fullmatch(value) and redact(value) == value:
        return value
    return new_request_id()


# Attributes every LogRecord has: what is not among them came from ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class TextFormatter(logging.Formatter):
    """``2026-12-02T09:30:00.123+00:00 INFO jingban.http [rid] message key=value …``,
    redacted."""

    def format(self, record: logging.LogRecord) -> str:
        at = dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds")
        rid = getattr(record, "request_id", None) or REQUEST_ID.get() or "-"
        extras = " ".join(
            f"{k}={v}"
            for k, v in _extras(record).items()
            if k not in ("request_id", "color_message")
        )
        line = f"{at} {record.levelname} {record.name} [{rid}] {record.getMessage()}"
        if extras:
            line = f"{line} {extras}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``at``, ``level``, ``logger``, ``message``, ``request_id``,
    the record's extra fields, and ``exception`` when there is one; redacted."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "at": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        for key, value in _extras(record).items():
            if key not in body and key != "color_message":
                body[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(body, ensure_ascii=False))


def formatter() -> logging.Formatter:
    """The formatter ``JINGBAN_LOG_FORMAT`` asks for."""
    return JsonFormatter() if settings().log_format == "json" else TextFormatter()


def configure(stream: IO[str] | None = None, level: int = logging.INFO) -> logging.Handler:
    """Send every logger's lines (jingban's, uvicorn's, the libraries') through one handler
    on ``stream`` (default: standard error) with the configured formatter; returns it.
    Idempotent: a second call replaces the handler it installed before."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_jingban", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter())
    handler._jingban = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def uvicorn_config() -> dict[str, Any]:
    """A `logging.config.dictConfig` mapping for uvicorn (each worker applies it): every
    line, uvicorn's own included, through the configured formatter on standard error."""
    kind = "json" if settings().log_format == "json" else "text"
    cls = {"json": "jingban.logs.JsonFormatter", "text": "jingban.logs.TextFormatter"}[kind]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"jingban": {"()": cls}},
        "handlers": {
            "jingban": {
                "class": "logging.StreamHandler",
                "formatter": "jingban",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["jingban"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
