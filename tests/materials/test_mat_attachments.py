"""Files attached to a case's materials: kept under their digest, chained into the audit
trail with one record each, refused with a clear reason and nothing stored, every view
recorded; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from materials_support import INVOICE, jpeg, ofd, open_case, pdf
from sqlalchemy import func, select, text
from support import at

from jingban.engine import Engine
from jingban.errors import BadInput, Conflict, DatabaseDamaged, Forbidden, NotAllowed, NotFound
from jingban.storage import CaseStore, Database
from jingban.storage.attachments import AttachmentStore
from jingban.storage.models import AUDIT
from jingban.storage.models_attachments import CASE_FILES, FILE_VIEWS

NOW = at("2026-03-02 10:30")


@pytest.fixture
def files(database: Database, engine: Engine, tmp_path: Path) -> AttachmentStore:
    return AttachmentStore(database, CaseStore(database, engine), tmp_path / "files")


def _count(db: Database, table) -> int:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_attached_file_is_kept_under_its_digest_with_one_chained_record(
    files: AttachmentStore, database: Database
) -> None:
    case_no = open_case(files.cases)
    data = pdf()
    kept = files.attach(
        case_no, "发票", "扫描/住院发票.pdf", data, actor="clerk-li", role="clerk", now=NOW
    )
    digest = hashlib.sha256(data).hexdigest()
    assert (kept.material, kept.file_name, kept.content_type) == (INVOICE, "住院发票.pdf", "pdf")
    assert (kept.sha256, kept.size, kept.seq) == (digest, len(data), 2)
    assert kept.path == files.blobs.root / digest[:2] / digest
    assert kept.path.read_bytes() == data
    history = files.cases.history(case_no)
    record = history[-1]
    assert record.action == "attach" and record.seq == 2
    assert dict(record.payload) == {
        "material": INVOICE,
        "file_name": "住院发票.pdf",
        "size": len(data),
        "content_type": "pdf",
        "sha256": digest,
    }
    case = files.cases.get(case_no)
    assert case.state == "submitted" and case.version == 2
    assert files.files_for(case_no) == [(INVOICE, "住院发票.pdf", kept.path, digest, len(data))]
    assert files.cases.verify(case_no) == (2, [])
    assert files.verify(case_no) == (1, [])


def test_each_kind_is_told_by_its_content(files: AttachmentStore) -> None:
    case_no = open_case(files.cases)
    for name, data, kind in (("a.jpeg", jpeg(), "jpg"), ("b.ofd", ofd(), "ofd")):
        kept = files.attach(case_no, INVOICE, name, data, actor="c", role="clerk", now=NOW)
        assert kept.content_type == kind
    assert [f.seq for f in files.files(case_no)] == [2, 3]


@pytest.mark.parametrize(
    ("material", "name", "data", "words"),
    [
        ("结婚证", "a.pdf", pdf(), "不是本事项的材料: 结婚证"),
        (INVOICE, "a.pdf", b"", "是空文件"),
        (INVOICE, "a.exe", b"MZ\x90\x00" + bytes(100), "无法识别的文件"),
        (INVOICE, "a.jpg", pdf(), "扩展名应为 .pdf"),
        (INVOICE, "", pdf(), "文件名不能为空"),
        (INVOICE, "a\x07.pdf", pdf(), "文件名"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    files: AttachmentStore, database: Database, material: str, name: str, data: bytes, words: str
) -> None:
    case_no = open_case(files.cases)
    with pytest.raises(BadInput, match=words):
        files.attach(case_no, material, name, data, actor="c", role="clerk", now=NOW)
    assert _count(database, CASE_FILES) == 0
    assert files.cases.get(case_no).version == 1
    assert not files.blobs.root.exists() or not any(files.blobs.root.rglob("*"))


def test_a_file_over_the_limit_or_of_a_kind_not_accepted_is_refused(
    database: Database, engine: Engine, tmp_path: Path
) -> None:
    store = AttachmentStore(
        database, CaseStore(database, engine), tmp_path / "files", max_bytes=1000, types=("pdf",)
    )
    case_no = open_case(store.cases)
    with pytest.raises(BadInput, match=r"超过上限 0\.0 MB"):
        store.attach(case_no, INVOICE, "big.pdf", pdf("x" * 2000), actor="c", role="clerk", now=NOW)
    with pytest.raises(BadInput, match="JPEG 图片文件，不能作为材料附上；可用类型: PDF"):
        store.attach(case_no, INVOICE, "a.jpg", jpeg(), actor="c", role="clerk", now=NOW)
    assert _count(database, CASE_FILES) == 0 and not (tmp_path / "files").exists()


def test_the_same_file_twice_on_one_material_is_a_conflict(files: AttachmentStore) -> None:
    case_no = open_case(files.cases)
    files.attach(case_no, INVOICE, "a.pdf", pdf(), actor="c", role="clerk", now=NOW)
    with pytest.raises(Conflict, match="已附有同一文件"):
        files.attach(case_no, INVOICE, "b.pdf", pdf(), actor="c", role="clerk", now=NOW)
    # the same content on another material is another attachment, kept once on disk
    files.attach(case_no, "住院医疗费用清单", "b.pdf", pdf(), actor="c", role="clerk", now=NOW)
    assert len(files.files(case_no)) == 2
    assert len([p for p in files.blobs.root.rglob("*") if p.is_file()]) == 1


def test_a_role_that_may_not_attach_is_refused_recorded_and_nothing_kept(
    files: AttachmentStore, database: Database
) -> None:
    case_no = open_case(files.cases)
    with pytest.raises(NotAllowed, match="管理员无权执行「附加材料文件」"):
        files.attach(case_no, INVOICE, "a.pdf", pdf(), actor="root", role="admin", now=NOW)
    assert _count(database, CASE_FILES) == 0
    assert not any(p.is_file() for p in files.blobs.root.rglob("*"))
    with database.engine.connect() as conn:
        refusals = conn.execute(text("SELECT action FROM audit_refusals")).scalars().all()
    assert refusals == ["attach"]


def test_a_changed_or_missing_file_is_found_by_verify(
    files: AttachmentStore, database: Database
) -> None:
    case_no = open_case(files.cases)
    first = files.attach(case_no, INVOICE, "a.pdf", pdf("一"), actor="c", role="clerk", now=NOW)
    second = files.attach(case_no, INVOICE, "b.pdf", pdf("二"), actor="c", role="clerk", now=NOW)
    assert files.verify() == (2, [])
    raw = bytearray(first.path.read_bytes())
    raw[-10] ^= 0x01  # one byte
    first.path.chmod(0o640)
    first.path.write_bytes(bytes(raw))
    second.path.unlink()
    checked, breaks = files.verify(case_no)
    assert checked == 2
    assert [(b.seq, b.kind) for b in breaks] == [(2, "file"), (3, "file")]
    assert "与审计记录的 SHA-256 不符" in breaks[0].problem
    assert "材料文件缺失" in breaks[1].problem
    with pytest.raises(DatabaseDamaged, match="缺失或已被改动"):
        files.open(case_no, first.id, viewer="sup", role="supervisor", now=NOW)
    assert _count(database, FILE_VIEWS) == 0


def test_a_row_changed_behind_the_application_is_found(
    files: AttachmentStore, database: Database
) -> None:
    case_no = open_case(files.cases)
    files.attach(case_no, INVOICE, "a.pdf", pdf(), actor="c", role="clerk", now=NOW)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE case_files SET file_name = 'b.pdf'"))
    (found,) = files.verify()[1]
    assert found.problem.endswith("附件登记与审计记录不符")
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM case_files"))
    (found,) = files.verify()[1]
    assert found.problem.endswith("附件登记缺失")


def test_every_view_is_recorded_and_only_supervisors_read_the_log(
    files: AttachmentStore,
) -> None:
    case_no = open_case(files.cases)
    kept = files.attach(case_no, INVOICE, "a.pdf", pdf(), actor="c", role="clerk", now=NOW)
    found, data = files.open(case_no, kept.id, viewer="reviewer-wang", role="reviewer", now=NOW)
    assert data == pdf() and found.media_type == "application/pdf"
    files.open(case_no, kept.id, viewer="sup-zhao", role="supervisor", now=at("2026-03-03 09:00"))
    views = files.views(role="supervisor", case_no=case_no)
    assert [(v.viewer, v.role, v.file_name, v.material) for v in views] == [
        ("sup-zhao", "supervisor", "a.pdf", INVOICE),
        ("reviewer-wang", "reviewer", "a.pdf", INVOICE),
    ]
    assert views[0].at == at("2026-03-03 09:00")
    with pytest.raises(Forbidden, match="无权查看材料文件的查阅记录"):
        files.views(role="clerk", case_no=case_no)
    with pytest.raises(NotFound):
        files.open(case_no, kept.id + 1, viewer="x", role="clerk", now=NOW)


def test_the_audit_record_is_kept_with_its_row_or_neither(
    files: AttachmentStore, database: Database
) -> None:
    case_no = open_case(files.cases)
    files.attach(case_no, INVOICE, "a.pdf", pdf(), actor="c", role="clerk", now=NOW)
    with database.engine.connect() as conn:
        records = conn.execute(
            select(func.count()).select_from(AUDIT).where(AUDIT.c.action == "attach")
        ).scalar_one()
    assert records == _count(database, CASE_FILES) == 1


def test_the_store_follows_the_settings(
    database: Database, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_ATTACHMENTS_DIR", str(tmp_path / "kept"))
    monkeypatch.setenv("JINGBAN_ATTACHMENT_TYPES", " PDF ")
    monkeypatch.setenv("JINGBAN_ATTACHMENT_MAX_BYTES", "5000")
    store = AttachmentStore(database, CaseStore(database, engine))
    assert (store.blobs.root, store.types, store.max_bytes) == (tmp_path / "kept", ("pdf",), 5000)
    case_no = open_case(store.cases)
    with pytest.raises(BadInput, match=r"可用类型: PDF$"):
        store.attach(case_no, INVOICE, "a.jpg", jpeg(), actor="c", role="clerk", now=NOW)
    kept = store.attach(case_no, INVOICE, "a.pdf", pdf(), actor="c", role="clerk", now=NOW)
    assert kept.path.parent.parent == tmp_path / "kept"
    monkeypatch.setenv("JINGBAN_ATTACHMENT_TYPES", "pdf,exe")
    with pytest.raises(BadInput, match="JINGBAN_ATTACHMENT_TYPES"):
        AttachmentStore(database, CaseStore(database, engine))
