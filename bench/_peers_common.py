"""What the contenders of the peer benchmark share: the five steps every case goes through,
the SQLite connection every peer opens (WAL, ``synchronous=FULL``), the checks that each
contender finished every case and logged each step, and the on-disk size of a database."""

from __future__ import annotations

import abc
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from _actions_common import APPLICANT, NOW, PHASES, STEPS

# The clerk who accepts a case is the one who opened it, as in jingban_cycle.
OPEN_ACTOR = STEPS[0][1]

# (phase, source state, target state, actor) for the peers: the phases of jingban's cycle,
# and the states jingban's sichuan inpatient_reimbursement passes through. A peer's case
# starts in "new" (never committed as such) and is opened into "submitted".
TRANSITIONS: tuple[tuple[str, str, str, str], ...] = (
    ("open", "new", "submitted", OPEN_ACTOR),
    ("accept", "submitted", "accepted", STEPS[0][1]),
    ("approve", "accepted", "reviewed", STEPS[1][1]),
    ("pay", "reviewed", "paid", STEPS[2][1]),
    ("complete", "paid", "completed", STEPS[3][1]),
)
assert tuple(t[0] for t in TRANSITIONS) == PHASES

TARGET = {phase: target for phase, _, target, _ in TRANSITIONS}
COMPLETED = TRANSITIONS[-1][2]

# Every peer stamps its log rows with the benchmark's fixed instant, as jingban does.
AT = NOW.isoformat()

# The case columns every peer stores beside its state: a number and the applicant.
APPLICANT_NAME, APPLICANT_ID = APPLICANT

Clock = Callable[[], float]


@dataclass(frozen=True)
class RowCheck:
    """Where a contender keeps its cases and its log: the case table, its state column and
    final state; the log table and its column naming the case."""

    case_table: str
    state_column: str
    completed: str
    log_table: str
    log_case: str


class Contender(Protocol):
    """One contender: it builds its schema on a fresh SQLite file, takes ``n`` new cases
    through the five steps (all opens first, then each step for every case, as
    ``jingban_cycle`` does) and reports seconds per phase."""

    label: str
    check: RowCheck

    def prepare(self, path: str) -> None:
        """Create the contender's tables in a new database file ``path`` and connect."""

    def cycle(self, n: int, clock: Clock) -> dict[str, float]:
        """Open ``n`` cases and take each through the four steps; ``clock`` time per phase."""

    def pragmas(self) -> tuple[str, int]:
        """``PRAGMA journal_mode`` and ``PRAGMA synchronous`` on the contender's connection."""

    def problems(self, path: str) -> list[str]:
        """Anything wrong beyond what ``check`` covers (empty: nothing)."""

    def close(self) -> None:
        """Close every connection."""


class Peer(abc.ABC):
    """A peer's cycle, given ``open_case`` (one transaction: a new case in "submitted" and
    its log row; returns the case's key) and ``step`` (one transaction: the case loaded, one
    transition, its log row)."""

    _seq = 0  # cases opened so far (numbers them)

    @abc.abstractmethod
    def open_case(self, seq: int) -> Any:
        """Open case number ``seq`` in one transaction; its key."""

    @abc.abstractmethod
    def step(self, key: Any, action: str, actor: str) -> None:
        """Take ``action`` on the case ``key`` in one transaction, with its log row."""

    def problems(self, path: str) -> list[str]:
        return []

    def cycle(self, n: int, clock: Clock) -> dict[str, float]:
        phases: dict[str, float] = {}
        start, self._seq = self._seq, self._seq + n
        t0 = clock()
        keys = [self.open_case(seq) for seq in range(start, start + n)]
        phases["open"] = clock() - t0
        for action, _, _, actor in TRANSITIONS[1:]:
            t0 = clock()
            for key in keys:
                self.step(key, action, actor)
            phases[action] = clock() - t0
        return phases


def case_number(seq: int) -> str:
    """A peer's case number (the peers do not number cases the way jingban does)."""
    return f"P-{seq + 1:06d}"


def connect(path: str) -> sqlite3.Connection:
    """A sqlite3 connection in autocommit mode (the caller writes BEGIN IMMEDIATE and
    COMMIT), in WAL with ``synchronous=FULL``, as jingban's own SQLite default."""
    conn = sqlite3.connect(path, isolation_level=None)
    set_pragmas(conn)
    return conn


def set_pragmas(conn: Any) -> None:
    """WAL and ``synchronous=FULL`` on a DB-API SQLite connection (or cursor)."""
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")


def read_pragmas(conn: Any) -> tuple[str, int]:
    """``journal_mode`` and ``synchronous`` as a DB-API connection or cursor sees them."""
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    return str(mode), int(sync)


# The plain tables of the peers without an ORM (the bare floor and SpiffWorkflow): a case
# row and a log row per step, the log indexed by case as any case history would need.
LOG_DDL = (
    "CREATE TABLE case_log (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL"
    " REFERENCES cases (id), action TEXT NOT NULL, actor TEXT NOT NULL,"
    " from_state TEXT, to_state TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX ix_case_log_case ON case_log (case_id)",
)
INSERT_LOG = (
    "INSERT INTO case_log (case_id, action, actor, from_state, to_state, at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
PLAIN_CHECK = RowCheck("cases", "state", COMPLETED, "case_log", "case_id")


def disk_bytes(path: str) -> int:
    """The database's size on disk once its WAL is checkpointed into it and truncated, read
    from a connection of its own (raises if a contender's connection keeps it busy)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    if busy:
        raise RuntimeError(f"{path}: the WAL could not be checkpointed (a reader is busy)")
    wal = path + "-wal"
    return os.path.getsize(path) + (os.path.getsize(wal) if os.path.exists(wal) else 0)


def row_problems(contender: Contender, path: str, cases: int) -> list[str]:
    """What is wrong with a contender's database after ``cases`` cases went through the
    cycle: every case in the final state, five log rows for each; empty when all is well."""
    c = contender.check
    conn = sqlite3.connect(path)
    try:
        total, done = conn.execute(
            f"SELECT count(*), coalesce(sum({c.state_column} = ?), 0) FROM {c.case_table}",
            (c.completed,),
        ).fetchone()
        per_case = conn.execute(
            f"SELECT count(*), min(n), max(n), coalesce(sum(n), 0) FROM"
            f" (SELECT count(*) AS n FROM {c.log_table} GROUP BY {c.log_case})"
        ).fetchone()
    finally:
        conn.close()
    out = []
    if total != cases:
        out.append(f"{total} cases stored, {cases} expected")
    if done != total:
        out.append(f"{total - done} of {total} cases not {c.completed!r}")
    logged, least, most, rows = per_case
    steps = len(TRANSITIONS)
    if logged != total or least != steps or most != steps:
        out.append(
            f"{rows} log rows for {logged} cases ({least}..{most} each), "
            f"{steps} for each of {total} expected"
        )
    return out + contender.problems(path)
