"""Helpers shared by the CLI's sub-apps: parsing, JSON output, human-readable times and
widths, the database.

Heavy modules (the calendar, storage) are imported inside the helpers that need them, so a
command that needs neither starts without them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from typing import TYPE_CHECKING

import typer

from jingban.errors import BadInput, JingbanError

if TYPE_CHECKING:
    from jingban.services import Services
    from jingban.storage import Database

_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def region_help() -> str:
    """The help text of a ``--region`` option: the registered region keys."""
    from jingban.calendar import region_keys

    try:
        return "地区: " + "、".join(region_keys())
    except JingbanError:  # a broken registry or setting is reported when a command runs
        return "地区"


def parse_date(text: str, field: str) -> dt.date:
    """Parse YYYY-MM-DD; raises `BadInput` naming ``field`` (a well-formed date that does not
    exist, such as 2026-09-31, is told as such)."""
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        if _DATE_SHAPE.match(text):
            raise BadInput(f"{field}: {text} 不是有效日期") from None
        raise BadInput(f"{field}: 无法识别的日期 {text!r} (应为 YYYY-MM-DD)") from None


def parse_instant(text: str, field: str) -> dt.datetime | dt.date:
    """Parse a date or an ISO 8601 date-time; a date-time without a zone is Beijing time.

    Raises `BadInput` naming ``field``.
    """
    from jingban.calendar import BEIJING

    text = text.strip()
    if len(text) == 10:
        return parse_date(text, field)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        if _DATE_SHAPE.match(text[:10]):
            parse_date(text[:10], field)  # names a date that does not exist
        raise BadInput(
            f"{field}: 无法识别的时间 {text!r} (应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM[+08:00])"
        ) from None
    return value.replace(tzinfo=BEIJING) if value.tzinfo is None else value


def emit_json(data: object) -> None:
    """Print ``data`` as JSON (UTF-8, Chinese unescaped) on stdout."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: object) -> str:
    from jingban.calendar import BEIJING

    if isinstance(value, dt.datetime):
        return value.astimezone(BEIJING).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def warn(message: str) -> None:
    """Print a warning line on stderr."""
    typer.echo(f"警告: {message}", err=True)


def open_database(*, create: bool) -> Database | None:
    """The product's database; with ``create`` false, None when the embedded file does not
    exist yet (read-only commands then answer from the packaged data alone)."""
    from jingban.storage import Database
    from jingban.storage.database import database_url, sqlite_file_exists

    url = database_url()
    if not create and not sqlite_file_exists(url):
        return None
    return Database(url)


def open_services() -> Services:
    """Every store wired on the product's database, created and migrated when needed
    (`jingban.services` is imported here: a command that only reads may do without it)."""
    from jingban.services import Services

    db = open_database(create=True)
    assert db is not None
    return Services(db)


def now_utc() -> dt.datetime:
    """The wall clock, for commands (the engine never reads it itself)."""
    return dt.datetime.now(dt.UTC)


def minutes(value: dt.datetime | None, empty: str = "-") -> str:
    """An instant as Beijing wall-clock time to the minute (``2026-12-02 09:30``)."""
    from jingban.calendar import BEIJING

    return empty if value is None else value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def width(text: str) -> int:
    """The display width of ``text`` in a terminal (wide and full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    """``text`` padded with spaces to ``columns`` display columns."""
    return text + " " * max(0, columns - width(text))


def wrap(text: str, columns: int, indent: str = "") -> list[str]:
    """``text`` cut into lines of at most ``columns`` display columns, each continuation
    line starting with ``indent``; a line breaks between characters (CJK text has no
    spaces), never inside an ASCII word shorter than the line."""
    lines: list[str] = []
    line = ""
    for token in re.findall(r"[A-Za-z0-9_.:/-]+|.", text):
        room = columns - (width(indent) if lines else 0)
        if width(line) + width(token) > room and line:
            lines.append(line)
            line = "" if token == " " else token
        else:
            line += token
    lines.append(line)
    return [lines[0], *(indent + rest for rest in lines[1:])]
