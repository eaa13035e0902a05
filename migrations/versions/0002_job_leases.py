"""job leases: lease owner, reservation, worker losses, retry_at, published_at

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:45:00

Until now ``heartbeat_at`` also meant "retry due at" on a queued job; that moves to
``retry_at``. Existing queued jobs count as published (the reaper republishes any whose
message was lost, as before).
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("jobs", sa.Column("worker_losses", sa.Integer(), nullable=False,
                                    server_default="0"))
    op.add_column("jobs", sa.Column("lease_owner", sa.String(length=200), nullable=True))
    op.add_column("jobs", sa.Column("reserved_by", sa.String(length=200), nullable=True))
    op.add_column("jobs", sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("jobs", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_jobs_status_heartbeat_at", "jobs", ["status", "heartbeat_at"])
    op.execute("UPDATE jobs SET retry_at = heartbeat_at WHERE status = 'queued'")
    op.execute("UPDATE jobs SET published_at = created_at WHERE status = 'queued'")


def downgrade():
    op.execute("UPDATE jobs SET heartbeat_at = retry_at "
               "WHERE status = 'queued' AND retry_at IS NOT NULL")
    op.drop_index("ix_jobs_status_heartbeat_at", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("published_at")
        batch.drop_column("retry_at")
        batch.drop_column("reserved_by")
        batch.drop_column("lease_owner")
        batch.drop_column("worker_losses")
