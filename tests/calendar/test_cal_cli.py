"""`jingban calendar …`: due dates, the year view, days, notices and closures, through the
console entry point (in process, and as a subprocess for the exit-code path of `main()`)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from jingban.storage import Database
from jingban.storage.models import CALENDAR_NOTICES


def error_line(result) -> str:
    """The single `错误: …` line a failed command prints on stderr."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误: "), lines[0]
    assert result.stdout == ""
    return lines[0]


# -- due ------------------------------------------------------------------------------------


def test_due_text(jingban):
    result = jingban("calendar", "due", "2025-01-24", "3")
    assert result.code == 0
    assert result.stderr == ""
    assert result.stdout.strip() == (
        "四川省: 自 2025-01-24 起 3个工作日，截止 2025-02-05 (三) 17:30 北京时间"
    )


def test_due_json(jingban):
    result = jingban("calendar", "due", "2024-02-08", "2", "--region", "sichuan", "--json")
    assert result.code == 0
    data = json.loads(result.stdout)
    assert {"start", "value", "unit", "region", "due", "provisional"} <= data.keys()
    assert data["start"] == "2024-02-08"
    assert (data["value"], data["unit"], data["region"]) == (2, "working_days", "sichuan")
    assert (data["due"], data["provisional"]) == ("2024-02-18", False)
    assert data["due_at"] == "2024-02-18T17:30:00+08:00"


@pytest.mark.parametrize(
    ("start", "counted_from", "due"),
    [
        ("2025-03-03T19:59", "2025-03-03", "2025-03-04"),
        ("2025-03-03T20:00", "2025-03-04", "2025-03-05"),
        ("2025-03-03T15:00+08:00", "2025-03-03", "2025-03-04"),
        ("2025-03-03T11:59:00+00:00", "2025-03-03", "2025-03-04"),
        ("2025-03-03T12:00:00+00:00", "2025-03-04", "2025-03-05"),
        ("2025-06-05T21:00", "2025-06-11", "2025-06-12"),  # eve of 古尔邦节, after close
    ],
)
def test_due_from_a_receipt_time_in_xinjiang(jingban, start, counted_from, due):
    result = jingban("calendar", "due", start, "1", "--region", "kashgar", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["counted_from"], data["due"]) == (counted_from, due)
    assert data["due_at"] == f"{due}T20:00:00+08:00"


@pytest.mark.parametrize(
    ("args", "due"),
    [
        (["2025-01-21", "10", "--unit", "natural_days"], "2025-02-05"),
        (["2025-09-01", "1", "--unit", "months"], "2025-10-09"),
        (["2025-01-25", "0", "--unit", "instant"], "2025-01-26"),
        (["2025-12-31", "1"], "2026-01-04"),
    ],
)
def test_due_units(jingban, args, due):
    result = jingban("calendar", "due", *args, "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["due"] == due


def test_due_into_2027_warns_on_stderr(jingban):
    result = jingban("calendar", "due", "2026-12-25", "5", "--json")
    assert result.code == 0
    data = json.loads(result.stdout)
    assert (data["due"], data["provisional"]) == ("2027-01-04", True)
    assert result.stderr.startswith("警告: 2027 年的节假日安排尚未公布")
    text = jingban("calendar", "due", "2026-12-25", "5")
    assert "（暂定）" in text.stdout
    assert "2027" in text.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["2025-02-30", "5"], ["START", "2025-02-30"]),
        (["2025-3-3", "5"], ["START"]),
        (["2025-03-03T25:00", "5"], ["START"]),
        (["2025-03-03", "5", "--region", "lhasa"], ["lhasa"]),
        (["2025-03-03", "5", "--unit", "weeks"], ["weeks"]),
        (["2025-03-03", "--", "-5"], ["负数"]),
        (["2014-12-31", "5"], ["超出日历范围"]),
        (["2045-12-28", "5"], ["超出日历范围"]),
    ],
)
def test_due_bad_input(jingban, args, words):
    result = jingban("calendar", "due", *args)
    assert result.code == 2
    line = error_line(result)
    for word in words:
        assert word in line


# -- show and day ------------------------------------------------------------------------------


def test_show_national_year(jingban):
    result = jingban("calendar", "show", "2026")
    assert result.code == 0
    assert result.stderr == ""
    out = result.stdout
    assert out.startswith("四川省 2026 年工作日历\n")
    assert "2026年2月" in out
    assert "14班" in out and "28班" in out and "16休" in out and "23休" in out
    assert " 4班" in out  # 2026-01-04, a make-up Sunday
    assert "  2026-02-14 周六 班" in out
    assert "  2026-09-20 周日 班" in out
    deviations = out.split("与周一至周五不同的日子:\n")[1].splitlines()
    assert len(deviations) > 20
    marks = {line.split()[2] for line in deviations}
    assert marks == {"休", "班"}


