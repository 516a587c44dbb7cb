"""Running the installed `jingban` as a clerk's script would: `Cli` runs it in a subprocess
(or its entry point in-process) in one working directory with its own SQLite file; `Run` is
what came back; `error_line` checks a refusal is one `错误: …` line and no traceback."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import gb11643

JINGBAN = Path(sys.executable).with_name("jingban")

APPLICANT_ID = gb11643("65310119880214302")
MASKED = APPLICANT_ID[:6] + "********" + APPLICANT_ID[-4:]
RECEIVED = "2025-06-04T10:00+08:00"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self):
        assert self.code == 0, self.stderr
        return json.loads(self.stdout)


class Cli:
    """Runs the installed `jingban` in one working directory with its own database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "JINGBAN_DATABASE_URL": f"sqlite:///{root / 'jingban.db'}"}
        self.env.pop("JINGBAN_TEST_PG_URL", None)

    def __call__(self, *args: str) -> Run:
        """The installed command in a subprocess."""
        exe = str(JINGBAN) if JINGBAN.exists() else shutil.which("jingban") or "jingban"
        done = subprocess.run(
            [exe, *args], cwd=self.root, env=self.env, capture_output=True, text=True, timeout=120
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def inproc(self, *args: str) -> Run:
        """The console script's entry point, in this process."""
        from jingban.cli.main import main

        out, err = io.StringIO(), io.StringIO()
        code = 0
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("JINGBAN_DATABASE_URL", self.env["JINGBAN_DATABASE_URL"])
            patch.chdir(self.root)
            patch.setattr(sys, "argv", ["jingban", *args])
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return Run(code, out.getvalue(), err.getvalue())

    def many(self, commands: list[tuple[str, ...]]) -> list[Run]:
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda args: self(*args), commands))

    def open(
        self,
        *extra: str,
        region: str = "kashgar",
        item: str = "inpatient_reimbursement",
        subprocess: bool = True,
    ) -> dict:
        run = self if subprocess else self.inproc
        return run(
            "case",
            "open",
            "--region",
            region,
            "--item",
            item,
            "--applicant-name",
            "古丽娜尔",
            "--applicant-id",
            APPLICANT_ID,
            "--actor",
            "clerk-li",
            "--role",
            "clerk",
            "--received-at",
            RECEIVED,
            "--json",
            *extra,
        ).json()


def error_line(run: Run) -> str:
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("错误: "), run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    return lines[0]


def completed_cases(url: str, days: tuple[int, ...], month: tuple[int, int] = (2026, 10)) -> None:
    """Sichuan 职工参保登记 cases accepted, approved and completed on each of ``days`` of
    ``month`` (10:00 Beijing time), written straight to the database at ``url``."""
    import datetime as dt

    from jingban.calendar import BEIJING
    from jingban.engine import ActionParams
    from jingban.services import Services
    from jingban.storage import Database

    services = Services(Database(url))
    try:
        for day in days:
            now = dt.datetime(*month, day, 10, 0, tzinfo=BEIJING)
            number = services.cases.open(
                now=now, region="sichuan", item="employee_registration", applicant_name="张三",
                applicant_id="110101199003074514", actor="li", role="clerk", all_materials=True,
            ).case.case_no  # fmt: skip
            for action, role in (
                ("accept", "clerk"),
                ("approve", "reviewer"),
                ("complete", "reviewer"),
            ):
                services.cases.act(
                    number, action, actor=role, role=role, now=now, params=ActionParams()
                )
    finally:
        services.db.dispose()
