"""Helpers of the materials tests: real file contents of each kind, a case to attach to."""

from __future__ import annotations

import io
import zipfile

from support import at, gb11643

from jingban.storage import CaseStore

APPLICANT_ID = gb11643("65310119800101123")  # 喀什市, born 1980-01-01
OPEN = {
    "applicant_name": "阿依古丽",
    "applicant_id": APPLICANT_ID,
    "actor": "clerk-li",
    "role": "clerk",
}
INVOICE = "住院发票"


def pdf(text: str = "住院发票") -> bytes:
    """A small, well-formed one-page PDF whose content stream holds ``text``."""
    body = text.encode("utf-8")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def jpeg() -> bytes:
    """The first bytes of a JFIF image (what `file_types.sniff` reads) and some data."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)


def ofd() -> bytes:
    """A minimal OFD package (a ZIP whose entry point is OFD.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
    return buffer.getvalue()


def open_case(store: CaseStore, when: str = "2026-03-02 10:00") -> str:
    """A 住院费用报销 case of 喀什, received at ``when`` (Beijing time)."""
    return store.open(
        now=at(when),
        region="kashgar",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no
