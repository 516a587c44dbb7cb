"""Keyed checkpoints of the audit trail: signed heads of every case's chain and refusals.

The chain is plain SHA-256, so anyone who can write the tables can rewrite a record and
recompute every hash after it. A checkpoint fixes each case's chain at a point: its length
(``seq``), the hash of that record (``head``), the number of its refused attempts kept outside
the chain and a running digest of theirs (``refusal_digest``: SHA-256 folded over each
refusal's number and hash, in number order). A checkpoint holds an entry only for the cases
that changed since their previous entry; the digest of its entries, the previous checkpoint's
MAC and the key's id are signed with HMAC-SHA256 under ``derived_key("audit-checkpoint")``
(`jingban.storage.keys`), so a rewrite of records before a checkpoint no longer matches it,
and a checkpoint cannot be changed, reordered or forged without the key file. Checkpoints are
written by the scheduler's leader once a day and by ``jingban audit checkpoint``; exported to
a file (`export`), they also catch the checkpoints themselves being deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from jingban.engine.audit import GENESIS, ChainBreak, canonical_json, verify_chain
from jingban.errors import Conflict
from jingban.storage._case_rows import event_from_row, linked
from jingban.storage._checkpoint_files import (
    EXPORT_FORMAT,
    Checkpoint,
    Entry,
    read_export,
    write_export,
)
from jingban.storage.database import Database
from jingban.storage.idcrypt import retired_key_paths
from jingban.storage.keys import derived_key, key_path, secret_key
from jingban.storage.models import AUDIT, CHECKPOINT_ENTRIES, CHECKPOINTS, REFUSALS
from jingban.storage.timecodec import aware

#: The purpose the checkpoints' key is derived for.
PURPOSE = "audit-checkpoint"
_SIGNED_FORMAT = 1

__all__ = ["EXPORT_FORMAT", "PURPOSE", "Checkpoint", "CheckpointStore", "Entry"]


def fold_refusal(digest: str, refusal_no: int, refusal_hash: str) -> str:
    """The running digest of a case's refusals after one more (number and hash)."""
    return hashlib.sha256(f"{digest}:{refusal_no}:{refusal_hash}".encode("ascii")).hexdigest()


def entries_digest(items: Iterable[Entry]) -> str:
    """SHA-256 of a checkpoint's entries (canonical JSON, by case number)."""
    rows = sorted(e.row() for e in items)
    return hashlib.sha256(canonical_json(rows).encode("utf-8")).hexdigest()


def _key_id(key: bytes) -> str:
    return hmac.new(key, b"key-id", hashlib.sha256).hexdigest()[:16]


def _signed(made_at: dt.datetime, made_by: str, slot: str | None, prev: str, n: int,
            digest: str, key_id: str) -> bytes:  # fmt: skip
    body = {
        "format": _SIGNED_FORMAT,
        "made_at": made_at,
        "made_by": made_by,
        "slot": slot,
        "prev_mac": prev,
        "entries": n,
        "digest": digest,
        "key_id": key_id,
    }
    return canonical_json(body).encode("utf-8")


