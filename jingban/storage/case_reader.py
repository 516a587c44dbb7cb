"""One case and its audit trail read through the bare driver, for a command that only shows
them (`jingban case show`): on an embedded SQLite file at the packaged schema revision, no
SQLAlchemy, no catalog and no calendar is imported.

The statements are the action path's own (`jingban.storage._fast.FastSQL`: ``select_case``,
``select_events``, ``select_refusals``) and the rows become a `Case` and `AuditEvent`s
through the same conversions (`jingban.storage._case_rows`), so the columns and the stored
forms are known in one place. `read_case` answers None where it cannot answer by itself — a
URL other than a plain SQLite file, a file that does not exist, a database at another schema
revision (it is then migrated by the usual `jingban.storage.Database`), a driver error — and
the caller reads the case through `jingban.storage.CaseStore` instead.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from jingban.engine.audit import AuditEvent
from jingban.engine.case_number import normalise_case_number, well_formed_case_number
from jingban.engine.model import Case
from jingban.engine.replay import in_order
from jingban.settings import settings
from jingban.storage._case_rows import (
    CaseNotFound,
    case_from_mapping,
    event_from_mapping,
    linked,
    refusal_from_mapping,
)
from jingban.storage._fast import FastSQL
from jingban.storage._message_rows import MESSAGE_COLUMNS, MESSAGES_SQL, message_dict
from jingban.storage.revisions import packaged_head

_SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def sqlite_path(url: str) -> Path | None:
    """The file a plain SQLite URL names (``sqlite:///jingban.db``, relative to the working
    directory as SQLAlchemy reads it; ``sqlite:////abs/path.db``); None for an in-memory
    database, a URL with query parameters or escapes, and every other backend."""
    for prefix in _SQLITE_PREFIXES:
        if url.startswith(prefix):
            rest = url.removeprefix(prefix)
            if not rest or rest == ":memory:" or "?" in rest or "%" in rest:
                return None
            return Path(rest)
    return None


def read_case(case_no: str, url: str | None = None) -> tuple[Case, list[AuditEvent]] | None:
    """The case numbered ``case_no`` and its audit records in order (each refused attempt
    right after the chain record it was decided against, as `CaseStore.history` gives them),
    read in one read transaction of the database at ``url`` (default: the configured one),
    or None when this reader cannot answer (see the module's text).

    Raises `BadCaseNumber` for a malformed number (or one of no registered region) and
    `CaseNotFound` when the database holds no such case, with the messages of `CaseStore`.
    """
    canonical = well_formed_case_number(case_no)
    config = settings()
    path = sqlite_path(url or config.database_url)
    if path is None or not path.is_file():
        return None
    sql = FastSQL("sqlite")
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro",
            uri=True,
            timeout=config.sqlite_busy_seconds,
            isolation_level=None,
        )
    except sqlite3.Error:
        return None
    try:
        cur = conn.cursor()
        cur.execute("BEGIN")  # the case and its records from one snapshot
        cur.execute("SELECT version_num FROM alembic_version")
        if [row[0] for row in cur.fetchall()] != [packaged_head()]:
            return None
        cur.execute(sql.select_case, (canonical,))
        row = cur.fetchone()
        if row is None:
            normalise_case_number(case_no)  # an unknown region code is told as such
            raise CaseNotFound(f"没有编号为 {canonical} 的办件")
        case = case_from_mapping(sql.case_mapping(row), compact=False)
        cur.execute(sql.select_events, (canonical,))
        chain = list(linked(event_from_mapping(sql.event_mapping(r)) for r in cur.fetchall()))
        cur.execute(sql.select_refusals, (canonical,))
        refusals = [refusal_from_mapping(sql.refusal_mapping(r)) for r in cur.fetchall()]
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return case, in_order(chain, refusals)


def read_messages(case_no: str, url: str | None = None) -> list[dict[str, object]] | None:
    """The applicant messages of the case (`jingban.storage._message_rows.message_dict`),
    read like `read_case`, or None when this reader cannot answer."""
    canonical = well_formed_case_number(case_no)
    config = settings()
    path = sqlite_path(url or config.database_url)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro",
            uri=True,
            timeout=config.sqlite_busy_seconds,
            isolation_level=None,
        )
    except sqlite3.Error:
        return None
    try:
        cur = conn.cursor()
        cur.execute("SELECT version_num FROM alembic_version")
        if [row[0] for row in cur.fetchall()] != [packaged_head()]:
            return None
        cur.execute(MESSAGES_SQL, (canonical,))
        rows = cur.fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return [message_dict(dict(zip(MESSAGE_COLUMNS, r, strict=True))) for r in rows]
