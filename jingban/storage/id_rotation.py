"""Moving every stored identity number to a new server key, resumably.

`rotate` stages a new key beside the key file (``<key file>.next``, 0600), then, batch by
batch (each batch one committed transaction), decrypts every row whose token names another
key, encrypts it under the new one and recomputes its keyed hash; when no row is left it
keeps the old key as ``<key file>.retired-<key id>`` (a hard link, so the key file is never
missing) and moves the new key into place. Killed at any point, running it again continues
with the same staged key: rows are told apart by the key id in their token.

`sweep` does the second half alone: rows a process still holding a retired key wrote after
the switch are moved to the current key. `status` counts rows by key.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, func, select, update

from jingban.errors import BadInput
from jingban.storage import keys
from jingban.storage.case_agents import agent_key_counts, sweep_agents
from jingban.storage.database import Database
from jingban.storage.idcrypt import (
    RETIRED_INFIX,
    IdCipher,
    key_id,
    next_key_path,
    retired_key_paths,
    token_key_id,
)
from jingban.storage.models import CASES
from jingban.storage.phonecrypt import phone_key_counts, sweep_phones

BATCH = 500


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """Rows by the key that encrypted them, and the key files in force."""

    key_file: Path
    current: str
    pending: str | None
    retired: tuple[str, ...]
    rows: dict[str, int]

    @property
    def stale(self) -> int:
        """Rows not under the current key (a rotation or a sweep moves them)."""
        return sum(n for kid, n in self.rows.items() if kid != self.current)


def _key_file(db: Database) -> Path:
    path = keys.key_path(db.url)
    if path is None:
        raise BadInput("内存数据库没有密钥文件，无需轮换")
    return path.resolve()


def _ring(path: Path, current: Path) -> IdCipher:
    """A cipher encrypting with the key at ``current`` and holding every key beside ``path``."""
    others = [keys.secret_key(path), *(keys.secret_key(p) for p in retired_key_paths(path))]
    upcoming = next_key_path(path)
    if upcoming.exists():
        others.append(keys.secret_key(upcoming))
    return IdCipher(keys.secret_key(current), others)


def status(db: Database) -> KeyStatus:
    """The key files and how many rows each key encrypted (``"none"``: rows without one)."""
    path = _key_file(db)
    current = key_id(keys.secret_key(path))
    upcoming = next_key_path(path)
    pending = key_id(keys.secret_key(upcoming)) if upcoming.exists() else None
    retired = tuple(p.name.rsplit(RETIRED_INFIX, 1)[1] for p in retired_key_paths(path))
    counts: dict[str, int] = {}
    token = CASES.c.applicant_id_cipher
    with db.engine.connect() as conn:
        prefix = func.substr(token, 1, 11)
        for head, n in conn.execute(select(prefix, func.count()).group_by(prefix)):
            kid = token_key_id(f"{head}:") if head is not None else None
            name = "none" if head is None else (kid or "unknown")
            counts[name] = counts.get(name, 0) + int(n)
    for extra in (agent_key_counts(db), phone_key_counts(db)):  # agents' numbers, phones
        for name, n in extra.items():
            counts[name] = counts.get(name, 0) + n
    return KeyStatus(path, current, pending, retired, counts)


Progress = Callable[[int], None]


def sweep(db: Database, cipher: IdCipher, progress: Progress | None = None) -> int:
    """Re-encrypt (and re-hash) every row whose token is not under ``cipher``'s current
    key; returns how many rows moved. Each batch commits on its own."""
    token = CASES.c.applicant_id_cipher
    target = f"v1:{cipher.current_id}:%"
    write = (
        update(CASES)
        .where(CASES.c.id == bindparam("row_id"), token == bindparam("old"))
        .values(applicant_id_cipher=bindparam("new"), applicant_id_hash=bindparam("hash"))
    )
    moved = 0
    last = 0
    while True:
        with db.write() as conn:
            rows = conn.execute(
                select(CASES.c.id, CASES.c.case_no, token)
                .where(CASES.c.id > last, token.is_not(None), ~token.like(target))
                .order_by(CASES.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            batch = []
            for row_id, case_no, old in rows:
                number = cipher.decrypt(old, case_no)
                batch.append(
                    {
                        "row_id": row_id,
                        "old": old,
                        "new": cipher.encrypt(number, case_no),
                        "hash": cipher.hash(number),
                    }
                )
            conn.execute(write, batch)
        moved += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(moved)
    # the acting persons' numbers and the applicants' mobile numbers too
    return moved + sweep_agents(db, cipher) + sweep_phones(db, cipher)


def sweep_current(db: Database, progress: Progress | None = None) -> int:
    """`sweep` to the current key (rows left under a retired key)."""
    path = _key_file(db)
    return sweep(db, _ring(path, path), progress)


def rotate(db: Database, progress: Progress | None = None) -> tuple[str, str, int]:
    """Move every row to a new server key and put that key in place (see the module);
    returns (old key id, new key id, rows moved). Resumes a rotation left unfinished."""
    path = _key_file(db)
    upcoming = next_key_path(path)
    keys.secret_key(upcoming)  # staged: created on the first run, reused by a resumed one
    cipher = _ring(path, upcoming)
    moved = sweep(db, cipher, progress)
    old = keys.secret_key(path)
    old_id = key_id(old)
    retired = path.with_name(path.name + RETIRED_INFIX + old_id)
    if not retired.exists():
        os.link(path, retired)
    os.replace(upcoming, path)
    _fsync_dir(path.parent)
    keys.forget_cached_keys()
    return old_id, cipher.current_id, moved


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
