"""A year the product ships as official is replaced only on purpose: `--replace` with a
reason, recorded and shown; a notice contradicting it also needs
`--force-official-override`. Implausible notices are refused with their line, and closure
days outside the window around today are refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time

from jingban.calendar import NoticeError, parse_notice

HEADER_2026 = """\
scope = "national"
year = 2026
title = "国务院办公厅关于2026年部分节假日安排的通知"
number = "国办发明电〔2025〕7号"
source_url = "https://example.org/notices/2026"
"""

# The days the product ships for 2026, written as a notice.
SHIPPED_2026 = (
    HEADER_2026
    + """
[[holidays]]
name = "元旦"
first = 2026-01-01
last = 2026-01-03
work = [2026-01-04]

[[holidays]]
name = "春节"
first = 2026-02-15
last = 2026-02-23
work = [2026-02-14, 2026-02-28]

[[holidays]]
name = "清明节"
first = 2026-04-04
last = 2026-04-06

[[holidays]]
name = "劳动节"
first = 2026-05-01
last = 2026-05-05
work = [2026-05-09]

[[holidays]]
name = "端午节"
first = 2026-06-19
last = 2026-06-21

[[holidays]]
name = "中秋节"
first = 2026-09-25
last = 2026-09-27

[[holidays]]
name = "国庆节"
first = 2026-10-01
last = 2026-10-07
work = [2026-09-20, 2026-10-10]
"""
)

# The forgery of the report: one holiday, so 2026-10-02 would become a working day.
FAKE_2026 = (
    HEADER_2026
    + """
[[holidays]]
name = "国庆节"
first = 2026-10-01
last = 2026-10-01
"""
)


def _file(tmp_path, name: str, text: str) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _working(jingban, day: str) -> bool:  # type: ignore[no-untyped-def]
    return json.loads(jingban("calendar", "day", day, "--json").stdout)["working"]


def test_a_fake_notice_for_a_shipped_year_is_refused(jingban, tmp_path) -> None:
    fake = _file(tmp_path, "fake-2026.toml", FAKE_2026)
    plain = jingban("calendar", "import", fake)
    assert plain.code == 3
    assert "随产品提供" in plain.stderr and "--replace" in plain.stderr
    no_reason = jingban("calendar", "import", fake, "--replace")
    assert no_reason.code == 2 and "--reason" in no_reason.stderr
    contradicts = jingban("calendar", "import", fake, "--replace", "--reason", "测试")
    assert contradicts.code == 3
    assert "--force-official-override" in contradicts.stderr
    assert "24 天的上班/休息不同" in contradicts.stderr
    assert _working(jingban, "2026-10-02") is False
    assert json.loads(jingban("calendar", "history", "--json").stdout) == []


def test_a_forced_override_is_recorded_and_shown(jingban, tmp_path) -> None:
    fake = _file(tmp_path, "fake-2026.toml", FAKE_2026)
    with freeze_time("2026-11-06 01:30:00"):
        forced = jingban(
            "calendar", "import", fake, "--replace", "--reason", "演练: 覆盖官方安排",
            "--force-official-override", "--actor", "李四",
        )  # fmt: skip
    assert forced.code == 0, forced.stderr
    assert _working(jingban, "2026-10-02") is True
    (entry,) = json.loads(jingban("calendar", "history", "--json").stdout)
    assert (entry["kind"], entry["year"], entry["actor"], entry["reason"]) == (
        "override",
        2026,
        "李四",
        "演练: 覆盖官方安排",
    )
    assert entry["pending"] is False
    show = jingban("calendar", "show", "2026")
    assert "替换了随产品提供的官方安排" in show.stdout and "演练: 覆盖官方安排" in show.stdout
    shown = json.loads(jingban("calendar", "show", "2026", "--json").stdout)
    assert [o["reason"] for o in shown["official_overrides"]] == ["演练: 覆盖官方安排"]


def test_the_shipped_days_may_be_imported_with_a_reason(jingban, tmp_path) -> None:
    same = _file(tmp_path, "national-2026.toml", SHIPPED_2026)
    assert jingban("calendar", "import", same).code == 3
    done = jingban("calendar", "import", same, "--replace", "--reason", "补录原文", "--json")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["replaced"] is True
    assert _working(jingban, "2026-10-02") is False
    assert _working(jingban, "2026-10-10") is True


def _spans(count: int) -> str:
    """``count`` holidays of a Monday–Friday week each, from Monday 2027-03-01."""
    body = ""
    for week in range(count):
        first = dt.date(2027, 3, 1) + dt.timedelta(weeks=week)
        last = first + dt.timedelta(days=4)
        body += f'\n[[holidays]]\nname = "假{week}"\nfirst = {first}\nlast = {last}\n'
    return body


HEADER_2027 = HEADER_2026.replace("2026", "2027").replace("〔2025〕7号", "〔2026〕99号")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        # the report's notice: every day of the year a holiday
        ('\n[[holidays]]\nname = "全年"\nfirst = 2027-01-01\nlast = 2027-12-31\n', ["全年", "15"]),
        # three week-long 春节 would pass the span rule; 9 weeks of weekdays pass 40
        (_spans(9), ["40", "45"]),
        # a December day of the year before, for a holiday that never spills over
        ('\n[[holidays]]\nname = "劳动节"\nfirst = 2026-12-28\nlast = 2026-12-29\n', ["元旦"]),
        # a make-up day that is also a holiday
        (
            '\n[[holidays]]\nname = "春节"\nfirst = 2027-02-05\nlast = 2027-02-13\n'
            "work = [2027-02-06]\n",
            ["2027-02-06", "调休上班日"],
        ),
    ],
)
def test_an_implausible_notice_is_refused_with_its_line(body: str, words: list[str]) -> None:
    with pytest.raises(NoticeError) as caught:
        parse_notice(HEADER_2027 + body, "n.toml")
    message = str(caught.value)
    assert message.startswith("n.toml 第 "), message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "2025-11-30", "2029-12-31"])
def test_a_closure_day_outside_the_window_is_refused(jingban, day: str) -> None:
    with freeze_time("2026-12-02 02:00:00"):
        result = jingban("calendar", "close", day, "--region", "sichuan", "--reason", "停电")
    assert result.code == 2
    assert "超出可登记的范围" in result.stderr
    assert json.loads(jingban("calendar", "closures", "--json").stdout) == []


def test_a_closure_day_at_the_edges_of_the_window_is_accepted(jingban) -> None:
    with freeze_time("2026-12-02 02:00:00"):
        for day in ("2025-12-01", "2029-12-03"):
            result = jingban("calendar", "close", day, "--region", "sichuan", "--reason", "停电")
            assert result.code == 0, result.stderr