def test_show_xinjiang_marks_regional_days(jingban):
    out = jingban("calendar", "show", "2026", "--region", "kashgar").stdout
    assert out.startswith("喀什地区 2026 年工作日历\n")
    assert "20节" in out and "27节" in out and "29节" in out
    assert "  2026-03-20 周五 节 肉孜节" in out
    assert "  2026-05-28 周四 节 古尔邦节" in out
    deviations = out.split("与周一至周五不同的日子:\n")[1].splitlines()
    assert {line.split()[2] for line in deviations} == {"休", "班", "节"}


def test_show_json(jingban):
    data = json.loads(jingban("calendar", "show", "2024", "--json").stdout)
    assert (data["year"], data["region"], data["provisional"]) == (2024, "sichuan", False)
    days = {d["date"]: d for d in data["days"]}
    assert len(days) == 366
    assert days["2024-02-18"]["working"] and days["2024-02-18"]["kind"] == "work"
    assert not days["2024-02-12"]["working"] and days["2024-02-12"]["kind"] == "off"
    assert days["2024-02-09"]["kind"] == "workday"
    assert sum(d["working"] for d in data["days"]) == 251


def test_show_provisional_year_warns(jingban):
    result = jingban("calendar", "show", "2027")
    assert result.code == 0
    assert "（暂定）" in result.stdout.splitlines()[0]
    assert result.stderr.startswith("警告: 2027 年")


@pytest.mark.parametrize("year", ["2014", "2046"])
def test_show_out_of_range(jingban, year):
    result = jingban("calendar", "show", year)
    assert result.code == 2
    assert "超出日历范围" in error_line(result)


def test_day(jingban):
    assert jingban("calendar", "day", "2026-02-14").stdout.strip() == (
        "2026-02-14 四川省: 工作日，调休上班"
    )
    assert jingban("calendar", "day", "2025-03-08").stdout.strip() == "2025-03-08 四川省: 休息日"
    data = json.loads(
        jingban("calendar", "day", "2026-03-20", "--region", "kashgar", "--json").stdout
    )
    assert data == {
        "date": "2026-03-20",
        "region": "kashgar",
        "working": False,
        "kind": "regional",
        "name": "肉孜节",
        "provisional": False,
    }
    later = json.loads(jingban("calendar", "day", "2027-03-01", "--json").stdout)
    assert later["provisional"] is True
    assert "（暂定）" in jingban("calendar", "day", "2027-03-01").stdout


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["2026-13-01"], "DATE"),
        (["2050-01-01"], "超出日历范围"),
        (["2026-03-20", "--region", "urumqi"], "urumqi"),
    ],
)
def test_day_bad_input(jingban, args, word):
    result = jingban("calendar", "day", *args)
    assert result.code == 2
    assert word in error_line(result)


# -- import and notices ----------------------------------------------------------------------


def test_import_2027_changes_due_dates(jingban, notices_dir, db_url):
    before = jingban("calendar", "due", "2027-02-19", "1", "--json")
    assert json.loads(before.stdout)["due"] == "2027-02-22"
    assert json.loads(before.stdout)["provisional"] is True
    assert before.stderr.startswith("警告: ")

    with freeze_time("2026-11-06 01:30:00"):
        result = jingban("calendar", "import", str(notices_dir / "national-2027.toml"))
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("已导入 2027 年国务院办公厅关于2027年部分节假日安排的通知")
    assert "调休上班 5 天" in result.stdout
    db = Database(db_url)
    with db.engine.connect() as conn:
        row = conn.execute(select(CALENDAR_NOTICES)).one()
    db.dispose()
    assert row.installed_at == dt.datetime(2026, 11, 6, 1, 30, tzinfo=dt.UTC)

    after = jingban("calendar", "due", "2027-02-19", "1", "--json")
    assert after.stderr == ""
    assert json.loads(after.stdout)["due"] == "2027-02-20"
    assert json.loads(after.stdout)["provisional"] is False
    day = json.loads(jingban("calendar", "day", "2027-02-20", "--json").stdout)
    assert (day["working"], day["kind"], day["provisional"]) == (True, "work", False)
    show = jingban("calendar", "show", "2027")
    assert show.stderr == ""
    assert "20班" in show.stdout
    # Xinjiang still waits for its regional notice
    kashgar = jingban("calendar", "due", "2027-02-19", "1", "--region", "kashgar", "--json")
    assert json.loads(kashgar.stdout)["provisional"] is True
    assert jingban("calendar", "import", str(notices_dir / "xinjiang-2027.toml")).code == 0
    kashgar = jingban("calendar", "due", "2027-05-14", "1", "--region", "kashgar", "--json")
    assert kashgar.stderr == ""
    assert json.loads(kashgar.stdout)["due"] == "2027-05-20"
    assert json.loads(kashgar.stdout)["provisional"] is False


