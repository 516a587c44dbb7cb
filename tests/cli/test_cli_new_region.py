"""A new region is its catalog file and its registry entry, nothing else.

The region ``testland`` (code ``TL``) lives only in a temporary data directory named by
``JINGBAN_DATA_DIR``; fresh processes, as a deployment would run them, show that it works end
to end: the catalog loads, the CLI lists its items, a case opens with a ``TL-…`` number whose
check character validates, its calendar answers, the scheduler keeps a digest job for it, and
the demo fills it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "workflows" / "fixtures" / "good.toml"

REGISTRY_ENTRY = """\
[regions.testland]
name = "测试地区"
code = "TL"
overlay = "xinjiang"
hours = "xinjiang"
"""

# Runs in a fresh interpreter: everything below reads the registry of that process.
SCRIPT = """
import datetime as dt, json, os
from jingban.calendar import region_keys
from jingban.demo import fill
from jingban.engine.case_number import normalise_case_number
from jingban.scheduler.runner import SchedulerService
from jingban.services import Services
from jingban.storage import Database

now = dt.datetime(2026, 3, 18, 2, 0, tzinfo=dt.UTC)
services = Services(Database(None))
opened = services.cases.open(
    now=now, region="testland", item="unit_registration", applicant_name="张三",
    applicant_id="11010519491231002X", actor="clerk", role="clerk", all_materials=True,
)
case_no = opened.case.case_no
calendar = services.calendar("testland")
service = SchedulerService(services, clock=lambda: now, node="n1")
service.scheduler.start(paused=True)
try:
    service.elect()
    jobs = sorted(job.id for job in service.scheduler.get_jobs())
finally:
    service.scheduler.shutdown(wait=False)
services.db.dispose()

demo_db = Database("sqlite:///" + os.environ["DEMO_DB"])
demo_services = Services(demo_db)
summary = fill(demo_services, now=now)
demo_regions = sorted({c.region for c in demo_services.cases.list(limit=1000)})
print(json.dumps({
    "regions": list(region_keys()),
    "catalog": list(services.catalog.regions),
    "case_no": case_no,
    "normalised": normalise_case_number(case_no.replace("-", "").lower()),
    "ramadan_off": calendar.is_working_day(dt.date(2026, 3, 20)),
    "next_working_day": str(calendar.add_working_days(dt.date(2026, 3, 19), 1)),
    "jobs": jobs,
    "demo_users": [u for u in summary.users if u.startswith("testland_")],
    "demo_regions": demo_regions,
}))
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "regions.toml").write_text(REGISTRY_ENTRY, encoding="utf-8")
    catalog = FIXTURE.read_text(encoding="utf-8").replace('key = "kashgar"', 'key = "testland"')
    (directory / "testland.toml").write_text(catalog, encoding="utf-8")
    return directory


def _run(args: list[str], data_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "JINGBAN_DATA_DIR": str(data_dir),
        "JINGBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'jingban.db'}",
        "DEMO_DB": str(tmp_path / "demo.db"),
    }
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False
    )


def _jingban(*args: str) -> list[str]:
    return [sys.executable, "-c", "from jingban.cli.main import main; main()", *args]


def test_a_region_from_a_data_directory_works_end_to_end(data_dir: Path, tmp_path: Path) -> None:
    listed = _run(_jingban("items", "list", "--region", "testland", "--json"), data_dir, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [i["key"] for i in json.loads(listed.stdout)] == [
        "unit_registration",
        "employee_registration",
    ]

    run = _run([sys.executable, "-c", SCRIPT], data_dir, tmp_path)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["regions"][-1] == "testland" and out["catalog"] == out["regions"]
    assert out["case_no"].startswith("TL-20260318-00001-")
    assert out["normalised"] == out["case_no"]
    # a Xinjiang-overlay region: 肉孜节 2026-03-20 is off, so the next working day is Monday
    assert out["ramadan_off"] is False
    assert out["next_working_day"] == "2026-03-23"
    assert "digest:testland" in out["jobs"]
    assert out["demo_users"] == [
        f"testland_{r}" for r in ("clerk", "reviewer", "payer", "supervisor")
    ]
    assert "testland" in out["demo_regions"]

    shown = _run(_jingban("case", "show", out["case_no"], "--json"), data_dir, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["region"] == "testland"
    digest = _run(_jingban("digest", "--region", "testland", "--json"), data_dir, tmp_path)
    assert digest.returncode == 0, digest.stderr
    assert json.loads(digest.stdout)[0]["region_name"] == "测试地区"


def test_without_the_data_directory_the_region_is_unknown(data_dir: Path, tmp_path: Path) -> None:
    env_free = _run(_jingban("items", "list", "--region", "testland"), tmp_path / "none", tmp_path)
    assert env_free.returncode == 2
    assert "testland" in env_free.stderr and "sichuan" in env_free.stderr


def test_a_bad_registry_entry_is_a_message_not_a_traceback(data_dir: Path, tmp_path: Path) -> None:
    (data_dir / "regions.toml").write_text(
        REGISTRY_ENTRY.replace('hours = "xinjiang"', 'hours = "lhasa"'), encoding="utf-8"
    )
    run = _run(_jingban("items", "list", "--region", "testland"), data_dir, tmp_path)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "第 5 行: 地区 testland: 字段 hours: 未知办公时间“lhasa”" in run.stderr
