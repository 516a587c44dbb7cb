"""Material files through the HTTP API: multipart upload to a material of a case the user
sees, listing, opening (each opening recorded), the opening log for supervisors; bad input
answered 4xx with one Chinese line and nothing stored. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from api_support import Api
from materials_support import jpeg, pdf

from jingban.storage.models_attachments import CASE_FILES

INVOICE = "医院收费票据"  # sichuan inpatient_reimbursement


@pytest.fixture(autouse=True)
def _own_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JINGBAN_ATTACHMENTS_DIR", str(tmp_path / "files"))


def _upload(api: Api, who: str, case_no: str, material: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return api.client.post(
        f"/api/cases/{case_no}/materials/{quote(material)}/files",
        files={"file": (name, data, "application/octet-stream")},
        headers=api.login(who),
    )


def _rows(api: Api) -> int:
    from sqlalchemy import func, select

    with api.db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(CASE_FILES)).scalar_one())


def test_upload_list_open_and_the_opening_log(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    r = _upload(api, "clerk_a", case_no, "收费票据", "票据.pdf", pdf())
    assert r.status_code == 201, r.text
    kept = r.json()
    assert (kept["material"], kept["file_name"], kept["attached_by"]) == (
        INVOICE,
        "票据.pdf",
        "clerk_a",
    )
    listed = api.get("reviewer_a", f"/api/cases/{case_no}/files").json()["files"]
    assert [f["id"] for f in listed] == [kept["id"]]
    shown = api.get("reviewer_a", f"/api/cases/{case_no}/files/{kept['id']}")
    assert shown.status_code == 200 and shown.content == pdf()
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.headers["cache-control"] == "no-store"
    detail = api.get("supervisor_a", f"/api/cases/{case_no}").json()
    assert detail["history"][-1]["action"] == "attach"
    log = api.get("supervisor_a", f"/api/cases/{case_no}/file-views")
    assert log.status_code == 200
    assert [(v["viewer"], v["role"]) for v in log.json()["views"]] == [("reviewer_a", "reviewer")]
    assert api.get("clerk_a", f"/api/cases/{case_no}/file-views").status_code == 403
    # another office sees neither the case nor its files
    assert api.get("reviewer_b", f"/api/cases/{case_no}/files/{kept['id']}").status_code == 404
    assert _upload(api, "clerk_b", case_no, INVOICE, "x.jpg", jpeg()).status_code == 404
    assert len(api.get("supervisor_a", f"/api/cases/{case_no}/file-views").json()["views"]) == 1


@pytest.mark.parametrize(
    ("material", "name", "data", "status", "words"),
    [
        ("结婚证", "a.pdf", pdf(), 404, "不是本事项的材料"),
        (INVOICE, "a.txt", b"plain text", 400, "无法识别的文件"),
        (INVOICE, "a.png", pdf(), 400, "扩展名应为 .pdf"),
        (INVOICE, "a.pdf", b"", 400, "是空文件"),
    ],
)
def test_bad_uploads_are_refused_with_one_line_and_nothing_stored(
    api: Api, material: str, name: str, data: bytes, status: int, words: str
) -> None:
    case_no = api.open_case()["case_no"]
    r = _upload(api, "clerk_a", case_no, material, name, data)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]["message"] and "\n" not in r.json()["error"]["message"]
    assert _rows(api) == 0
    assert api.get("clerk_a", f"/api/cases/{case_no}").json()["version"] == 1


def test_a_file_over_the_limit_is_refused(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINGBAN_ATTACHMENT_MAX_BYTES", "200")
    case_no = api.open_case()["case_no"]
    r = _upload(api, "clerk_a", case_no, INVOICE, "a.pdf", pdf("x" * 500))
    assert r.status_code == 400 and "超过上限" in r.json()["error"]["message"]
    assert _rows(api) == 0
