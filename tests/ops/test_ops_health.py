"""`GET /healthz` and `GET /readyz`: no sign-in, no personal data; /readyz is 200 only when
the database answers, its schema is the packaged head and a scheduler leader holds the lock,
and 503 naming the failed check otherwise (an unreachable PostgreSQL, a schema behind, no
leader); on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from ops_support import OPEN, at, make_client
from sqlalchemy import text

from jingban.scheduler.leader import leadership_for
from jingban.services import Services
from jingban.storage import Database


def test_ready_only_while_a_leader_holds_the_lock(db_url: str) -> None:
    services = Services(Database(db_url))
    opened = services.cases.open(
        now=at("2026-02-14 09:30"), region="sichuan", item="inpatient_reimbursement", **OPEN
    )
    try:
        with make_client(services) as http:
            assert http.get("/healthz").status_code == 200
            waiting = http.get("/readyz")
            assert waiting.status_code == 503
            assert waiting.json()["checks"] == {
                "database": True,
                "migrations": True,
                "leader": False,
            }
            leader = leadership_for(Database(db_url, migrate=False).engine)
            assert leader.acquire()
            try:
                ready = http.get("/readyz")
                assert ready.status_code == 200, ready.text
                assert ready.json()["ready"] is True
                assert set(ready.json()) == {"ready", "checks", "version"}
                for answer in (ready, http.get("/healthz")):
                    assert opened.case.case_no not in answer.text
                    assert OPEN["applicant_id"] not in answer.text
            finally:
                leader.release()
            assert http.get("/readyz").status_code == 503
    finally:
        services.db.dispose()


def test_not_ready_when_migrations_are_behind(db_url: str) -> None:
    services = Services(Database(db_url))
    leader = leadership_for(services.db.engine)
    assert leader.acquire()
    try:
        with make_client(services) as http:
            assert http.get("/readyz").status_code == 200
            with services.db.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = '0014_older'"))
            behind = http.get("/readyz")
            assert behind.status_code == 503
            assert behind.json()["checks"] == {
                "database": True,
                "migrations": False,
                "leader": True,
            }
            assert http.get("/healthz").status_code == 200  # the process is still up
    finally:
        leader.release()
        services.db.dispose()


def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    # Nothing listens on port 9 of loopback: every connection is refused at once.
    services = Services(Database("postgresql+psycopg://jingban@127.0.0.1:9/jingban", migrate=False))
    with make_client(services) as http:
        assert http.get("/healthz").status_code == 200
        down = http.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"] == {"database": False, "migrations": False, "leader": False}
        assert "127.0.0.1" not in down.text
