"""Finding cases by person, and the indexes of paged lists.

``cases.applicant_id_hash`` holds the keyed hash (HMAC-SHA256 with the server key, kept in
a file outside the database: ``jingban.storage.keys``) of the normalised identity number, so
a search by identity number matches the hash and never the number. Existing rows are filled
here, with the key in force for this database (created on first use).

``ix_cases_scope_open`` (region, office, state, then every column a list's order, card
colour and counts read: item, assignee, running and the dues) serves the open cases of one
office — the work queue and the board — from the index alone, so only the page's rows are
read; ``ix_cases_scope_name`` (region, office, applicant_name, id) lets a search by part of
a name scan one office's names in an index instead of the table (with the id, PostgreSQL
needs no heap row to choose a page).

Revision ID: 0008_case_search
Revises: 0007_item_definitions
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from jingban.storage.keys import id_number_hash, key_path, secret_key

revision = "0008_case_search"
down_revision = "0007_item_definitions"
branch_labels = None
depends_on = None

_BATCH = 5000
# The columns of ix_cases_scope_open as of this revision.
_LIST_COLUMNS = (
    "region",
    "office",
    "state",
    "item_key",
    "assignee",
    "running",
    "accept_due",
    "promised_due",
    "statutory_due",
    "stage_due",
    "promised_warn_at",
    "statutory_warn_at",
)


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): SQLite alters the table in place.
    op.add_column("cases", sa.Column("applicant_id_hash", sa.String(64), nullable=True))
    bind = op.get_bind()
    key = secret_key(key_path(bind.engine.url.render_as_string(hide_password=False)))
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("applicant_id", sa.String),
        sa.column("applicant_id_hash", sa.String),
    )
    update = (
        sa.update(cases)
        .where(cases.c.id == sa.bindparam("row_id"))
        .values(applicant_id_hash=sa.bindparam("hash"))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(cases.c.id, cases.c.applicant_id)
            .where(cases.c.id > last)
            .order_by(cases.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(update, [{"row_id": i, "hash": id_number_hash(n, key)} for i, n in rows])
        last = rows[-1][0]
    op.create_index("ix_cases_applicant_id_hash", "cases", ["applicant_id_hash"])
    op.create_index("ix_cases_scope_open", "cases", list(_LIST_COLUMNS))
    op.create_index("ix_cases_scope_name", "cases", ["region", "office", "applicant_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_scope_name", table_name="cases")
    op.drop_index("ix_cases_scope_open", table_name="cases")
    op.drop_index("ix_cases_applicant_id_hash", table_name="cases")
    op.drop_column("cases", "applicant_id_hash")
