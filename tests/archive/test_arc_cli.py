"""`jingban archive …` as an archivist runs it: export by number and by period, the refusal
of an open case, the list of packages due, two appraisals and the destruction — exit codes,
one `错误: …` line, JSON — with the wall clock frozen years ahead where the terms need it."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from archive_support import act, completed_outpatient, open_case, services_on
from freezegun import freeze_time
from support import at


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.code == 0, self.stderr
        return json.loads(self.stdout)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jingban.db'}"


@pytest.fixture
def jingban(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Any]:
    """Run `jingban ARGS…` in-process at ``now`` (Beijing time, the wall clock frozen)."""
    import jingban.console.printed_notices  # noqa: F401  (FastAPI is imported before freezing)
    from jingban.cli.main import main
    from jingban.workflows.legal_basis import legal_basis
    from jingban.workflows.retention import retention

    # the data files' models are built before the clock is frozen (their date fields)
    retention(), legal_basis()
    freezer = freeze_time(at("2026-11-02 10:00"), ignore=["_pytest"])
    clock = freezer.start()

    def run(*args: str, now: str = "2026-11-02 10:00") -> Run:
        clock.move_to(at(now))
        capsys.readouterr()
        monkeypatch.setenv("JINGBAN_DATABASE_URL", url)
        monkeypatch.setattr(sys, "argv", ["jingban", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return Run(code, out, err)

    try:
        yield run
    finally:
        freezer.stop()


def test_export_due_appraise_destroy(url: str, jingban: Any, tmp_path: Path) -> None:
    services = services_on(url)
    for name in ("archivist-a", "archivist-b"):
        services.accounts.add_user(
            name,
            role="supervisor",
            password="档案-密码-2026",
            now=at("2026-10-01 09:00"),
            region="sichuan",
        )
    first = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    second = completed_outpatient(services, "2026-10-09 10:30", "2026-10-20 11:00")
    still_open = open_case(services, "2026-10-21 10:00")
    act(services, still_open, "accept", "clerk-li", "clerk", "2026-10-21 10:05")
    services.db.dispose()
    out = tmp_path / "archive"

    refused = jingban("archive", "export", still_open, "--out", str(out))
    assert refused.code == 4
    assert refused.stderr.strip().startswith("错误: 办件")
    assert "尚未办结（当前: 已受理）" in refused.stderr
    assert not out.exists()
    assert jingban("archive", "export", "--out", str(out)).code == 2
    assert (
        jingban(
            "archive",
            "export",
            "--from",
            "2026-10-31",
            "--to",
            "2026-10-01",
            "--region",
            "sichuan",
            "--out",
            str(out),
        ).code
        == 2
    )
    assert (
        jingban(
            "archive",
            "export",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--region",
            "hami",
            "--out",
            str(out),
        ).code
        == 2
    )

    done = jingban(
        "archive",
        "export",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--region",
        "sichuan",
        "--out",
        str(out),
        "--by",
        "archivist-a",
        "--json",
    ).json()
    assert [p["package_id"] for p in done["exported"]] == [first, second]
    assert {p["expires_on"] for p in done["exported"]} == {"2037-01-01"}
    assert done["skipped"] == []
    again = jingban("archive", "export", first, "--out", str(tmp_path / "other"))
    assert again.code == 3 and "已经归档" in again.stderr

    assert jingban("archive", "verify", str(out / first)).code == 0
    assert jingban("archive", "due", "--year", "2035", "--json").json() == []
    due = jingban("archive", "due", "--year", "2036", "--json").json()
    assert [(p["package_id"], p["appraisers"]) for p in due] == [(first, []), (second, [])]
    assert "期满后 2037-01-01" in jingban("archive", "due", "--year", "2036").stdout

    early = jingban(
        "archive",
        "appraise",
        first,
        "--by",
        "archivist-a",
        "--opinion",
        "拟销毁",
        now="2035-06-01 10:00",
    )
    assert early.code == 4 and "期满当年才能鉴定" in early.stderr
    ok = jingban(
        "archive",
        "appraise",
        str(out / first),
        "--by",
        "archivist-a",
        "--opinion",
        "已无查考价值，拟销毁",
        now="2036-06-01 10:00",
    )
    assert ok.code == 0, ok.stderr
    twice = jingban(
        "archive",
        "appraise",
        first,
        "--by",
        "archivist-a",
        "--opinion",
        "同意",
        now="2036-06-02 10:00",
    )
    assert twice.code == 4 and "须由另一人鉴定" in twice.stderr
    stranger = jingban(
        "archive", "appraise", first, "--by", "nobody", "--opinion", "同意", now="2036-06-02 10:00"
    )
    assert stranger.code == 2 and "没有用户 nobody" in stranger.stderr
    leaky = jingban(
        "archive",
        "appraise",
        first,
        "--by",
        "archivist-b",
        "--opinion",
        "申请人 510107197503082121 的材料",
        now="2036-06-02 10:00",
    )
    assert leaky.code == 2

    alone = jingban("archive", "destroy", first, "--by", "chief-qian", now="2037-01-05 10:00")
    assert alone.code == 4 and "须经两名不同人员鉴定" in alone.stderr
    assert (
        jingban(
            "archive",
            "appraise",
            first,
            "--by",
            "archivist-b",
            "--opinion",
            "同意销毁",
            now="2036-06-03 10:00",
        ).code
        == 0
    )
    before_end = jingban("archive", "destroy", first, now="2036-12-31 17:00")
    assert before_end.code == 4 and "期满前不能销毁" in before_end.stderr
    assert (out / first).is_dir()
    gone = jingban(
        "archive", "destroy", first, "--by", "chief-qian", "--json", now="2037-01-05 10:00"
    ).json()
    assert gone["appraisers"] == ["archivist-a", "archivist-b"]
    assert gone["destroyed_by"] == "chief-qian"
    assert not (out / first).exists() and (out / second).is_dir()
    assert [
        p["package_id"] for p in jingban("archive", "due", "--year", "2040", "--json").json()
    ] == [second]
    assert jingban("archive", "destroy", first, now="2037-01-06 10:00").code == 4
    # the audit trail is whole: nothing of it went with the package
    assert jingban("audit", "verify", first).code == 0
    assert jingban("archive", "verify", str(out / first)).code == 8
