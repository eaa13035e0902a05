"""accounts: users, API tokens, and who made each job and tracker

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:00:00

Upgrades in place: existing jobs and trackers get ``created_by`` NULL (made before accounts;
in AUTH_MODE=login or public-read only an admin may change such a tracker). On SQLite the columns
are added in place with their REFERENCES clause (no table copy).
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", BigId, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    for table in ("jobs", "trackers"):
        if op.get_bind().dialect.name == "sqlite":
            # SQLite adds a column with its REFERENCES clause in place. Batch mode would copy the
            # table, and dropping the old copy fires ON DELETE actions (alerts, job links, the
            # jobs' tracker ids) while foreign keys are enforced.
            op.execute(f"ALTER TABLE {table} ADD COLUMN created_by INTEGER "
                       f"CONSTRAINT fk_{table}_created_by_users "
                       "REFERENCES users (id) ON DELETE SET NULL")
        else:
            op.add_column(table, sa.Column("created_by", BigId, nullable=True))
            op.create_foreign_key(f"fk_{table}_created_by_users", table, "users",
                                  ["created_by"], ["id"], ondelete="SET NULL")
        op.create_index(f"ix_{table}_created_by", table, ["created_by"])


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Batch mode copies the tables; see upgrade() for why the old copies must not cascade.
        op.execute("PRAGMA foreign_keys=OFF")
    for table in ("trackers", "jobs"):
        op.drop_index(f"ix_{table}_created_by", table_name=table)
        with op.batch_alter_table(table) as batch:
            if not sqlite:  # SQLite's copy leaves the column's REFERENCES clause behind
                batch.drop_constraint(f"fk_{table}_created_by_users", type_="foreignkey")
            batch.drop_column("created_by")
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
