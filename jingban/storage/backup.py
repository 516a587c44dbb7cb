"""Online backup and restore of the whole database (`jingban db backup`, `jingban db restore`).

A backup is consistent while the server runs and writes: on SQLite it is SQLite's online
backup API (`sqlite3.Connection.backup`), which copies the pages of one read transaction — in
WAL mode writers go on meanwhile — into a new file, then checks it with
``PRAGMA integrity_check``; on PostgreSQL it is ``pg_dump --format=custom``, which reads every
table in one repeatable-read snapshot. Either way every case row and the audit chain behind it
come from the same instant, so a restored case's state is the state of its last audit record.

A restore goes only into an empty database (no table at all): it never merges into or
overwrites live data. The file's first bytes tell its kind; a SQLite backup restores into a
SQLite file, a PostgreSQL dump (``pg_restore --single-transaction``, so a failure leaves the
database empty) into PostgreSQL.

The server key file (`jingban.storage.keys`) is not part of the database and not part of a
backup: it is backed up apart from it, and must be back in place before a restore.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.engine import URL, make_url

from jingban.errors import BadInput, DatabaseUnavailable, NotAllowed
from jingban.settings import settings
from jingban.storage.database import make_engine
from jingban.storage.models import (
    ALERTS,
    AUDIT,
    CASES,
    CHECKPOINTS,
    DELIVERIES,
    REFUSALS,
    USERS,
)

__all__ = ["BackupFile", "backup", "pg_tool", "restore", "table_counts"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"

#: What a restore reports: table label → table (counted after the restore).
COUNTED = {
    "cases": CASES,
    "audit_events": AUDIT,
    "audit_refusals": REFUSALS,
    "audit_checkpoints": CHECKPOINTS,
    "alerts": ALERTS,
    "deliveries": DELIVERIES,
    "users": USERS,
}


@dataclass(frozen=True, slots=True)
class BackupFile:
    """A backup written: where, of which kind (``sqlite`` or ``postgresql``), how big."""

    path: Path
    kind: str
    size: int


def pg_tool(name: str) -> str:
    """The path of PostgreSQL's ``name`` (``pg_dump`` or ``pg_restore``): in the directory
    of ``JINGBAN_PG_BIN_DIR`` when set, else on ``PATH``, else the newest Debian install
    (``/usr/lib/postgresql/*/bin``). Raises `DatabaseUnavailable` naming the setting."""
    configured = settings().pg_bin_dir
    if configured:
        candidate = Path(configured).expanduser() / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise DatabaseUnavailable(
            f"在 JINGBAN_PG_BIN_DIR ({configured}) 中找不到可执行的 {name}", retry_after=60
        )
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if installed:
        return installed[-1]
    raise DatabaseUnavailable(
        f"找不到 PostgreSQL 的 {name}: 请安装 PostgreSQL 客户端，"
        "或用 JINGBAN_PG_BIN_DIR 指明其目录",
        retry_after=60,
    )


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for ``url`` without its password, and the environment that
    carries the password (``PGPASSWORD``), so no password appears in a process list."""
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _sqlite_file(url: URL) -> Path:
    database = url.database or ""
    if database in ("", ":memory:"):
        raise BadInput("内存中的 SQLite 数据库不能备份或恢复: 请用数据库文件")
    return Path(database).expanduser()


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    """Run a PostgreSQL client tool; its failure is `DatabaseUnavailable` with its words."""
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise DatabaseUnavailable(f"{what}失败: 无法运行 {command[0]} ({exc})") from None
    if done.returncode != 0:
        words = " ".join(done.stderr.split())[:300] or f"退出码 {done.returncode}"
        raise DatabaseUnavailable(f"{what}失败: {words}", detail=done.stderr)


def backup(target: Path, url: str | None = None) -> BackupFile:
    """Write a consistent backup of the database at ``url`` (default: the configured one)
    to ``target``, which must not exist yet (written beside it, then renamed into place, so
    an interrupted backup never leaves a half file under the name). Raises `BadInput` for an
    existing target or a directory that cannot be written, `DatabaseUnavailable` when the
    database or ``pg_dump`` cannot be reached."""
    parsed = make_url(url or settings().database_url)
    target = target.expanduser()
    if target.exists():
        raise BadInput(f"备份文件 {target} 已存在: 请换一个文件名 (备份不覆盖已有文件)")
    if not target.parent.is_dir():
        raise BadInput(f"备份目录 {target.parent} 不存在")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_file(parsed), partial)
            kind = "sqlite"
        else:
            uri, env = _libpq(parsed)
            _run(
                [pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", uri],
                env,
                "备份",
            )
            kind = "postgresql"
        partial.replace(target)
    except PermissionError:
        raise BadInput(f"不能写入备份文件 {target}: 没有权限") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupFile(target, kind, target.stat().st_size)


def _read_only(path: Path) -> str:
    """The URI opening ``path`` read-only (any character of the path quoted)."""
    return f"{path.resolve().as_uri()}?mode=ro"


def _sqlite_backup(source: Path, partial: Path) -> None:
    if not source.exists():
        raise BadInput(f"数据库文件 {source} 不存在")
    timeout = settings().sqlite_busy_seconds
    src = sqlite3.connect(_read_only(source), uri=True, timeout=timeout)
    try:
        dest = sqlite3.connect(partial)
        try:
            src.backup(dest)  # all pages in one step: one read transaction, one instant
            checked = dest.execute("PRAGMA integrity_check").fetchone()
            if checked is None or checked[0] != "ok":
                raise DatabaseUnavailable(f"备份文件校验失败: {checked}")
        finally:
            dest.close()
    except sqlite3.OperationalError as exc:
        raise DatabaseUnavailable(f"备份失败: {exc}", detail=str(exc)) from None
    finally:
        src.close()


def _kind_of(source: Path) -> str:
    try:
        with source.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BadInput(f"备份文件 {source} 不存在") from None
    except OSError as exc:
        raise BadInput(f"无法读取备份文件 {source}: {exc}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BadInput(f"{source} 不是 jingban 的备份文件 (既不是 SQLite 数据库，也不是 pg_dump 备份)")


def _tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(inspect(conn).get_table_names())


def restore(source: Path, url: str | None = None) -> str:
    """Restore the backup ``source`` into the empty database at ``url`` (default: the
    configured one); returns the backup's kind. Raises `BadInput` for a file that is not a
    backup, or of the other database's kind; `NotAllowed` when the database holds any table
    (nothing is changed then); `DatabaseUnavailable` when it cannot be reached or
    ``pg_restore`` fails (the single transaction leaves the database empty)."""
    source = source.expanduser()
    kind = _kind_of(source)
    parsed = make_url(url or settings().database_url)
    backend = parsed.get_backend_name()
    if kind != backend:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BadInput(
            f"{source} 是 {names[kind]} 的备份，不能恢复到 {names.get(backend, backend)} 数据库"
        )
    if kind == "sqlite":
        _sqlite_restore(source, _sqlite_file(parsed))
        return kind
    engine = make_engine(parsed.render_as_string(hide_password=False))
    try:
        present = _tables(engine)
    finally:
        engine.dispose()
    if present:
        raise NotAllowed(_not_empty(parsed.database or "", len(present)))
    uri, env = _libpq(parsed)
    _run(
        [
            pg_tool("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={uri}",
            str(source),
        ],
        env,
        "恢复",
    )
    return kind


def _not_empty(name: str, tables: int) -> str:
    return (
        f"数据库 {name} 不是空的 (已有 {tables} 张表): 恢复只能写入空数据库，"
        "请新建一个空数据库 (或换一个新文件名) 后再恢复"
    )


def _sqlite_restore(source: Path, target: Path) -> None:
    if target.exists() and target.stat().st_size > 0:
        check = sqlite3.connect(_read_only(target), uri=True)
        try:
            tables = check.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
            count = int(tables.fetchone()[0])
        except sqlite3.DatabaseError:
            count = -1
        finally:
            check.close()
        if count != 0:
            raise NotAllowed(_not_empty(str(target), max(count, 1)))
    src = sqlite3.connect(_read_only(source), uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BadInput(f"备份文件 {source} 已损坏 (完整性检查未通过)")
        has_version = src.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if not has_version or not has_version[0]:
            raise BadInput(f"{source} 不是 jingban 的数据库备份 (没有结构版本表)")
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)
        finally:
            dest.close()
    except sqlite3.DatabaseError as exc:
        with contextlib.suppress(OSError):
            target.unlink()
        raise BadInput(f"备份文件 {source} 无法读取: {exc}") from None
    finally:
        src.close()


def table_counts(engine: Engine) -> dict[str, int]:
    """The number of rows of each table a restore reports (`COUNTED`)."""
    with engine.connect() as conn:
        return {
            label: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for label, table in COUNTED.items()
        }