class CheckpointStore:
    """Writes, exports and checks the keyed checkpoints of one database."""

    def __init__(self, db: Database, key: bytes | None = None) -> None:
        """``key``: the server key (default: the key file of ``db``, `jingban.storage.keys`);
        checkpoints are signed with the key derived from it for `PURPOSE`."""
        self.db = db
        self._server_key = key
        self._key_given = key is not None

    @property
    def _key(self) -> bytes:
        base = self._server_key
        if base is None:
            base = self._server_key = secret_key(key_path(self.db.url))
        return derived_key(PURPOSE, base)

    @property
    def key_id(self) -> str:
        """A public name of the signing key (not the key): which key signed a checkpoint."""
        return _key_id(self._key)

    def _retired_keys(self) -> dict[str, bytes]:
        """The checkpoint keys of the server keys `jingban keys rotate` retired beside the
        key file, by id: checkpoints signed before a rotation are still checked."""
        path = None if self._key_given else key_path(self.db.url)
        if path is None:
            return {}
        keys = (derived_key(PURPOSE, secret_key(p)) for p in retired_key_paths(path))
        return {_key_id(k): k for k in keys}

    def _mac(self, made_at: dt.datetime, made_by: str, slot: str | None, prev: str, n: int,
             digest: str, key: bytes | None = None) -> str:  # fmt: skip
        key = self._key if key is None else key
        signed = _signed(made_at, made_by, slot, prev, n, digest, _key_id(key))
        return hmac.new(key, signed, hashlib.sha256).hexdigest()

    # -- writing --------------------------------------------------------------------------

    def make(self, *, now: dt.datetime, by: str, slot: str | None = None) -> Checkpoint | None:
        """Write a checkpoint of every case changed since its last entry (its chain checked
        first: a broken chain is not signed, `verify` names it). Returns it, or None when
        ``slot`` (the scheduler's daily slot) has one already. Raises `Conflict` when other
        writers keep taking the place in the checkpoints' chain."""
        integrity: type[Exception] = self.db.engine.dialect.loaded_dbapi.IntegrityError
        from sqlalchemy.exc import IntegrityError

        for _ in range(3):
            with self.db.engine.connect() as conn:
                if slot is not None and _has_slot(conn, slot):
                    return None
                prev, items = self._changes(conn)
            digest = entries_digest(items)
            mac = self._mac(now, by, slot, prev, len(items), digest)
            try:
                with self.db.engine.begin() as conn:
                    made = conn.execute(
                        insert(CHECKPOINTS).returning(CHECKPOINTS.c.id),
                        {
                            "made_at": now,
                            "made_by": by,
                            "slot": slot,
                            "prev_mac": prev,
                            "entries": len(items),
                            "digest": digest,
                            "key_id": self.key_id,
                            "mac": mac,
                        },
                    ).scalar_one()
                    if items:
                        conn.execute(
                            insert(CHECKPOINT_ENTRIES),
                            [
                                {"checkpoint_id": made, **_entry_values(e)}
                                for e in sorted(items, key=lambda e: e.case_no)
                            ],
                        )
            except (IntegrityError, integrity):
                continue  # another writer took this place (or the slot): read again
            return Checkpoint(made, now, by, slot, prev, digest, self.key_id, mac, tuple(items))
        if slot is not None:
            return None
        raise Conflict("其他进程正在写入审计检查点，请稍后重试")

    def _changes(self, conn: Connection) -> tuple[str, list[Entry]]:
        """The latest checkpoint's MAC and an entry for every case changed since its own
        latest entry (chains that do not verify are left out)."""
        last = conn.execute(
            select(CHECKPOINTS.c.mac).order_by(CHECKPOINTS.c.id.desc()).limit(1)
        ).scalar()
        latest = _latest_entries(conn)
        chains = dict(conn.execute(select(AUDIT.c.case_no, func.max(AUDIT.c.seq)).group_by(
            AUDIT.c.case_no)).all())  # fmt: skip
        refused = dict(
            conn.execute(
                select(REFUSALS.c.case_no, func.max(REFUSALS.c.refusal_no)).group_by(
                    REFUSALS.c.case_no
                )
            ).all()
        )
        items = []
        for number in sorted(set(chains) | set(refused)):
            seq, count = int(chains.get(number) or 0), int(refused.get(number) or 0)
            before = latest.get(number)
            if before is not None and (before.seq, before.refusals) == (seq, count):
                continue
            entry = _entry(conn, number, before)
            if entry is not None:
                items.append(entry)
        return (last or GENESIS), items

    # -- reading and exporting ------------------------------------------------------------

    def all(self) -> list[Checkpoint]:
        """Every checkpoint with its entries, oldest first."""
        with self.db.engine.connect() as conn:
            entries: dict[int, list[Entry]] = {}
            for r in conn.execute(select(CHECKPOINT_ENTRIES)):
                m = r._mapping
                entries.setdefault(m["checkpoint_id"], []).append(_entry_of(m))
            rows = conn.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.id)).all()
        return [
            Checkpoint(
                m["id"],
                aware(m["made_at"]),
                m["made_by"],
                m["slot"],
                m["prev_mac"],
                m["digest"],
                m["key_id"],
                m["mac"],
                tuple(sorted(entries.get(m["id"], []), key=lambda e: e.case_no)),
            )
            for m in (r._mapping for r in rows)
        ]

    def export(self, path: Path) -> int:
        """Write every checkpoint to ``path`` (JSON, replaced atomically); returns how many.
        Raises `BadInput` when the file cannot be written."""
        found = self.all()
        write_export(path, found, self.key_id)
        return len(found)

    @staticmethod
    def load(path: Path) -> list[Checkpoint]:
        """The checkpoints of an exported file; raises `BadInput` naming what is wrong."""
        return read_export(path)

    # -- checking -------------------------------------------------------------------------

    def verify(
        self, source: Sequence[Checkpoint] | None = None, case_no: str | None = None
    ) -> tuple[int, list[ChainBreak]]:
        """Check the checkpoints (the database's, or ``source`` read from an exported file,
        which are also looked for in the database) and the audit trail against them: each
        checkpoint's entries, chain link and signature, then every case's (or ``case_no``'s)
        chain and refusals against its latest entry. Returns the number of checkpoints and
        what is wrong (kind ``checkpoint``)."""
        stored = self.all()
        checkpoints = list(stored if source is None else source)
        breaks: list[ChainBreak] = []
        latest: dict[str, tuple[Checkpoint, Entry]] = {}
        prev = GENESIS
        for c in checkpoints:
            problem = self._problem(c, prev)
            if problem is not None:
                breaks.append(
                    ChainBreak("", 0, f"检查点 #{c.id} ({_when(c)}): {problem}", "checkpoint")
                )
            else:
                for e in c.items:
                    latest[e.case_no] = (c, e)
            prev = c.mac
        if source is not None:
            breaks += _missing_from(stored, checkpoints)
        with self.db.engine.connect() as conn:
            for number in sorted(latest):
                if case_no is not None and number != case_no:
                    continue
                c, e = latest[number]
                problem = _entry_problem(conn, e)
                if problem is not None:
                    breaks.append(
                        ChainBreak(
                            number,
                            e.seq,
                            f"与检查点 #{c.id} ({_when(c)}) 不符: {problem}"
                            " (检查点之前的记录被改写)",
                            "checkpoint",
                        )
                    )
        return len(checkpoints), breaks

    def _problem(self, c: Checkpoint, prev: str) -> str | None:
        if c.prev_mac != prev:
            return "与前一个检查点接不上 (检查点被删除或插入)"
        if entries_digest(c.items) != c.digest:
            return "条目与摘要不符 (检查点条目被改动)"
        key = self._key if c.key_id == self.key_id else self._retired_keys().get(c.key_id)
        if key is None:
            return f"由另一把密钥签名 (密钥标识 {c.key_id}，当前 {self.key_id})，无法核对"
        expected = self._mac(c.made_at, c.made_by, c.slot, c.prev_mac, len(c.items), c.digest, key)
        if not hmac.compare_digest(expected, c.mac):
            return "签名不符 (检查点被改动或伪造)"
        return None


