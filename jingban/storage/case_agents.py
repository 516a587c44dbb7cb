"""The store of who acts for an applicant: the acting person's whole identity number kept
encrypted (`jingban.storage.models_applicants.CASE_AGENTS`).

A registration whose applicant is a unit (its 经办人) or a person acting through an agent
(委托代理人) writes one row in its own unit of work, beside the case and its first audit
record (`agent_rows`, added to the registration's effect rows by the case store): the number
encrypted under the server key with the case number and the word ``agent`` as associated
data (so the token decrypts neither on another case nor as the applicant's number), and its
keyed hash. The case itself holds only the masked number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from jingban.engine import Case
from jingban.storage._key_counts import key_counts
from jingban.storage.action_effects import EffectRow
from jingban.storage.database import Database
from jingban.storage.idcrypt import IdCipher, cipher_for
from jingban.storage.models_applicants import CASE_AGENTS

TABLE = CASE_AGENTS.name
_BATCH = 500


def agent_scope(case_no: str) -> str:
    """What an agent's token is bound to (the associated data `IdCipher` uses)."""
    return f"{case_no}/agent"


def agent_rows(case: Case, case_no: str, cipher: IdCipher) -> list[EffectRow]:
    """The row a registration of ``case`` (as the engine returned it: the agent's number
    whole) writes, or none when nobody acts for the applicant."""
    agent = case.agent
    if agent is None:
        return []
    return [
        EffectRow(
            TABLE,
            {
                "case_no": case_no,
                "role": agent.role,
                "id_type": agent.id_type,
                "id_hash": cipher.hash(agent.id_number),
                "id_cipher": cipher.encrypt(agent.id_number, agent_scope(case_no)),
            },
        )
    ]


@dataclass(frozen=True, slots=True)
class StoredAgent:
    """A stored row: the acting person's role, document type, keyed hash and token."""

    case_no: str
    role: str
    id_type: str
    id_hash: str
    id_cipher: str


class AgentStore:
    """Reads the acting persons' rows of one database."""

    def __init__(self, db: Database, cipher: IdCipher | None = None) -> None:
        self.db = db
        self._cipher = cipher

    @property
    def cipher(self) -> IdCipher:
        """The identity-number cipher of this database (its key files, read once)."""
        if self._cipher is None:
            self._cipher = cipher_for(self.db.url)
        return self._cipher

    def stored(self, case_no: str) -> StoredAgent | None:
        """The row of case ``case_no``, or None when nobody acts for its applicant."""
        with self.db.engine.connect() as conn:
            row = conn.execute(select(CASE_AGENTS).where(CASE_AGENTS.c.case_no == case_no)).first()
        if row is None:
            return None
        m = row._mapping
        return StoredAgent(m["case_no"], m["role"], m["id_type"], m["id_hash"], m["id_cipher"])

    def cases_acted_by(self, id_number: str) -> list[str]:
        """The cases on which the person with this whole number acted for the applicant (by
        keyed hash: the number itself is never compared in clear), oldest first."""
        digest = self.cipher.hash(id_number)
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(CASE_AGENTS.c.case_no)
                .where(CASE_AGENTS.c.id_hash == digest)
                .order_by(CASE_AGENTS.c.case_no)
            ).all()
        return [r.case_no for r in rows]

    def whole_number(self, case_no: str) -> str | None:
        """The acting person's whole number, decrypted; only for the identity-access path,
        which records who saw it (raises `IdentityKeyMissing` for a token it cannot open)."""
        found = self.stored(case_no)
        if found is None:
            return None
        return self.cipher.decrypt(found.id_cipher, agent_scope(case_no))


def sweep_agents(db: Database, cipher: IdCipher) -> int:
    """Re-encrypt (and re-hash) every acting person's number whose token is not under
    ``cipher``'s current key, batch by batch, each batch committed (what a key rotation and
    ``jingban keys sweep`` do for the applicants' numbers, `jingban.storage.id_rotation`);
    returns how many rows moved."""
    token = CASE_AGENTS.c.id_cipher
    target = f"v1:{cipher.current_id}:%"
    write = (
        update(CASE_AGENTS)
        .where(CASE_AGENTS.c.case_no == bindparam("agent_case"), token == bindparam("old"))
        .values(id_cipher=bindparam("new"), id_hash=bindparam("hash"))
    )
    moved, last = 0, ""
    while True:
        with db.write() as conn:
            rows = conn.execute(
                select(CASE_AGENTS.c.case_no, token)
                .where(CASE_AGENTS.c.case_no > last, ~token.like(target))
                .order_by(CASE_AGENTS.c.case_no)
                .limit(_BATCH)
            ).all()
            if not rows:
                return moved
            batch = []
            for case_no, old in rows:
                number = cipher.decrypt(old, agent_scope(case_no))
                new = cipher.encrypt(number, agent_scope(case_no))
                batch.append(
                    {"agent_case": case_no, "old": old, "new": new, "hash": cipher.hash(number)}
                )
            conn.execute(write, batch)
        moved += len(rows)
        last = rows[-1][0]


def agent_key_counts(db: Database) -> dict[str, int]:
    """How many acting persons' numbers each key encrypted, by key id."""
    return key_counts(db, CASE_AGENTS.c.id_cipher)
