"""Identity numbers at rest (0015_id_encryption): encrypted once at registration, masked in
every row a list reads, found by keyed hash, shown whole only to a supervisor or an
administrator with a recorded reason, migrated from plaintext, and moved to a new key by a
resumable rotation — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from storage_support import APPLICANT_ID, OPEN, at

from jingban.engine import ActionParams, Engine
from jingban.engine.identity import mask_identity
from jingban.errors import BadInput, Forbidden, NotAllowed
from jingban.storage import CaseStore, Database, id_rotation
from jingban.storage.case_search import CaseFilter, Page
from jingban.storage.idcrypt import IdentityKeyMissing, cipher_for, key_id, token_key_id
from jingban.storage.identity_access import IdentityAccess
from jingban.storage.keys import forget_cached_keys, secret_key
from jingban.storage.migrate import alembic_config, upgrade

NOW = at("2026-02-13 10:00")
CLERK = ("clerk-li", "clerk")


@pytest.fixture
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A key file of this test only (rotation replaces it)."""
    path = tmp_path / "keys" / "jingban.key"
    monkeypatch.setenv("JINGBAN_SECRET_KEY_FILE", str(path))
    forget_cached_keys()
    return path


def _open(store: Any, applicant_id: str = APPLICANT_ID) -> str:
    fields = {**OPEN, "applicant_id": applicant_id}
    return str(
        store.open(now=NOW, region="sichuan", item="inpatient_reimbursement", **fields).case.case_no
    )