def _when(c: Checkpoint) -> str:
    from jingban.calendar import BEIJING

    return c.made_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _has_slot(conn: Connection, slot: str) -> bool:
    found = conn.execute(select(CHECKPOINTS.c.id).where(CHECKPOINTS.c.slot == slot)).first()
    return found is not None


def _entry_of(m: Any) -> Entry:
    return Entry(m["case_no"], m["seq"], m["head"], m["refusals"], m["refusal_digest"])


def _entry_values(e: Entry) -> dict[str, object]:
    return {
        "case_no": e.case_no,
        "seq": e.seq,
        "head": e.head,
        "refusals": e.refusals,
        "refusal_digest": e.refusal_digest,
    }


def _latest_entries(conn: Connection) -> dict[str, Entry]:
    newest = (
        select(
            CHECKPOINT_ENTRIES.c.case_no,
            func.max(CHECKPOINT_ENTRIES.c.checkpoint_id).label("cid"),
        )
        .group_by(CHECKPOINT_ENTRIES.c.case_no)
        .subquery()
    )
    query = select(CHECKPOINT_ENTRIES).join(
        newest,
        (CHECKPOINT_ENTRIES.c.case_no == newest.c.case_no)
        & (CHECKPOINT_ENTRIES.c.checkpoint_id == newest.c.cid),
    )
    return {r._mapping["case_no"]: _entry_of(r._mapping) for r in conn.execute(query)}


