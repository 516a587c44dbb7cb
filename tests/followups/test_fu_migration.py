"""0018_supplements on SQLite and PostgreSQL: it adds ``followup_dues`` and ``followups``;
a case stored before it (data without the new keys) reads with no deadline and acts as
before; a downgrade drops both tables and an upgrade brings them back, empty."""

from __future__ import annotations

from alembic import command
from fu_support import CLERK, act, open_case, rows, services_on
from sqlalchemy import inspect
from support import at, parent_revision

from jingban.storage.migrate import alembic_config, is_current

TABLES = {"followup_dues", "followups"}


def test_the_revision_adds_its_tables_and_goes_down_and_up_again(db_url: str) -> None:
    with services_on(db_url) as services:
        engine = services.db.engine
        assert is_current(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        case_no = open_case(
            services, "sichuan", "inpatient_reimbursement", at("2026-11-23 10:00"),
            all_materials=False,
        )  # fmt: skip
        command.downgrade(alembic_config(engine), parent_revision("0018_supplements"))
        assert not TABLES & set(inspect(engine).get_table_names())
        services.db.upgrade()
        assert is_current(engine)
        # A case written before the tables existed: its data has none of the new keys.
        case = services.cases.get(case_no)
        assert case.supplement_due is None and case.deferred == () and case.undertakings == ()
        assert rows(services, "SELECT count(*) AS n FROM followup_dues")[0]["n"] == 0
        act(services, case_no, "request_supplement", CLERK, at("2026-11-23 10:30"))
        stored = rows(services, "SELECT kind, name, open FROM followup_dues")
        assert [(r["kind"], r["name"], bool(r["open"])) for r in stored] == [
            ("supplement", "", True)
        ]
