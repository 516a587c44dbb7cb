"""`jingban items versions`, `jingban items diff` and `jingban case migrate` on a SQLite file,
through the console script's entry point (in-process): JSON on stdout, one `错误: …` line
and the README's exit codes (2 bad input, 4 not allowed) otherwise.

The database is prepared as a deployment whose catalog was later edited: a case opened
under an older definition of 喀什地区 住院费用报销 (a 30-working-day promise, one material
fewer), stored through the engine; the command line runs with today's packaged catalog.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import json
import sys
from functools import cache
from pathlib import Path

import pytest
from support import gb11643

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine import Engine
from jingban.storage import CaseStore, Database
from jingban.workflows import Catalog, FrozenMap, Limit, load_catalog

REGION, KEY = "kashgar", "inpatient_reimbursement"
APPLICANT_ID = gb11643("65310119880214302")
MIGRATE = ("--actor", "supervisor-chen", "--role", "supervisor")


def _older(catalog: Catalog) -> Catalog:
    region = catalog.region(REGION)
    item = region.item(KEY)
    old = dataclasses.replace(
        item, promised=Limit(30, "working_days"), materials=item.materials[:-1]
    )
    items = tuple(old if i.key == KEY else i for i in region.items)
    return Catalog(FrozenMap({**catalog.regions, REGION: dataclasses.replace(region, items=items)}))


@dataclasses.dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self):
        assert self.code == 0, self.stderr
        return json.loads(self.stdout)


class Env:
    def __init__(self, root: Path) -> None:
        self.url = f"sqlite:///{root / 'jingban.db'}"
        self.root = root
        db = Database(self.url)
        store = CaseStore(db, Engine(_older(load_catalog()), cache(WorkCalendar.for_region)))
        received = dt.datetime(2025, 6, 4, 10, 0, tzinfo=BEIJING)
        self.cases = [
            store.open(
                now=received,
                region=REGION,
                item=KEY,
                applicant_name="古丽娜尔",
                applicant_id=APPLICANT_ID,
                actor="clerk-li",
                role="clerk",
                all_materials=True,
            ).case
            for _ in range(3)
        ]
        store.act(self.cases[2].case_no, "withdraw", actor="clerk-li", role="clerk", now=received)
        self.old_version = self.cases[0].item_version
        db.dispose()

    def __call__(self, *args: str) -> Run:
        from jingban.cli.main import main

        out, err = io.StringIO(), io.StringIO()
        code = 0
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("JINGBAN_DATABASE_URL", self.url)
            patch.chdir(self.root)
            patch.setattr(sys, "argv", ["jingban", *args])
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def _error(run: Run, code: int) -> str:
    assert run.code == code, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: "), run.stderr
    assert "Traceback" not in run.stderr
    return lines[0]


def test_versions_lists_what_the_database_has_seen_and_the_current_one(env: Env) -> None:
    rows = env("items", "versions", KEY, "--region", REGION, "--json").json()
    assert len(rows) == 2 and rows[0]["version"] == env.old_version
    assert rows[0]["open_cases"] == 2 and rows[0]["stored"] and not rows[0]["current"]
    assert rows[0]["first_seen_at"].endswith("+08:00")
    assert rows[1]["current"] and rows[1]["first_seen_at"] is None and rows[1]["open_cases"] == 0
    human = env("items", "versions", KEY, "--region", REGION)
    assert human.code == 0 and env.old_version in human.stdout and "尚无办件" in human.stdout


def test_diff_names_each_changed_field_with_a_chinese_label(env: Env) -> None:
    out = env("items", "diff", KEY, "--region", REGION, "--from", env.old_version, "--json").json()
    by_path = {c["path"]: c for c in out["changes"]}
    assert by_path["promised.value"]["old"] == 30
    assert by_path["promised.value"]["new"] == 20
    assert by_path["promised.value"]["label"] == "承诺时限 数值"
    added = [c for c in out["changes"] if c["path"].startswith("materials[")]
    assert (
        len(added) == 1 and added[0]["old"] is None and added[0]["label"].startswith("申请材料 第")
    )
    human = env("items", "diff", KEY, "--region", REGION, "--from", env.old_version)
    assert "承诺时限 数值 (promised.value): 30 → 20" in human.stdout
    same = env(
        "items", "diff", KEY, "--region", REGION, "--from", env.old_version, "--to", env.old_version
    )
    assert "没有差别" in same.stdout
    assert "没有版本" in _error(env("items", "diff", KEY, "--region", REGION, "--from", "ffff"), 2)


def test_migrate_one_case_then_all_open_cases(env: Env) -> None:
    number = env.cases[0].case_no
    detail = env("case", "migrate", number, *MIGRATE, "--reason", "目录修订", "--json").json()
    current = env("items", "versions", KEY, "--region", REGION, "--json").json()[-1]
    assert current["current"] and current["stored"]  # recorded by the migration
    assert detail["item_version"] == current["version"]
    last = detail["history"][-1]
    assert last["action"] == "migrate" and last["reason"] == "目录修订"
    assert last["payload"]["from_version"] == env.old_version
    assert "promised" in last["payload"]["dues"]
    rest = env(
        "case",
        "migrate",
        "--all-open",
        "--item",
        KEY,
        "--region",
        REGION,
        *MIGRATE,
        "--reason",
        "目录修订",
        "--json",
    ).json()
    assert rest == {
        "migrated": [env.cases[1].case_no],
        "count": 1,
        "to_version": current["version"],
    }
    assert env("audit", "verify", "--json").json()["ok"] is True


def test_migrate_errors_have_the_readme_exit_codes(env: Env) -> None:
    number, ended = env.cases[0].case_no, env.cases[2].case_no
    clerk = ("--actor", "clerk-li", "--role", "clerk")
    assert "仅科长/主管" in _error(env("case", "migrate", number, *clerk, "--reason", "x"), 4)
    assert "理由" in _error(env("case", "migrate", number, *MIGRATE), 2)
    assert "已撤回" in _error(env("case", "migrate", ended, *MIGRATE, "--reason", "x"), 4)
    unknown = env("case", "migrate", number, *MIGRATE, "--reason", "x", "--to-version", "ffff")
    assert "没有版本 ffff" in _error(unknown, 2)
    both = env("case", "migrate", number, "--all-open", *MIGRATE, "--reason", "x")
    assert "--all-open" in _error(both, 2)
    assert "--item" in _error(env("case", "migrate", "--all-open", *MIGRATE, "--reason", "x"), 2)
