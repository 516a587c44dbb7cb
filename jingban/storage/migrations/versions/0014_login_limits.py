"""Login limits that cannot lock a clerk out, and tokens one can list and revoke.

``login_clients`` remembers each address an account signed in from, and when it last did: an
address an account signed in from recently is that account's known address, which the
account-wide slow-down and the per-address limit do not hold back (an attacker elsewhere
cannot keep the clerk at the counter out). Starts empty: every address is new until its
next successful sign-in.

``api_tokens`` gains what listing a user's tokens shows: ``hint`` (the first characters of
the token, enough to tell tokens apart and useless to sign in with), ``via`` (``api`` or
``console``), ``client`` (the address it was issued to) and ``last_used_at``. Tokens issued
before this revision keep working; those columns stay NULL for them (shown as not recorded).

Revision ID: 0014_login_limits
Revises: 0010_accounts_password
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_login_limits"
down_revision = "0013_delivery_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "client", name="uq_login_clients_user_client"),
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("hint", sa.String(16), nullable=True))
        batch.add_column(sa.Column("via", sa.String(16), nullable=True))
        batch.add_column(sa.Column("client", sa.String(64), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("client")
        batch.drop_column("via")
        batch.drop_column("hint")
    op.drop_table("login_clients")
