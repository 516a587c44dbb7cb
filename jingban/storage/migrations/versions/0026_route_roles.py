"""Routes by level and role: ``alert_routes`` gains ``levels`` (the card levels a route takes,
NULL for every level: what every existing route did) and ``role`` (whom it stands for; NULL:
its fixed target, as before); ``alert_deliveries`` gains ``recipient`` (the member of staff
a personal route's delivery is for; NULL for every existing one).

Revision ID: 0026_route_roles
Revises: 0025_staff_contacts
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_route_roles"
down_revision = "0025_staff_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_routes") as batch:
        batch.add_column(sa.Column("levels", sa.String(32), nullable=True))
        batch.add_column(sa.Column("role", sa.String(16), nullable=True))
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.add_column(sa.Column("recipient", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.drop_column("recipient")
    with op.batch_alter_table("alert_routes") as batch:
        batch.drop_column("role")
        batch.drop_column("levels")
