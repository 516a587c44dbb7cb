"""Identity numbers encrypted at rest.

``cases.applicant_id_cipher`` holds each case's identity number encrypted with AES-GCM under
the server key's ``id-encryption`` key (`jingban.storage.idcrypt`); ``cases.applicant_id``
keeps only the masked form lists show; the keyed hash (0008) stays for exact search.
Existing rows are encrypted here with the key in force for this database (created on first
use), in batches; the hash of a row that has none is filled too. On SQLite the overwritten
numbers are zeroed in the file (``secure_delete``) and the file is rewritten (``VACUUM``)
after the commit; on PostgreSQL old row versions stay on disk until ``VACUUM FULL cases``
(``jingban keys scrub``, docs/keys.md).

``identity_access`` records every time a whole number was shown: who, in which role, when,
which case, why.

Revision ID: 0015_id_encryption
Revises: 0014_login_limits
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import context, op

from jingban.engine.identity import mask_identity
from jingban.storage.idcrypt import cipher_for
from jingban.storage.keys import normalise_id_number

revision = "0015_id_encryption"
down_revision = "0014_login_limits"
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    op.add_column("cases", sa.Column("applicant_id_cipher", sa.String(200), nullable=True))
    op.create_table(
        "identity_access",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_identity_access_case", "identity_access", ["case_no", "at"])
    op.create_index("ix_identity_access_at", "identity_access", ["at"])
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        bind.exec_driver_sql("PRAGMA secure_delete = ON")
    cipher = cipher_for(bind.engine.url.render_as_string(hide_password=False))
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("case_no", sa.String),
        sa.column("applicant_id", sa.String),
        sa.column("applicant_id_hash", sa.String),
        sa.column("applicant_id_cipher", sa.String),
    )
    update = (
        sa.update(cases)
        .where(cases.c.id == sa.bindparam("row_id"))
        .values(
            applicant_id=sa.bindparam("masked"),
            applicant_id_hash=sa.bindparam("hash"),
            applicant_id_cipher=sa.bindparam("cipher"),
        )
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(cases.c.id, cases.c.case_no, cases.c.applicant_id, cases.c.applicant_id_hash)
            .where(cases.c.id > last, cases.c.applicant_id_cipher.is_(None))
            .order_by(cases.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        batch = []
        for row_id, case_no, number, id_hash in rows:
            number = normalise_id_number(number)
            batch.append(
                {
                    "row_id": row_id,
                    "masked": mask_identity(number),
                    "hash": id_hash or cipher.hash(number),
                    "cipher": cipher.encrypt(number, case_no),
                }
            )
        bind.execute(update, batch)
        last = rows[-1][0]
    if sqlite:
        bind.exec_driver_sql("PRAGMA secure_delete = OFF")
    if sqlite and last:
        # Pages freed before (a table rebuilt by an earlier migration) may still hold
        # numbers: the file is rewritten once this transaction commits (storage.migrate).
        # A database without cases has none to hide (and a new one is not rewritten).
        context.config.attributes["scrub"] = True


def downgrade() -> None:
    """Puts the whole numbers back in ``applicant_id`` (needs the key files)."""
    bind = op.get_bind()
    cipher = cipher_for(bind.engine.url.render_as_string(hide_password=False))
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("case_no", sa.String),
        sa.column("applicant_id", sa.String),
        sa.column("applicant_id_cipher", sa.String),
    )
    rows = bind.execute(
        sa.select(cases.c.id, cases.c.case_no, cases.c.applicant_id_cipher).where(
            cases.c.applicant_id_cipher.is_not(None)
        )
    ).all()
    if rows:
        bind.execute(
            sa.update(cases)
            .where(cases.c.id == sa.bindparam("row_id"))
            .values(applicant_id=sa.bindparam("number")),
            [{"row_id": i, "number": cipher.decrypt(t, n)} for i, n, t in rows],
        )
    op.drop_index("ix_identity_access_at", table_name="identity_access")
    op.drop_index("ix_identity_access_case", table_name="identity_access")
    op.drop_table("identity_access")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("applicant_id_cipher")
