"""Holiday notice files: validation (errors name the file and the line), import into the
store, and what an imported notice changes (2027 stops being provisional)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from jingban.calendar import Notice, NoticeError, WorkCalendar, parse_notice, read_notice
from jingban.errors import Conflict
from jingban.storage import CalendarStore, Database
from jingban.storage.models import CALENDAR_NOTICES

D = dt.date.fromisoformat
NOTICES = Path(__file__).parent / "notices"

HEADER = """\
scope = "national"
year = 2027
title = "国务院办公厅关于2027年部分节假日安排的通知"
number = "国办发明电〔2026〕99号"
issued = 2026-11-05
source_url = "https://example.org/notices/2027"
"""  # six lines: the body starts on line 7

SPRING = """\

[[holidays]]
name = "春节"
first = 2027-02-05
last = 2027-02-13
"""  # lines 7–11


def national(body: str) -> str:
    return HEADER + body


def fixture(name: str) -> Notice:
    return read_notice(str(NOTICES / name))


@pytest.fixture
def store(db_url: str) -> Iterator[CalendarStore]:
    db = Database(db_url)
    yield CalendarStore(db)
    db.dispose()


# -- the fixture files --------------------------------------------------------------------


def test_the_2027_fixture_reads():
    notice = fixture("national-2027.toml")
    assert (notice.scope, notice.year, notice.issued) == ("national", 2027, D("2026-11-05"))
    assert sorted(notice.work) == [
        D("2027-01-31"),
        D("2027-02-20"),
        D("2027-05-08"),
        D("2027-09-26"),
        D("2027-10-09"),
    ]
    assert notice.work[D("2027-02-20")] == "春节"
    assert len(notice.off) == 3 + 9 + 3 + 5 + 1 + 1 + 7
    assert notice.off[D("2027-10-07")] == "国庆节"


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        # a make-up day on a weekday (2027-02-19 is a Friday)
        (SPRING + "work = [2027-02-19]\n", 12, ["2027-02-19", "星期五"]),
        # a day both off and make-up (2027-02-06, a Saturday inside the span)
        (
            SPRING + "work = [2027-02-20, 2027-02-06]\n",
            12,
            ["2027-02-06", "既是放假日又是调休上班日"],
        ),
        # a bad date string
        (SPRING + 'work = ["2027-02-30"]\n', 12, ["2027-02-30", "YYYY-MM-DD"]),
        (
            '\n[[holidays]]\nname = "春节"\nfirst = "2027/02/05"\nlast = 2027-02-13\n',
            10,
            ["2027/02/05"],
        ),
        # a date in another year
        (SPRING + "work = [2028-01-08]\n", 12, ["2028-01-08", "2027"]),
        (
            '\n[[holidays]]\nname = "元旦"\nfirst = 2026-12-01\nlast = 2027-01-01\n',
            10,
            ["2026-12-01"],
        ),
        # a date and time where a date is expected
        (SPRING + "work = [2027-02-20T09:00:00]\n", 12, ["只需要日期"]),
        # the span ends before it starts
        ('\n[[holidays]]\nname = "春节"\nfirst = 2027-02-13\nlast = 2027-02-05\n', 11, ["早于"]),
        # the same day off twice
        (
            SPRING + '\n[[holidays]]\nname = "元宵"\nfirst = 2027-02-13\nlast = 2027-02-14\n',
            11,
            ["2027-02-13", "重复"],
        ),
        # a make-up day listed twice
        (SPRING + "work = [2027-02-20, 2027-02-20]\n", 12, ["2027-02-20", "重复"]),
        # first without last
        ('\n[[holidays]]\nname = "春节"\nfirst = 2027-02-05\n', 9, ["first 和 last"]),
        # a regional field in a national notice
        ("cancel_workdays = [2027-02-20]\n" + SPRING, 7, ["cancel_workdays"]),
    ],
)
def test_bad_notice_names_file_and_line(body, line, words):
    with pytest.raises(NoticeError) as caught:
        parse_notice(national(body), "guoban-2027.toml")
    message = str(caught.value)
    assert message.startswith(f"guoban-2027.toml 第 {line} 行: "), message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("replace", "by", "line", "word"),
    [
        ('number = "国办发明电〔2026〕99号"', 'number = ""', 4, "缺少 number"),
        (
            'source_url = "https://example.org/notices/2027"',
            'source_url = ""',
            6,
            "缺少 source_url",
        ),
        (
            'source_url = "https://example.org/notices/2027"',
            'source_url = "www.gov.cn/x"',
            6,
            "http",
        ),
        ('scope = "national"', 'scope = "sichuan"', 1, "scope"),
        ("year = 2027", "year = 27", 2, "year"),
        ("issued = 2026-11-05", 'issued = "5 Nov 2026"', 5, "issued"),
    ],
)
def test_bad_header_names_the_line(replace, by, line, word):
    text = national(SPRING).replace(replace, by)
    with pytest.raises(NoticeError) as caught:
        parse_notice(text, "n.toml")
    assert str(caught.value).startswith(f"n.toml 第 {line} 行: ")
    assert word in str(caught.value)


@pytest.mark.parametrize("key", ["number", "source_url", "title"])
def test_missing_header_field_is_named(key):
    lines = [ln for ln in national(SPRING).splitlines() if not ln.startswith(f"{key} =")]
    with pytest.raises(NoticeError, match=f"^n.toml: 缺少 {key}$"):
        parse_notice("\n".join(lines), "n.toml")


def test_regional_notice_needs_no_number_or_url():
    notice = parse_notice(
        'scope = "xinjiang"\nyear = 2027\ntitle = "t"\n\n[[holidays]]\nname = "肉孜节"\n'
        "first = 2027-03-10\nlast = 2027-03-10\n"
    )
    assert (notice.number, notice.source_url) == ("", "")
    assert notice.off == {D("2027-03-10"): "肉孜节"}


def test_national_notice_needs_a_holiday():
    with pytest.raises(NoticeError, match="至少要有一个"):
        parse_notice(HEADER, "n.toml")


def test_bad_toml_names_the_file():
    with pytest.raises(NoticeError) as caught:
        parse_notice(national(SPRING + "work = [2027-02-20]]\n"), "n.toml")
    assert str(caught.value).startswith("n.toml ")
    assert "TOML" in str(caught.value)


def test_bad_toml_names_the_line():
    with pytest.raises(NoticeError) as caught:
        parse_notice(national(SPRING + "work = [2027-02-20]]\n"), "n.toml")
    assert "n.toml 第 12 行" in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        SPRING + "work = 2027-02-20\n",
        SPRING + 'work = "2027-02-20"\n',
    ],
)
def test_work_that_is_not_a_list_is_rejected_with_its_line(body):
    with pytest.raises(NoticeError) as caught:
        parse_notice(national(body), "n.toml")
    assert str(caught.value).startswith("n.toml 第 12 行: ")


def test_cancel_workdays_that_is_not_a_list_is_rejected():
    text = 'scope = "xinjiang"\nyear = 2026\ntitle = "t"\ncancel_workdays = 2026-02-14\n'
    with pytest.raises(NoticeError, match="第 4 行"):
        parse_notice(text, "x.toml")


def test_unreadable_file(tmp_path):
    with pytest.raises(NoticeError, match="无法读取"):
        read_notice(str(tmp_path / "missing.toml"))
    bad = tmp_path / "gbk.toml"
    bad.write_bytes(b'title = "\xff\xfe"\n')
    with pytest.raises(NoticeError, match="无法读取"):
        read_notice(str(bad))


def test_error_in_a_file_names_its_path(tmp_path):
    path = tmp_path / "guoban-2027.toml"
    path.write_text(national(SPRING + "work = [2027-02-19]\n"), encoding="utf-8")
    with pytest.raises(NoticeError, match=r"guoban-2027\.toml 第 12 行"):
        read_notice(str(path))


# -- what an imported notice changes --------------------------------------------------------


def test_importing_2027_changes_answers_and_clears_provisional():
    before = WorkCalendar.for_region("sichuan")
    after = WorkCalendar.for_region("sichuan", notices=[fixture("national-2027.toml")])
    assert before.is_provisional(D("2027-02-20"))
    assert not after.is_provisional(D("2027-02-20"))
    # the make-up Saturday 2027-02-20 only exists once the notice is loaded
    assert not before.is_working_day(D("2027-02-20"))
    assert after.describe(D("2027-02-20")).kind == "work"
    assert before.add_working_days(D("2027-02-19"), 1) == D("2027-02-22")
    assert after.add_working_days(D("2027-02-19"), 1) == D("2027-02-20")
    # the 9-day 春节 and the 7-day 国庆 of the notice replace the library's guess
    assert before.is_working_day(D("2027-02-11"))
    assert not after.is_working_day(D("2027-02-11"))
    assert before.is_working_day(D("2027-10-06"))
    assert not after.is_working_day(D("2027-10-06"))
    due = after.due(D("2026-12-25"), 5, "working_days")
    assert (due.date, due.provisional) == (D("2027-01-04"), False)
    assert before.due(D("2026-12-25"), 5, "working_days").provisional
    # later years stay provisional
    assert after.is_provisional(D("2028-01-03"))


def test_xinjiang_needs_both_notices_for_2027():
    national = fixture("national-2027.toml")
    regional = fixture("xinjiang-2027.toml")
    day = D("2027-05-18")
    only_national = WorkCalendar.for_region("kashgar", notices=[national])
    only_regional = WorkCalendar.for_region("kashgar", notices=[regional])
    both = WorkCalendar.for_region("kashgar", notices=[national, regional])
    assert only_national.is_provisional(day)
    assert only_regional.is_provisional(day)
    assert not both.is_provisional(day)
    assert only_national.is_working_day(day)
    assert not both.is_working_day(day)
    assert both.describe(day).kind == "regional"
    assert both.add_working_days(D("2027-05-14"), 1) == D("2027-05-20")
    # the national notice alone is enough for sichuan, and the regional one changes nothing
    sichuan = WorkCalendar.for_region("sichuan", notices=[national, regional])
    assert not sichuan.is_provisional(day)
    assert sichuan.is_working_day(day)
    # bingtuan on the national overlay only needs the national notice
    bingtuan = WorkCalendar.for_region("bingtuan", overlay="national", notices=[national])
    assert not bingtuan.is_provisional(day)


def test_xinjiang_2027_stays_provisional_without_its_regional_notice():
    national_2028 = parse_notice(
        national(SPRING).replace("2027", "2028").replace("〔2026〕", "〔2027〕"), "n2028"
    )
    regional_2028 = parse_notice(
        'scope = "xinjiang"\nyear = 2028\ntitle = "t"\n\n[[holidays]]\nname = "古尔邦节"\n'
        "first = 2028-05-05\nlast = 2028-05-07\n"
    )
    cal = WorkCalendar.for_region(
        "kashgar", notices=[fixture("national-2027.toml"), national_2028, regional_2028]
    )
    assert cal.is_provisional(D("2027-05-18"))


def test_a_regional_notice_replaces_the_packaged_year():
    cancel = fixture("xinjiang-2026-cancel.toml")
    assert cancel.cancel_work == frozenset({D("2026-02-14")})
    kashgar = WorkCalendar.for_region("kashgar", notices=[cancel])
    info = kashgar.describe(D("2026-02-14"))
    assert (info.working, info.kind) == (False, "cancelled")
    assert kashgar.add_working_days(D("2026-02-13"), 1) == D("2026-02-24")
    # the regional days of the notice are still off
    assert not kashgar.is_working_day(D("2026-03-20"))
    assert not kashgar.is_working_day(D("2026-05-28"))
    # the nation, and Xinjiang without the notice, still work that Saturday
    assert WorkCalendar.for_region("sichuan", notices=[cancel]).is_working_day(D("2026-02-14"))
    assert WorkCalendar.for_region("kashgar").is_working_day(D("2026-02-14"))
    assert WorkCalendar.for_region("bingtuan", overlay="national", notices=[cancel]).is_working_day(
        D("2026-02-14")
    )


def test_a_regional_notice_without_a_day_drops_it():
    """Replacing the packaged 2026 regional data with a notice that has no 肉孜节 makes
    2026-03-20 a working day again: the notice is the whole year."""
    text = (
        'scope = "xinjiang"\nyear = 2026\ntitle = "t"\n\n[[holidays]]\nname = "古尔邦节"\n'
        "first = 2026-05-27\nlast = 2026-05-29\n"
    )
    cal = WorkCalendar.for_region("tacheng", notices=[parse_notice(text)])
    assert cal.is_working_day(D("2026-03-20"))
    assert not cal.is_working_day(D("2026-05-27"))


# -- the store ---------------------------------------------------------------------------


def test_install_round_trips_the_notice(store):
    notice = fixture("national-2027.toml")
    with freeze_time("2026-11-06 02:03:04"):
        assert store.install_notice(notice, now=dt.datetime.now(dt.UTC)) is False
    [stored] = store.notices()
    assert stored == notice
    with store.db.engine.connect() as conn:
        row = conn.execute(select(CALENDAR_NOTICES)).one()
    assert row.installed_at == dt.datetime(2026, 11, 6, 2, 3, 4, tzinfo=dt.UTC)
    assert (row.scope, row.year, row.installed_by) == ("national", 2027, "admin")
    assert not store.calendar("sichuan").is_provisional(D("2027-06-01"))
    assert store.calendar("sichuan").is_working_day(D("2027-02-20"))


def test_install_twice_needs_replace(store):
    now = dt.datetime(2026, 11, 6, tzinfo=dt.UTC)
    notice = fixture("national-2027.toml")
    store.install_notice(notice, now=now)
    with pytest.raises(Conflict, match="--replace"):
        store.install_notice(notice, now=now)
    changed = parse_notice(
        (NOTICES / "national-2027.toml").read_text("utf-8").replace("2027-02-20", "2027-02-21")
    )
    assert store.install_notice(changed, replace=True, actor="李四", now=now) is True
    [stored] = store.notices()
    assert D("2027-02-21") in stored.work
    assert D("2027-02-20") not in stored.work
    # national and regional notices of the same year are separate
    store.install_notice(fixture("xinjiang-2027.toml"), now=now)
    assert [(n.scope, n.year) for n in store.notices()] == [
        ("national", 2027),
        ("xinjiang", 2027),
    ]


def test_cancelling_a_day_that_is_no_make_up_day_is_refused(store):
    text = (NOTICES / "xinjiang-2026-cancel.toml").read_text("utf-8")
    bad = parse_notice(
        text.replace("cancel_workdays = [2026-02-14]", "cancel_workdays = [2026-02-13]")
    )
    with pytest.raises(NoticeError, match="2026-02-13"):
        store.install_notice(bad, now=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    assert store.notices() == []
    store.install_notice(
        fixture("xinjiang-2026-cancel.toml"), now=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    )
    assert not store.calendar("kashgar").is_working_day(D("2026-02-14"))
    assert store.calendar("sichuan").is_working_day(D("2026-02-14"))


def test_install_keeps_two_spans_of_one_name(store):
    text = (
        'scope = "xinjiang"\nyear = 2027\ntitle = "t"\n\n'
        '[[holidays]]\nname = "古尔邦节"\nfirst = 2027-05-17\nlast = 2027-05-17\n\n'
        '[[holidays]]\nname = "古尔邦节"\nfirst = 2027-05-19\nlast = 2027-05-19\n'
    )
    notice = parse_notice(text)
    store.install_notice(notice, now=dt.datetime(2026, 11, 6, tzinfo=dt.UTC))
    assert store.notices()[0].off == notice.off


def test_install_keeps_a_multi_line_title(store):
    text = national(SPRING).replace(
        'title = "国务院办公厅关于2027年部分节假日安排的通知"',
        'title = """国务院办公厅关于\n2027年部分节假日安排的通知"""',
    )
    notice = parse_notice(text)
    store.install_notice(notice, now=dt.datetime(2026, 11, 6, tzinfo=dt.UTC))
    assert store.notices()[0].title == notice.title


# -- closures in the store -----------------------------------------------------------------


def test_closures_stored_listed_reopened(store):
    from jingban.errors import BadInput

    now = dt.datetime(2025, 3, 1, 1, 0, tzinfo=dt.UTC)
    store.close("sichuan", D("2025-03-05"), " 停电检修 ", actor="张三", now=now)
    store.close("kashgar", D("2025-03-04"), "沙尘暴", now=now)
    assert [(c.region, c.day, c.reason, c.created_by) for c in store.closures()] == [
        ("kashgar", D("2025-03-04"), "沙尘暴", "admin"),
        ("sichuan", D("2025-03-05"), "停电检修", "张三"),
    ]
    assert [c.day for c in store.closures("sichuan")] == [D("2025-03-05")]
    assert store.closures("sichuan")[0].created_at == now
    sichuan, kashgar = store.calendar("sichuan"), store.calendar("kashgar")
    assert not sichuan.is_working_day(D("2025-03-05"))
    assert sichuan.is_working_day(D("2025-03-04"))
    assert not kashgar.is_working_day(D("2025-03-04"))
    assert kashgar.is_working_day(D("2025-03-05"))
    assert sichuan.add_working_days(D("2025-03-04"), 1) == D("2025-03-06")
    with pytest.raises(Conflict):
        store.close("sichuan", D("2025-03-05"), "again", now=now)
    with pytest.raises(BadInput, match="原因"):
        store.close("sichuan", D("2025-03-06"), "  ", now=now)
    with pytest.raises(BadInput, match="未知地区"):
        store.close("lhasa", D("2025-03-06"), "x", now=now)
    store.reopen("sichuan", D("2025-03-05"))
    assert store.calendar("sichuan").is_working_day(D("2025-03-05"))
    with pytest.raises(BadInput):
        store.reopen("sichuan", D("2025-03-05"))
