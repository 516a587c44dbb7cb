"""Keyed checkpoints on SQLite and PostgreSQL: a rewrite of the records before a checkpoint
that recomputes every plain hash passes the plain check and is caught by the checkpoint; so
is a refusal removed with its count lowered; checkpoints themselves cannot be changed without
the key, and an exported file catches their deletion. The scheduler's leader writes one a
day."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from storage_support import OPEN, at

from jingban.engine import WrongRole
from jingban.engine.audit import canonical_json
from jingban.errors import BadInput
from jingban.storage import CaseStore, Database
from jingban.storage._case_rows import event_from_row, event_values
from jingban.storage.checkpoints import CheckpointStore, entries_digest
from jingban.storage.models import AUDIT

from sqlalchemy import select  # isort: skip


def _case(store: CaseStore) -> str:
    number = store.open(
        now=at("2026-03-02 10:00"),
        region="kashgar",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no
    store.act(number, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 11:00"))
    with pytest.raises(WrongRole):
        store.act(number, "approve", actor="clerk-li", role="clerk", now=at("2026-03-02 11:05"))
    store.act(number, "approve", actor="reviewer-wang", role="reviewer", now=at("2026-03-03 09:00"))
    return number


def _open_triggers(db: Database) -> None:
    with db.engine.begin() as conn:
        for table in (
            "audit_events",
            "audit_refusals",
            "audit_checkpoints",
            "audit_checkpoint_entries",
        ):
            if db.engine.dialect.name == "sqlite":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
            else:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))


def _rewrite(db: Database, case_no: str, seq: int, reason: str) -> None:
    """Change one record and recompute every plain hash after it, and the case's head, as
    someone with write access and the source code could."""
    _open_triggers(db)
    with db.engine.begin() as conn:
        rows = conn.execute(select(AUDIT).where(AUDIT.c.case_no == case_no).order_by(AUDIT.c.seq))
        events = [event_from_row(r) for r in rows]
        prev = events[seq - 2].hash
        for event in events[seq - 1 :]:
            changed = event if event.seq != seq else _with_reason(event, reason)
            placed = changed.chained(event.seq, prev)
            stored = event_values(placed)  # in the record's own stored form
            conn.execute(
                AUDIT.update()
                .where(AUDIT.c.case_no == case_no, AUDIT.c.seq == event.seq)
                .values({k: stored[k] for k in ("reason", "prev_hash", "hash", "digest")})
            )
            prev = placed.hash
        conn.execute(
            text("UPDATE cases SET audit_head = :h WHERE case_no = :n"), {"h": prev, "n": case_no}
        )


def _with_reason(event, reason: str):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(event, reason=reason)


@pytest.fixture
def setup(database: Database, engine) -> tuple[CaseStore, CheckpointStore, list[str]]:
    store = CaseStore(database, engine)
    return store, CheckpointStore(database), [_case(store) for _ in range(3)]


NOW = at("2026-03-04 00:30")


def test_a_rewrite_before_a_checkpoint_passes_the_plain_check_and_not_the_checkpoint(
    setup,
) -> None:
    store, checkpoints, (first, second, _) = setup
    made = checkpoints.make(now=NOW, by="test")
    assert made is not None and len(made.items) == 3
    assert checkpoints.verify() == (1, [])
    _rewrite(store.db, second, 3, "材料齐全")
    assert store.verify() == (12, [])  # the plain chain cannot tell
    count, breaks = checkpoints.verify()
    assert count == 1
    assert [(b.case_no, b.kind) for b in breaks] == [(second, "checkpoint")]
    assert "第 3 条链记录的哈希已变" in breaks[0].problem
    assert checkpoints.verify(case_no=first) == (1, [])


def test_a_refusal_removed_with_its_count_lowered_is_caught(setup) -> None:
    store, checkpoints, (_, second, _) = setup
    checkpoints.make(now=NOW, by="test")
    _open_triggers(store.db)
    with store.db.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM audit_refusals WHERE case_no = '{second}'"))
        conn.execute(text(f"DELETE FROM audit_refusal_counts WHERE case_no = '{second}'"))
    assert store.verify()[1] == []
    breaks = checkpoints.verify()[1]
    assert [(b.case_no, b.kind) for b in breaks] == [(second, "checkpoint")]
    assert "拒绝记录" in breaks[0].problem


def test_checkpoints_hold_only_what_changed_and_chain_to_each_other(setup) -> None:
    store, checkpoints, (first, _, _) = setup
    one = checkpoints.make(now=NOW, by="test")
    store.act(first, "complete", actor="chen", role="supervisor", now=at("2026-03-04 10:00"))
    two = checkpoints.make(now=NOW + dt.timedelta(days=1), by="test")
    three = checkpoints.make(now=NOW + dt.timedelta(days=2), by="test")
    assert one is not None and two is not None and three is not None
    assert [e.case_no for e in two.items] == [first] and three.items == ()
    assert (two.prev_mac, three.prev_mac) == (one.mac, two.mac)
    assert checkpoints.verify() == (3, [])
    # The daily slot is written once, whoever asks.
    assert checkpoints.make(now=NOW, by="leader", slot="daily:2026-03-04") is not None
    assert checkpoints.make(now=NOW, by="other", slot="daily:2026-03-04") is None


def test_a_checkpoint_changed_or_forged_without_the_key_is_caught(setup) -> None:
    store, checkpoints, (first, _, _) = setup
    made = checkpoints.make(now=NOW, by="test")
    assert made is not None
    _rewrite(store.db, first, 3, "材料齐全")
    # The intruder also moves the checkpoint's entry to the new head, digest recomputed.
    head = next(e.hash for e in store.history(first) if e.seq == 3 and not e.refused)
    with store.db.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE audit_checkpoint_entries SET head = :h WHERE case_no = '{first}'"),
            {"h": head},
        )
    rows = [
        [e.case_no, e.seq, head if e.case_no == first else e.head, e.refusals, e.refusal_digest]
        for e in made.items
    ]
    assert canonical_json(rows)  # the same encoding the store digests
    forged = entries_digest([type(e)(*r) for e, r in zip(made.items, rows, strict=True)])
    with store.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_checkpoints SET digest = :d"), {"d": forged})
    breaks = checkpoints.verify()[1]
    assert any("签名不符" in b.problem for b in breaks), breaks
    # Another key cannot check it at all, and says so.
    stranger = CheckpointStore(store.db, key=b"k" * 32)
    assert any("另一把密钥" in b.problem for b in stranger.verify()[1])


def test_an_exported_file_catches_deleted_checkpoints(setup, tmp_path: Path) -> None:
    store, checkpoints, (_, second, _) = setup
    checkpoints.make(now=NOW, by="test")
    exported = tmp_path / "checkpoints.json"
    assert checkpoints.export(exported) == 1
    _rewrite(store.db, second, 3, "材料齐全")
    _open_triggers(store.db)
    with store.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_checkpoint_entries"))
        conn.execute(text("DELETE FROM audit_checkpoints"))
    assert checkpoints.verify() == (0, [])  # nothing left in the database to check
    count, breaks = checkpoints.verify(CheckpointStore.load(exported))
    assert count == 1
    problems = [(b.case_no, b.problem) for b in breaks]
    assert any("已从数据库中删除" in p for _, p in problems), problems
    assert any(n == second and "哈希已变" in p for n, p in problems), problems


def test_a_bad_export_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(BadInput, match="不是有效的 JSON"):
        CheckpointStore.load(bad)
    bad.write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(BadInput, match="不是 jingban 导出的审计检查点"):
        CheckpointStore.load(bad)
    with pytest.raises(BadInput, match="无法读取"):
        CheckpointStore.load(tmp_path / "missing.json")
