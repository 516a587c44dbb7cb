"""Retention in the store: packages recorded at export are listed when their term ends (the
term counts from 1 January of the year after closing, in Beijing time), appraised by two
different people and only then destroyed, leaving a destruction record and every audit
record — on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from archive_support import act, completed_outpatient, export, open_case, services_on
from support import at

from jingban.archive import destroy_package
from jingban.errors import BadInput, NotAllowed, NotFound
from jingban.services import Services


@pytest.fixture
def services(db_url: str) -> Services:
    found = services_on(db_url)
    yield found  # type: ignore[misc]
    found.db.dispose()


def test_the_term_counts_from_the_beijing_new_year_after_closing(
    services: Services, tmp_path: Path
) -> None:
    # 23:30 on 31 December in Beijing is still 2026 (15:30 UTC) …
    late = completed_outpatient(services, "2026-12-31 09:00", "2026-12-31 23:30")
    # … and 00:30 on 1 January 2027 in Beijing is 2027, though it is 2026 in UTC
    early = completed_outpatient(services, "2026-12-31 09:00", "2027-01-01 00:30")
    assert export(services, late, tmp_path, "2027-01-04 09:00").record.expires_on == dt.date(
        2037, 1, 1
    )
    assert export(services, early, tmp_path, "2027-01-04 09:00").record.expires_on == dt.date(
        2038, 1, 1
    )
    assert services.archives.due(2035) == []
    assert [p.package_id for p in services.archives.due(2036)] == [late]
    assert [p.package_id for p in services.archives.due(2037)] == [late, early]
    assert [p.package_id for p in services.archives.due(2037, "kashgar")] == []


def test_a_kashgar_case_closed_on_eid_al_adha_is_due_with_its_region(
    services: Services, tmp_path: Path
) -> None:
    # 古尔邦节 (27–29 May 2026) is a holiday in Xinjiang only; the term is in calendar years
    case_no = open_case(services, "2026-05-26 10:00", region="kashgar")
    act(services, case_no, "accept", "clerk-li", "clerk", "2026-05-26 10:05")
    act(services, case_no, "approve", "reviewer-wang", "reviewer", "2026-05-26 11:00")
    act(services, case_no, "complete", "reviewer-wang", "reviewer", "2026-05-28 10:00")
    record = export(services, case_no, tmp_path, "2026-06-01 09:00").record
    assert (record.region, record.closed_on, record.term) == (
        "kashgar",
        dt.date(2026, 5, 28),
        "10年",
    )
    assert record.expires_on == dt.date(2037, 1, 1)
    assert [p.package_id for p in services.archives.due(2036, "kashgar")] == [case_no]
    assert services.archives.due(2036, "sichuan") == []


def test_a_permanent_package_is_never_due_nor_appraised(services: Services, tmp_path: Path) -> None:
    # 住院费用报销 has no rule of its own: the default, 永久
    case_no = open_case(services, "2026-10-09 10:00", item="inpatient_reimbursement")
    act(services, case_no, "withdraw", "clerk-li", "clerk", "2026-10-09 11:00", reason="申请人撤回")
    record = export(services, case_no, tmp_path, "2026-10-12 09:00").record
    assert (record.term, record.expires_on) == ("永久", None)
    assert services.archives.due(9999) == []
    with pytest.raises(NotAllowed, match="永久保管"):
        services.archives.appraise(
            case_no, by="archivist-a", opinion="拟销毁", now=at("2126-01-05 09:00")
        )
    with pytest.raises(NotAllowed, match="永久保管"):
        services.archives.destroy(case_no, by="x", now=at("2126-01-05 09:00"), remove=lambda _p: 0)


def test_destruction_needs_the_term_ended_and_two_different_appraisers(
    services: Services, tmp_path: Path
) -> None:
    case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    export(services, case_no, tmp_path, "2026-10-12 09:00")
    root = tmp_path / case_no
    records_before = len(services.cases.history(case_no))
    appraise = services.archives.appraise
    with pytest.raises(NotAllowed, match="期满当年才能鉴定"):
        appraise(case_no, by="archivist-a", opinion="拟销毁", now=at("2035-12-31 16:00"))
    with pytest.raises(BadInput, match="鉴定意见不能为空"):
        appraise(case_no, by="archivist-a", opinion="  ", now=at("2036-03-02 09:00"))
    appraise(case_no, by="archivist-a", opinion="已无查考价值，拟销毁", now=at("2036-03-02 09:00"))
    with pytest.raises(NotAllowed, match="须由另一人鉴定"):
        appraise(case_no, by="archivist-a", opinion="再次鉴定", now=at("2036-03-03 09:00"))
    # one appraisal is not enough, even after the term
    with pytest.raises(NotAllowed, match=r"两名不同人员鉴定.*archivist-a"):
        destroy_package(services, case_no, by="chief-qian", now=at("2037-01-04 09:00"))
    appraise(case_no, by="archivist-b", opinion="同意销毁", now=at("2036-03-04 09:00"))
    # the last day of the term (2036-12-31) is still within it
    with pytest.raises(NotAllowed, match="2036-12-31 才届满"):
        destroy_package(services, case_no, by="chief-qian", now=at("2036-12-31 16:00"))
    assert root.is_dir()
    done = destroy_package(services, case_no, by="chief-qian", now=at("2037-01-01 09:00"))
    assert done["appraisers"] == ["archivist-a", "archivist-b"]
    assert done["files_removed"] == 8  # seven listed files and the manifest
    assert not root.exists()
    kept = services.archives.destruction(case_no)
    assert kept is not None and kept["destroyed_by"] == "chief-qian"
    assert kept["manifest_sha256"] == services.archives.get(case_no).manifest_sha256
    assert services.archives.due(2040) == []
    with pytest.raises(NotAllowed, match="已经销毁"):
        destroy_package(services, case_no, by="chief-qian", now=at("2037-01-02 09:00"))
    # nothing of the case's audit trail went with the files
    assert len(services.cases.history(case_no)) == records_before
    assert services.cases.verify(case_no)[1] == []


def test_a_failed_removal_records_no_destruction(services: Services, tmp_path: Path) -> None:
    case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    export(services, case_no, tmp_path / "out", "2026-10-12 09:00")
    for who in ("archivist-a", "archivist-b"):
        services.archives.appraise(case_no, by=who, opinion="拟销毁", now=at("2036-03-02 09:00"))
    moved = tmp_path / "moved"
    (tmp_path / "out" / case_no).rename(moved)
    with pytest.raises(NotAllowed, match="请用 --path 指明"):
        destroy_package(services, case_no, by="chief-qian", now=at("2037-01-04 09:00"))
    assert services.archives.destruction(case_no) is None
    other = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    export(services, other, tmp_path / "out", "2026-10-12 09:00")
    with pytest.raises(NotAllowed, match=f"是档案包 {other} 的目录"):
        destroy_package(
            services,
            case_no,
            by="chief-qian",
            now=at("2037-01-04 09:00"),
            path=tmp_path / "out" / other,
        )
    assert (tmp_path / "out" / other).is_dir()
    done = destroy_package(
        services, case_no, by="chief-qian", now=at("2037-01-04 09:00"), path=moved
    )
    assert done["files_removed"] == 8 and not moved.exists()
    never = open_case(services, "2026-10-09 10:00")
    with pytest.raises(NotFound, match="没有档案包"):
        services.archives.appraise(never, by="a", opinion="x", now=at("2037-01-04 09:00"))


def test_range_export_takes_the_region_s_cases_closed_in_the_days(
    services: Services, tmp_path: Path
) -> None:
    from archive_support import render_notices

    from jingban.archive import export_range

    before = completed_outpatient(services, "2026-09-29 10:00", "2026-09-30 23:59")
    inside = completed_outpatient(services, "2026-09-29 10:00", "2026-10-01 00:01")  # 国庆
    still_open = open_case(services, "2026-10-02 10:00")
    act(services, still_open, "accept", "clerk-li", "clerk", "2026-10-02 10:05")
    last = completed_outpatient(services, "2026-09-29 10:00", "2026-10-08 23:00")
    done, skipped = export_range(
        services,
        "sichuan",
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 8),
        tmp_path,
        render_notices=render_notices,
        by="archivist-sun",
        now=at("2026-10-09 09:00"),
    )
    assert [e.record.package_id for e in done] == [inside, last]
    assert skipped == []
    assert before not in {p.name for p in tmp_path.iterdir()}
    again, skipped = export_range(
        services,
        "sichuan",
        dt.date(2026, 9, 1),
        dt.date(2026, 10, 8),
        tmp_path,
        render_notices=render_notices,
        by="archivist-sun",
        now=at("2026-10-09 09:05"),
    )
    assert [e.record.package_id for e in again] == [before]
    assert skipped == [(inside, "已经归档"), (last, "已经归档")]


def test_two_destructions_at_once_remove_the_files_once(services: Services, tmp_path: Path) -> None:
    import threading

    case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
    export(services, case_no, tmp_path, "2026-10-12 09:00")
    for who in ("archivist-a", "archivist-b"):
        services.archives.appraise(case_no, by=who, opinion="拟销毁", now=at("2036-03-02 09:00"))
    start = threading.Barrier(2)
    results: list[object] = []

    def run(who: str) -> None:
        start.wait()
        try:
            results.append(destroy_package(services, case_no, by=who, now=at("2037-01-04 09:00")))
        except NotAllowed as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in ("chief-qian", "chief-zhou")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [r for r in results if isinstance(r, dict)]
    assert len(done) == 1 and len(results) == 2
    assert done[0]["files_removed"] == 8
    record = services.archives.destruction(case_no)
    assert record is not None and record["files_removed"] == 8
    assert record["destroyed_by"] == done[0]["destroyed_by"]
