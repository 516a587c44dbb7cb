"""0023_feedback on SQLite and PostgreSQL: a rating stored before it (one per case, of the
completed case) becomes the case's 办结 rating with its office; ratings per stage work after
it; a downgrade keeps the 办结 ratings and drops the others."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import text
from support import parent_revision

from jingban.calendar import BEIJING
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.migrate import alembic_config, is_current


def _completed(services: Services, now: dt.datetime, n: int) -> str:
    number = services.cases.open(
        now=now,
        region="sichuan",
        item="unit_info_change",
        applicant_name="张三",
        applicant_id="110101199003074514",
        actor="clerk-li",
        role="clerk",
        all_materials=True,
        office="成都市医保中心",
    ).case.case_no
    for action, who in (("accept", "clerk"), ("approve", "reviewer"), ("complete", "reviewer")):
        services.cases.act(number, action, actor=f"{who}-{n}", role=who, now=now)
    return number


def test_ratings_become_ratings_of_the_completed_stage(db_url: str) -> None:
    services = Services(Database(db_url))
    db = services.db
    try:
        now = dt.datetime(2026, 11, 9, 10, 0, tzinfo=BEIJING)
        old, new = _completed(services, now, 1), _completed(services, now, 2)
        command.downgrade(alembic_config(db.engine), parent_revision("0023_feedback"))
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO ratings (case_no, region, item_key, rating, comment, at) "
                    "VALUES (:no, 'sichuan', 'unit_info_change', 3, '一般', :at)"
                ),
                {"no": old, "at": now},
            )
        db.upgrade()
        assert is_current(db.engine)
        assert services.ratings.ratings_of(old)["complete"]["rating"] == 3
        with db.engine.connect() as conn:
            row = conn.execute(
                text("SELECT stage, office, staff FROM ratings WHERE case_no = :no"), {"no": old}
            ).one()
        assert tuple(row) == ("complete", "成都市医保中心", None)
        later = now + dt.timedelta(hours=1)
        services.ratings.rate(case_no=new, stage="accept", rating=5, comment=None, now=later)
        services.ratings.rate(case_no=new, rating=4, comment=None, now=later)
        command.downgrade(alembic_config(db.engine), parent_revision("0023_feedback"))
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT case_no, rating FROM ratings ORDER BY rating")).all()
        assert [tuple(r) for r in kept] == [(old, 3), (new, 4)]
        db.upgrade()
        assert is_current(db.engine)
    finally:
        db.dispose()
