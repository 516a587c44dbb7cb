"""Applicants' mobile numbers move with a key rotation: `jingban keys status` counts them by
key, `keys rotate` re-encrypts them under the new key (so a retired key file is never the
last one a phone needs), and the delivery worker still reads the number afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import at

from jingban.services import Services
from jingban.storage import Database, id_rotation
from jingban.storage.idcrypt import key_id, token_key_id
from jingban.storage.keys import forget_cached_keys, secret_key
from jingban.storage.models_sms import APPLICANT_PHONES

PHONE = "13812345678"


@pytest.fixture
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A key file of this test only (rotation replaces it)."""
    path = tmp_path / "keys" / "jingban.key"
    monkeypatch.setenv("JINGBAN_SECRET_KEY_FILE", str(path))
    forget_cached_keys()
    return path


def _open(services: Services, phone: str | None) -> str:
    opened = services.cases.open(
        now=at("2026-01-04 10:00"),  # a 调休 Sunday: the office is open
        region="sichuan",
        item="outpatient_reimbursement",
        applicant_name="张三",
        applicant_id="11010519491231002X",
        actor="clerk-li",
        role="clerk",
        all_materials=True,
        phone=phone,
    )
    return opened.case.case_no


def _tokens(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [
            row[0]
            for row in conn.execute(
                APPLICANT_PHONES.select().with_only_columns(APPLICANT_PHONES.c.cipher)
            )
        ]


def test_a_rotation_moves_the_phones_too(db_url: str, own_key: Path) -> None:
    services = Services(Database(db_url))
    try:
        with_phone = _open(services, PHONE)
        _open(services, None)
        old = key_id(secret_key(own_key))
        assert id_rotation.status(services.db).rows == {old: 3}  # two IDs, one phone
        old_id, new_id, moved = id_rotation.rotate(services.db)
        assert (old_id, moved) == (old, 3)
        after = id_rotation.status(services.db)
        assert after.rows == {new_id: 3} and after.stale == 0
        assert [token_key_id(t) for t in _tokens(services.db)] == [new_id]
    finally:
        services.db.dispose()
    forget_cached_keys()
    fresh = Services(Database(db_url))
    try:
        assert fresh.applicant_messages.recipient(with_phone) == (PHONE, False)
        assert id_rotation.sweep_current(fresh.db) == 0  # nothing left to move
    finally:
        fresh.db.dispose()
