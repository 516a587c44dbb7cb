"""Helpers shared by the CLI's sub-apps: parsing, JSON output, the database."""

from __future__ import annotations

import datetime as dt
import json

import typer

from jingban.calendar import BEIJING, region_keys
from jingban.errors import BadInput, JingbanError
from jingban.storage import Database
from jingban.storage.database import database_url, sqlite_file_exists


def region_help() -> str:
    """The help text of a ``--region`` option: the registered region keys."""
    try:
        return "地区: " + "、".join(region_keys())
    except JingbanError:  # a broken registry or setting is reported when a command runs
        return "地区"


def parse_date(text: str, field: str) -> dt.date:
    """Parse YYYY-MM-DD; raises `BadInput` naming ``field``."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{field}: 无法识别的日期 {text!r} (应为 YYYY-MM-DD)") from None


def parse_instant(text: str, field: str) -> dt.datetime | dt.date:
    """Parse a date or an ISO 8601 date-time; a date-time without a zone is Beijing time.

    Raises `BadInput` naming ``field``.
    """
    text = text.strip()
    if len(text) == 10:
        return parse_date(text, field)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{field}: 无法识别的时间 {text!r} (应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM[+08:00])"
        ) from None
    return value.replace(tzinfo=BEIJING) if value.tzinfo is None else value


def emit_json(data: object) -> None:
    """Print ``data`` as JSON (UTF-8, Chinese unescaped) on stdout."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: object) -> str:
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
    url = database_url()
    if not create and not sqlite_file_exists(url):
        return None
    return Database(url)


def now_utc() -> dt.datetime:
    """The wall clock, for commands (the engine never reads it itself)."""
    return dt.datetime.now(dt.UTC)