def test_import_twice_needs_replace(jingban, notices_dir):
    path = str(notices_dir / "national-2027.toml")
    assert jingban("calendar", "import", path).code == 0
    again = jingban("calendar", "import", path)
    assert again.code == 3
    assert "--replace" in error_line(again)
    replaced = jingban("calendar", "import", path, "--replace", "--json")
    assert replaced.code == 0
    summary = json.loads(replaced.stdout)
    assert summary["replaced"] is True
    assert (summary["scope"], summary["year"], summary["days_off"]) == ("national", 2027, 29)
    assert summary["make_up_workdays"] == [
        "2027-01-31",
        "2027-02-20",
        "2027-05-08",
        "2027-09-26",
        "2027-10-09",
    ]


def test_notices_lists_packaged_and_imported(jingban, notices_dir):
    rows = json.loads(jingban("calendar", "notices", "--json").stdout)
    assert [(r["year"], r["origin"]) for r in rows] == [
        (2023, "packaged"),
        (2024, "packaged"),
        (2025, "packaged"),
        (2026, "packaged"),
    ]
    assert rows[0]["number"] == "国办发明电〔2022〕16号"
    assert rows[1]["number"] == "国办发明电〔2023〕7号"
    assert rows[2]["number"] == "国办发明电〔2024〕12号"
    jingban("calendar", "import", str(notices_dir / "national-2027.toml"))
    jingban("calendar", "import", str(notices_dir / "xinjiang-2027.toml"))
    rows = json.loads(jingban("calendar", "notices", "--json").stdout)
    assert [(r["scope"], r["year"], r["origin"]) for r in rows[4:]] == [
        ("national", 2027, "imported"),
        ("xinjiang", 2027, "imported"),
    ]
    text = jingban("calendar", "notices").stdout
    assert "2027  导入  国务院办公厅关于2027年部分节假日安排的通知（测试样例）" in text
    assert "2023  内置" in text


def test_import_bad_file_names_file_and_line(jingban, tmp_path, notices_dir):
    text = (notices_dir / "national-2027.toml").read_text("utf-8")
    path = tmp_path / "bad-2027.toml"
    path.write_text(text.replace("work = [2027-05-08]", "work = [2027-05-07]"), "utf-8")
    result = jingban("calendar", "import", str(path))
    assert result.code == 2
    line = error_line(result)
    number = text.splitlines().index("work = [2027-05-08]") + 1
    assert f"bad-2027.toml 第 {number} 行" in line
    assert "2027-05-07" in line and "星期五" in line
    assert json.loads(jingban("calendar", "notices", "--json").stdout)[-1]["year"] == 2026


def test_import_missing_file(jingban, tmp_path):
    result = jingban("calendar", "import", str(tmp_path / "nope.toml"))
    assert result.code == 2
    assert "nope.toml" in error_line(result)


