"""The files kept for a case's materials go into its archive package by themselves: the
exporter takes them from the attachment store (`AttachmentStore.files_for`), each with the
SHA-256 its audit record carries, so the package proves them without the database; a kept
file whose content changed on disk is refused and no package is left half written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archive_support import completed_outpatient, render_notices, services_on
from support import at

from jingban.archive import export_case, verify_package
from jingban.errors import JingbanError
from jingban.services import Services

INVOICE = "医院收费票据"


@pytest.fixture
def services(db_url: str) -> Services:
    found = services_on(db_url)
    yield found  # type: ignore[misc]
    found.db.dispose()


def pdf(text: str) -> bytes:
    """A small one-page PDF whose content stream holds ``text``."""
    body = text.encode("utf-8")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        + f"3 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _attach(services: Services, case_no: str, when: str, text: str = "门诊发票") -> str:
    kept = services.attachments.attach(
        case_no, INVOICE, "发票.pdf", pdf(text), actor="clerk-li", role="clerk", now=at(when)
    )
    return kept.sha256


def test_the_kept_scans_are_in_the_package_and_verify(services: Services, tmp_path: Path) -> None:
    # closed on the 调休 Saturday before 春节 2026, the scan attached at the counter that day
    case_no = completed_outpatient(services, "2026-02-14 10:00", "2026-02-14 15:00")
    digest = _attach(services, case_no, "2026-02-14 15:10")
    done = export_case(
        services,
        case_no,
        tmp_path / "out",
        render_notices=render_notices,
        by="archivist-sun",
        now=at("2026-03-02 09:00"),
    )
    root = done.written.path
    assert verify_package(root) == []
    assert (root / "files" / "001-发票.pdf").read_bytes() == pdf("门诊发票")
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert listed["files/001-发票.pdf"] == digest
    # the attach record is a link of the exported chain
    chain = (root / "audit" / "chain.jsonl").read_text(encoding="utf-8").splitlines()
    assert any(json.loads(line)["action"] == "attach" for line in chain)


def test_a_kept_file_changed_on_disk_is_refused_and_nothing_is_left(
    services: Services, tmp_path: Path
) -> None:
    case_no = completed_outpatient(services, "2026-05-28 10:00", "2026-05-28 15:00")
    _attach(services, case_no, "2026-05-28 15:10", "被改动的发票")
    ((_, _, path, _, _),) = services.attachments.files_for(case_no)
    blob = Path(path)
    data = bytearray(blob.read_bytes())
    data[-10] ^= 0x01
    blob.write_bytes(bytes(data))
    with pytest.raises(JingbanError):
        export_case(
            services,
            case_no,
            tmp_path / "out",
            render_notices=render_notices,
            by="archivist-sun",
            now=at("2026-06-01 09:00"),
        )
    assert not (tmp_path / "out" / case_no).exists()
    assert services.archives.find(case_no) is None
