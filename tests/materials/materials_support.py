"""Helpers of the materials tests: real file contents of each kind, a case to attach to."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.code == 0, self.stderr
        return json.loads(self.stdout)


class Cli:
    """The installed `jingban` command, run in a subprocess in one working directory with
    its own SQLite database (files kept beside it)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "JINGBAN_DATABASE_URL": f"sqlite:///{root / 'jingban.db'}"}
        for name in ("JINGBAN_TEST_PG_URL", "JINGBAN_ATTACHMENTS_DIR", "JINGBAN_DATA_DIR"):
            self.env.pop(name, None)

    def __call__(self, *args: str) -> Run:
        exe = Path(sys.executable).with_name("jingban")
        done = subprocess.run(
            [str(exe), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def open(self) -> str:
        return self(
            "case",
            "open",
            "--region",
            "kashgar",
            "--item",
            "inpatient_reimbursement",
            "--applicant-name",
            OPEN["applicant_name"],
            "--applicant-id",
            APPLICANT_ID,
            "--actor",
            "clerk-li",
            "--role",
            "clerk",
            "--all-materials",
            "--json",
        ).json()["case_no"]