def test_import_regional_cancellation(jingban, notices_dir):
    result = jingban("calendar", "import", str(notices_dir / "xinjiang-2026-cancel.toml"), "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["cancelled_workdays"] == ["2026-02-14"]
    kashgar = json.loads(jingban("calendar", "day", "2026-02-14", "-r", "kashgar", "--json").stdout)
    assert (kashgar["working"], kashgar["kind"]) == (False, "cancelled")
    sichuan = json.loads(jingban("calendar", "day", "2026-02-14", "--json").stdout)
    assert (sichuan["working"], sichuan["kind"]) == (True, "work")
    due = jingban("calendar", "due", "2026-02-13", "1", "--region", "shawan", "--json")
    assert json.loads(due.stdout)["due"] == "2026-02-24"
    assert "14休" in jingban("calendar", "show", "2026", "--region", "tacheng").stdout


def _cancel_weekday(tmp_path, notices_dir):
    text = (notices_dir / "xinjiang-2026-cancel.toml").read_text("utf-8")
    path = tmp_path / "xj-2026.toml"
    path.write_text(text.replace("[2026-02-14]", "[2026-02-13]"), "utf-8")
    return path


def test_import_refuses_to_cancel_a_day_that_is_no_make_up_day(jingban, tmp_path, notices_dir):
    result = jingban("calendar", "import", str(_cancel_weekday(tmp_path, notices_dir)))
    assert result.code == 2
    assert "2026-02-13" in error_line(result)
    assert json.loads(jingban("calendar", "notices", "--json").stdout)[-1]["year"] == 2026


def test_refused_cancellation_names_file_and_line(jingban, tmp_path, notices_dir):
    result = jingban("calendar", "import", str(_cancel_weekday(tmp_path, notices_dir)))
    line = error_line(result)
    assert "xj-2026.toml 第 7 行" in line


# -- closures ----------------------------------------------------------------------------


def test_closures_cli(jingban):
    assert jingban("calendar", "closures").stdout.strip() == "没有闭馆登记"
    with freeze_time("2025-03-01 02:00:00"):
        result = jingban(
            "calendar", "close", "2025-03-05", "--region", "sichuan", "--reason", "停电检修"
        )
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == "已登记 四川省 2025-03-05 闭馆: 停电检修"
    rows = json.loads(jingban("calendar", "closures", "--json").stdout)
    assert rows == [
        {
            "region": "sichuan",
            "date": "2025-03-05",
            "reason": "停电检修",
            "created_at": "2025-03-01T10:00:00+08:00",
            "created_by": "admin",
            "office": None,  # the whole region (closures may name one office)
        }
    ]
    assert "2025-03-05  四川省  停电检修  (admin)" in jingban("calendar", "closures").stdout
    assert json.loads(jingban("calendar", "closures", "-r", "kashgar", "--json").stdout) == []

    with freeze_time("2025-03-01 02:00:00"):
        duplicate = jingban(
            "calendar", "close", "2025-03-05", "-r", "sichuan", "--reason", "又停电"
        )
    assert duplicate.code == 3
    error_line(duplicate)

    due = json.loads(jingban("calendar", "due", "2025-03-04", "1", "--json").stdout)
    assert due["due"] == "2025-03-06"
    other = json.loads(
        jingban("calendar", "due", "2025-03-04", "1", "-r", "kashgar", "--json").stdout
    )
    assert other["due"] == "2025-03-05"
    day = json.loads(jingban("calendar", "day", "2025-03-05", "--json").stdout)
    assert (day["working"], day["kind"], day["name"]) == (False, "closed", "停电检修")
    assert " 5闭" in jingban("calendar", "show", "2025").stdout

    reopened = jingban("calendar", "reopen", "2025-03-05", "--region", "sichuan")
    assert reopened.code == 0
    assert json.loads(jingban("calendar", "due", "2025-03-04", "1", "--json").stdout)["due"] == (
        "2025-03-05"
    )
    again = jingban("calendar", "reopen", "2025-03-05", "--region", "sichuan")
    assert again.code == 2
    error_line(again)


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["close", "2025-03-05", "--region", "lhasa", "--reason", "x"], "lhasa"),
        (["close", "2025-02-29", "--region", "sichuan", "--reason", "x"], "DATE"),
        (["close", "2025-03-05", "--region", "sichuan", "--reason", " "], "原因"),
        (["closures", "--region", "lhasa"], "lhasa"),
        (["reopen", "2025-03-05", "--region", "lhasa"], "lhasa"),
    ],
)
def test_closure_bad_input(jingban, args, word):
    result = jingban("calendar", *args)
    assert result.code == 2
    assert word in error_line(result)


# -- as a subprocess ---------------------------------------------------------------------


def test_subprocess_due(jingban_process):
    result = jingban_process("calendar", "due", "2026-02-13", "6", "--region", "tacheng")
    assert result.code == 0
    assert result.stdout.strip() == (
        "塔城地区: 自 2026-02-13 起 6个工作日，截止 2026-02-28 (六) 20:00 北京时间"
    )


def test_subprocess_exit_codes(jingban_process, notices_dir, tmp_path):
    bad_date = jingban_process("calendar", "due", "2025-02-30", "5")
    assert bad_date.code == 2
    assert "2025-02-30" in error_line(bad_date)
    region = jingban_process("calendar", "show", "2025", "--region", "atlantis")
    assert region.code == 2
    assert "atlantis" in error_line(region)
    path = str(notices_dir / "national-2027.toml")
    assert jingban_process("calendar", "import", path).code == 0
    duplicate = jingban_process("calendar", "import", path)
    assert duplicate.code == 3
    error_line(duplicate)
    bad = tmp_path / "broken.toml"
    bad.write_text('scope = "national"\nyear = 2028\n[[holidays\n', "utf-8")
    broken = jingban_process("calendar", "import", str(bad))
    assert broken.code == 2
    assert "broken.toml" in error_line(broken)


@pytest.mark.parametrize(
    "args",
    [
        ["calendar", "due", "2025-03-03", "five"],
        ["calendar", "due", "2025-03-03", "-5"],
        ["calendar", "show", "2025", "--colour"],
    ],
)
def test_subprocess_usage_error_exits_2_without_traceback(jingban_process, args):
    result = jingban_process(*args)
    assert "Traceback" not in result.stderr
    assert result.code == 2
    assert result.stdout == ""
