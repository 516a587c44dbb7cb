"""`jingban report summary|items|staff|trend|rebuild`: the hand-computed fixture
(`report_support`) as JSON, printed and as a workbook opened again with openpyxl; the
facts rebuilt from the cases equal the ones the actions wrote; bad periods refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cli_support import Cli, error_line
from openpyxl import load_workbook
from report_support import EAST, WEST, seed, services_on
from sqlalchemy import text

PERIOD = ("--region", "shawan", "--from", "2026-05-01", "--to", "2026-06-30")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("reports"))
    with services_on(cli.env["JINGBAN_DATABASE_URL"]) as services:
        seed(services)
    return cli


def test_the_summary_as_json(cli: Cli) -> None:
    data = cli.inproc("report", "summary", *PERIOD, "--json").json()
    assert data["title"] == "沙湾市 办件情况汇总表"
    rows = {r["office"]: r for r in data["rows"]}
    assert set(rows) == {EAST, WEST}
    east, west, whole = rows[EAST], rows[WEST], data["total"]
    assert (east["received"], east["accepted"], east["completed"]) == (8, 5, 3)
    assert (east["not_accepted"], east["withdrawn"], east["early"]) == (1, 1, 1)
    assert (west["extended"], west["late"], west["within_statutory"]) == (1, 1, 1)
    assert whole["completed"] == 6 and whole["on_time_rate"] == pytest.approx(4 / 6)
    assert whole["average_days"] == pytest.approx(76 / 6)
    assert whole["speedup_rate"] == pytest.approx(1 - 7.6 / 6)


def test_the_summary_workbook(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    run = cli.inproc("report", "summary", *PERIOD, "--xlsx", str(out))
    assert run.code == 0, run.stderr
    assert "已导出" in run.stderr
    ws = load_workbook(out).active
    assert ws["A1"].value == "沙湾市 办件情况汇总表"
    assert (ws["B2"].value, ws["D2"].value) == (dt.datetime(2026, 5, 1), dt.datetime(2026, 6, 30))
    assert ws.freeze_panes == "A4"
    headers = [c.value for c in ws[3]]
    rows = {
        r[1]: dict(zip(headers, r, strict=True))
        for r in ws.iter_rows(min_row=4, max_row=5, values_only=True)
    }
    assert rows[EAST]["收件"] == 8 and rows[WEST]["延期办结"] == 1
    assert rows[WEST]["超期办结"] == 1 and rows[WEST]["在办"] == 1
    total = dict(
        zip(headers, next(ws.iter_rows(min_row=6, max_row=6, values_only=True)), strict=True)
    )
    assert total["地区"] == "合计" and total["办结"] == 6
    assert total["按时办结率(法定)"] == pytest.approx(4 / 6)
    column = headers.index("平均用时(工作日)") + 1
    assert ws.cell(row=6, column=column).number_format == "0.0"


@pytest.mark.parametrize("kind", ["items", "staff", "trend"])
def test_the_other_reports_print_and_export(cli: Cli, kind: str, tmp_path: Path) -> None:
    printed = cli.inproc("report", kind, *PERIOD)
    assert printed.code == 0, printed.stderr
    data = cli.inproc("report", kind, *PERIOD, "--json").json()
    if kind == "items":
        assert [r["item_name"] for r in data["rows"]] == ["转移接续手续办理"]
        assert "转移接续手续办理" in printed.stdout
    elif kind == "staff":
        staff = {r["staff"]: r["completed"] for r in data["rows"]}
        assert staff == {"clerk-li": 0, "reviewer-liu": 3, "reviewer-wang": 3}
    else:
        assert [(r["month"], r["completed"]) for r in data["rows"]] == [
            ("2026-05", 1),
            ("2026-06", 5),
        ]
    out = tmp_path / f"{kind}.xlsx"
    assert cli.inproc("report", kind, *PERIOD, "--xlsx", str(out)).code == 0
    assert load_workbook(out).active.max_row == 3 + len(data["rows"]) + bool(data["total"])


def test_rebuilt_facts_equal_the_ones_the_actions_wrote(cli: Cli) -> None:
    url = cli.env["JINGBAN_DATABASE_URL"]
    query = text("SELECT * FROM report_facts ORDER BY case_no")
    with services_on(url) as services, services.db.engine.begin() as conn:
        written = [tuple(r) for r in conn.execute(query)]
        conn.execute(text("DELETE FROM report_facts"))
    missing = cli.inproc("report", "summary", *PERIOD)
    assert "jingban report rebuild" in missing.stderr
    run = cli.inproc("report", "rebuild")
    assert run.code == 0, run.stderr
    assert f"已重新生成 {len(written)} 件" in run.stdout
    with services_on(url) as services, services.db.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(query)] == written
    assert "rebuild" not in cli.inproc("report", "summary", *PERIOD).stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--from", "2026-06-30", "--to", "2026-05-01"), "晚于"),
        (("--period", "week"), "week"),
        (("--period", "month", "--from", "2026-05-01"), "period"),
        (("--from", "2026-02-30"), "2026-02-30"),
        (("--region", "atlantis"), "atlantis"),
        (("--xlsx", "/nonexistent/dir/x.xlsx"), "无法写入"),
    ],
)
def test_bad_periods_are_refused(cli: Cli, args: tuple[str, ...], says: str) -> None:
    run = cli.inproc("report", "summary", *args)
    assert run.code == 2
    assert says in error_line(run)