def _dump(db: Database) -> str:
    """Every value of every row of the tables that hold case data, as text."""
    parts = []
    with db.engine.connect() as conn:
        for table in ("cases", "audit_events", "identity_access", "scan_queue"):
            parts += [repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(parts)


def _found_by_number(store: CaseStore, number: str) -> list[str]:
    page = store.search(CaseFilter(id_number=number), Page.parse(1, 50, "-registered"), now=NOW)
    return [c.case_no for c in page.cases]


def test_a_registered_number_is_nowhere_in_the_database_in_clear(
    db_url: str, engine: Engine, own_key: Path
) -> None:
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        opened = store.open(now=NOW, region="sichuan", item="inpatient_reimbursement", **OPEN)
        case_no = opened.case.case_no
        assert opened.case.applicant_id == mask_identity(APPLICANT_ID)
        assert store.get(case_no).applicant_id == mask_identity(APPLICANT_ID)
        assert APPLICANT_ID not in _dump(db)
        with db.engine.connect() as conn:
            token = conn.execute(text("SELECT applicant_id_cipher FROM cases")).scalar_one()
        assert token_key_id(token) == key_id(secret_key(own_key))
        assert cipher_for(db_url).decrypt(token, case_no) == APPLICANT_ID
        with pytest.raises(IdentityKeyMissing):  # bound to its case: not movable to another
            cipher_for(db_url).decrypt(token, case_no[:-1] + "0")
        assert _found_by_number(store, APPLICANT_ID.lower()) == [case_no]
    finally:
        db.dispose()
    if db_url.startswith("sqlite"):
        files = [p for p in Path(db_url.removeprefix("sqlite:///")).parent.iterdir()]
        raw = b"".join(p.read_bytes() for p in files if p.name.startswith("jingban.db"))
        assert APPLICANT_ID.encode() not in raw


def test_existing_plaintext_rows_are_encrypted_by_the_migration(
    db_url: str, engine: Engine, own_key: Path
) -> None:
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        other = "11010519491231002X"
        numbers = [_open(store), _open(store, other)]
        config = alembic_config(db.engine)
        command.downgrade(config, "0010_accounts_password")  # the plaintext schema and rows
        with db.engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT case_no, applicant_id FROM cases")).all())
        assert stored == {numbers[0]: APPLICANT_ID, numbers[1]: other}
        upgrade(db.engine)  # as opening the database does
        assert APPLICANT_ID not in _dump(db) and other not in _dump(db)
        fresh = CaseStore(Database(db_url), engine)
        assert fresh.get(numbers[1]).applicant_id == mask_identity(other)
        assert _found_by_number(fresh, other) == [numbers[1]]
        shown = IdentityAccess(db).reveal(
            numbers,
            actor="chief-zhao",
            role="supervisor",
            purpose="export",
            reason="审计抽查",
            now=NOW,
        )
        assert [r.id_number for r in shown] == [APPLICANT_ID, other]
        fresh.db.dispose()
    finally:
        db.dispose()
    if db_url.startswith("sqlite"):
        files = [p for p in Path(db_url.removeprefix("sqlite:///")).parent.iterdir()]
        raw = b"".join(p.read_bytes() for p in files if p.name.startswith("jingban.db"))
        assert APPLICANT_ID.encode() not in raw and other.encode() not in raw


def test_the_reissue_check_compares_hashes_and_refuses_the_masked_form(store: Any) -> None:
    case_no = _open(store)
    masked = store.get(case_no).applicant_id
    assert masked == mask_identity(APPLICANT_ID)
    for typed in (masked, APPLICANT_ID[:-1] + ("0" if APPLICANT_ID[-1] != "0" else "1")):
        with pytest.raises(NotAllowed, match="证件号码与本办件登记的不一致"):
            store.act(
                case_no,
                "reissue_code",
                actor=CLERK[0],
                role=CLERK[1],
                now=NOW,
                params=ActionParams(id_number=typed),
            )
    done = store.act(
        case_no,
        "reissue_code",
        actor=CLERK[0],
        role=CLERK[1],
        now=NOW,
        params=ActionParams(id_number=f" {APPLICANT_ID.lower()} "),
    )
    assert done.query_code is not None


def test_a_form_cannot_claim_the_identity_matches() -> None:
    params = ActionParams.of({"id_number": "1", "identity_matches": True, "assignee_account": 1})
    assert params.identity_matches is None and params.assignee_account is None


def test_a_whole_number_is_shown_only_to_whom_may_see_it_and_every_sight_is_recorded(
    database: Database, engine: Engine
) -> None:
    store = CaseStore(database, engine)
    case_no = _open(store)
    access = IdentityAccess(database)
    for role in ("clerk", "reviewer", "payer"):
        with pytest.raises(Forbidden, match="无权查看完整证件号码"):
            access.reveal([case_no], actor="x", role=role, purpose="check", reason="核对", now=NOW)
    for purpose, reason in (("check", " "), ("peek", "核对"), ("check", "长" * 501)):
        with pytest.raises(BadInput):
            access.reveal(
                [case_no], actor="chief", role="admin", purpose=purpose, reason=reason, now=NOW
            )
    assert access.log() == []
    (shown,) = access.reveal(
        [case_no.lower()],
        actor="chief-zhao",
        role="supervisor",
        purpose="check",
        reason="申请人现场核对身份证",
        now=NOW,
    )
    assert (shown.case_no, shown.id_number, shown.id_type) == (case_no, APPLICANT_ID, "resident_id")
    (entry,) = access.log(case_no=case_no)
    assert (entry.actor, entry.role, entry.purpose, entry.reason) == (
        "chief-zhao",
        "supervisor",
        "check",
        "申请人现场核对身份证",
    )
    assert entry.at == NOW


def test_a_copy_without_its_key_file_shows_and_finds_no_number(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, own_key: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    db = Database(url)
    store = CaseStore(db, engine)
    case_no = _open(store)
    db.dispose()
    monkeypatch.setenv("JINGBAN_SECRET_KEY_FILE", str(tmp_path / "elsewhere" / "jingban.key"))
    copy = Database(url)
    try:
        with pytest.raises(IdentityKeyMissing, match="本机没有该密钥"):
            IdentityAccess(copy).reveal(
                [case_no], actor="a", role="admin", purpose="check", reason="核对", now=NOW
            )
        assert _found_by_number(CaseStore(copy, engine), APPLICANT_ID) == []
    finally:
        copy.dispose()


class _Stop(Exception):
    pass


def test_rotation_moves_every_row_to_a_new_key_and_resumes_when_interrupted(
    db_url: str, engine: Engine, own_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        numbers = [_open(store) for _ in range(3)]
        old_key = secret_key(own_key)
        monkeypatch.setattr(id_rotation, "BATCH", 1)

        def stop_after_first(moved: int) -> None:
            raise _Stop

        with pytest.raises(_Stop):  # killed after one batch
            id_rotation.rotate(db, stop_after_first)
        halfway = id_rotation.status(db)
        assert halfway.current == key_id(old_key) and halfway.pending is not None
        assert halfway.rows == {halfway.current: 2, halfway.pending: 1}
        old_id, new_id, moved = id_rotation.rotate(db)  # resumed with the same staged key
        assert (old_id, new_id, moved) == (key_id(old_key), halfway.pending, 2)
        assert secret_key(own_key) != old_key
        done = id_rotation.status(db)
        assert done.rows == {new_id: 3} and done.stale == 0 and done.pending is None
        assert done.retired == (old_id,)
        assert (own_key.parent / f"jingban.key.retired-{old_id}").read_text().strip() == (
            old_key.hex()
        )
        fresh = CaseStore(Database(db_url), engine)  # a process started after the rotation
        assert sorted(_found_by_number(fresh, APPLICANT_ID)) == numbers
        shown = IdentityAccess(fresh.db).reveal(
            numbers, actor="root", role="admin", purpose="export", reason="轮换后核对", now=NOW
        )
        assert {r.id_number for r in shown} == {APPLICANT_ID}
        fresh.db.dispose()
    finally:
        db.dispose()


def test_a_sweep_moves_rows_a_process_with_the_retired_key_wrote(
    database: Database, engine: Engine, own_key: Path
) -> None:
    stale = CaseStore(database, engine)
    _open(stale)
    _ = stale.cipher  # the old process has read its key
    id_rotation.rotate(database)
    late = _open(stale)  # written under the retired key after the switch
    assert id_rotation.status(database).stale == 1
    assert id_rotation.sweep_current(database) == 1
    assert id_rotation.status(database).stale == 0
    fresh = CaseStore(database, engine)
    assert late in _found_by_number(fresh, APPLICANT_ID)


def test_reveal_is_refused_for_too_many_cases(database: Database) -> None:
    with pytest.raises(BadInput, match="1 至"):
        IdentityAccess(database).reveal(
            [], actor="a", role="admin", purpose="check", reason="r", now=dt.datetime.now(dt.UTC)
        )


# Tokens made before identity numbers and mobile numbers shared one sealed-token format, under
# the server key bytes(range(32)); rows stored then must still decrypt.
_OLD_SERVER_KEY = bytes(range(32))
_OLD_ID_TOKEN = "v1:e6dd7642:TaqMP3EhxRTFoV-r4pTuGYAMKRknkOj7AICYvKQynHBIocbzOzgaGISgwV0K-A"
_OLD_PHONE_TOKEN = "v1:e6dd7642:T71X-11JniHcDu2uACqlv_Am7X7Uw28M6ZiIDTe9CIoop5YLDpEl"


def test_tokens_stored_before_the_shared_format_still_decrypt() -> None:
    from jingban.storage.idcrypt import IdCipher
    from jingban.storage.phonecrypt import PhoneCipher

    keys = IdCipher(_OLD_SERVER_KEY)
    assert keys.decrypt(_OLD_ID_TOKEN, "SN-0001") == "11010519491231002X"
    assert PhoneCipher(keys).decrypt(_OLD_PHONE_TOKEN, "SN-0001") == "13812345678"
    with pytest.raises(IdentityKeyMissing):
        PhoneCipher(keys).decrypt(_OLD_ID_TOKEN, "SN-0001")