def _refusal_rows(conn: Connection, case_no: str, after: int = 0) -> list[tuple[int, str]]:
    query = (
        select(REFUSALS.c.refusal_no, REFUSALS.c.hash)
        .where(REFUSALS.c.case_no == case_no, REFUSALS.c.refusal_no > after)
        .order_by(REFUSALS.c.refusal_no)
    )
    return [(int(n), str(h)) for n, h in conn.execute(query)]


def _entry(conn: Connection, case_no: str, before: Entry | None) -> Entry | None:
    """A new entry for one case (its refusals folded on from ``before``); None when its
    chain does not verify."""
    rows = conn.execute(select(AUDIT).where(AUDIT.c.case_no == case_no).order_by(AUDIT.c.seq))
    events = list(linked(event_from_row(r) for r in rows))
    if events and verify_chain(events, None, case_no) is not None:
        return None
    digest, count = GENESIS, 0
    if before is not None:
        digest, count = before.refusal_digest, before.refusals
    for number, refusal_hash in _refusal_rows(conn, case_no, count):
        if number != count + 1:
            return None  # a gap: `CaseQueries.verify` names it
        digest, count = fold_refusal(digest, number, refusal_hash), number
    seq = events[-1].seq if events else 0
    head = events[-1].hash if events else GENESIS
    return Entry(case_no, seq, head, count, digest)


def _entry_problem(conn: Connection, e: Entry) -> str | None:
    if e.seq:
        row = conn.execute(
            select(AUDIT.c.hash, AUDIT.c.digest).where(
                AUDIT.c.case_no == e.case_no, AUDIT.c.seq == e.seq
            )
        ).first()
        if row is None:
            return f"第 {e.seq} 条链记录缺失"
        found = row.hash if row.digest is None else bytes(row.digest).hex()
        if found != e.head:
            return f"第 {e.seq} 条链记录的哈希已变"
    digest, count = GENESIS, 0
    for number, refusal_hash in _refusal_rows(conn, e.case_no):
        if number > e.refusals:
            break
        digest, count = fold_refusal(digest, number, refusal_hash), count + 1
    if count != e.refusals or digest != e.refusal_digest:
        return f"前 {e.refusals} 条拒绝记录已被删除或改动"
    return None


def _missing_from(stored: Sequence[Checkpoint], exported: Sequence[Checkpoint]) -> list[ChainBreak]:
    """What an exported file has that the database lost or changed."""
    by_id = {c.id: c for c in stored}
    found = []
    for c in exported:
        mine = by_id.get(c.id)
        if mine is None:
            found.append(
                ChainBreak("", 0, f"检查点 #{c.id} ({_when(c)}) 已从数据库中删除", "checkpoint")
            )
        elif mine.mac != c.mac or mine.items != c.items:
            found.append(
                ChainBreak("", 0, f"数据库中的检查点 #{c.id} 与导出文件不同 (被改动)", "checkpoint")
            )
    return found
