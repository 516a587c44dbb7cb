"""The floor of the peer benchmark: raw ``sqlite3`` doing the least a durable step can do,
an UPDATE of the case's state (under a check of the state it leaves) and an INSERT of its
log row, in one ``BEGIN IMMEDIATE`` transaction; opening inserts the case and its log row."""

from __future__ import annotations

from _peers_common import (
    APPLICANT_ID,
    APPLICANT_NAME,
    AT,
    INSERT_LOG,
    LOG_DDL,
    OPEN_ACTOR,
    PLAIN_CHECK,
    TARGET,
    TRANSITIONS,
    Peer,
    case_number,
    connect,
    read_pragmas,
)

CASES_DDL = (
    "CREATE TABLE cases (id INTEGER PRIMARY KEY, number TEXT NOT NULL,"
    " applicant_name TEXT NOT NULL, applicant_id TEXT NOT NULL, state TEXT NOT NULL)"
)

# The state each step leaves.
SOURCE = {phase: source for phase, source, _, _ in TRANSITIONS}


class BareFloor(Peer):
    """No library: the statements and nothing else."""

    label = "bare sqlite3 (floor)"
    check = PLAIN_CHECK

    def prepare(self, path: str) -> None:
        self.conn = connect(path)
        for ddl in (CASES_DDL, *LOG_DDL):
            self.conn.execute(ddl)

    def open_case(self, seq: int) -> int:
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.execute(
            "INSERT INTO cases (number, applicant_name, applicant_id, state) VALUES (?, ?, ?, ?)",
            (case_number(seq), APPLICANT_NAME, APPLICANT_ID, TARGET["open"]),
        )
        key = cur.lastrowid
        assert key is not None
        cur.execute(INSERT_LOG, (key, "open", OPEN_ACTOR, None, TARGET["open"], AT))
        cur.execute("COMMIT")
        return key

    def step(self, key: int, action: str, actor: str) -> None:
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        source, target = SOURCE[action], TARGET[action]
        cur.execute("UPDATE cases SET state = ? WHERE id = ? AND state = ?", (target, key, source))
        if cur.rowcount != 1:
            cur.execute("ROLLBACK")
            raise RuntimeError(f"case {key}: {action} not allowed from its state")
        cur.execute(INSERT_LOG, (key, action, actor, source, target, AT))
        cur.execute("COMMIT")

    def pragmas(self) -> tuple[str, int]:
        return read_pragmas(self.conn)

    def close(self) -> None:
        self.conn.close()
