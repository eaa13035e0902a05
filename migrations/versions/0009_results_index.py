"""home page: a partial index of the jobs that are results

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 00:10:00

"Latest analyses" lists the newest jobs that are results: not tracked runs that found nothing
new, nor tracked runs that failed. Read along the index of every job, newest first, that read
walked past every such run since the last result: a tracker every minute with nothing new adds
1,440 a day, and at 100,000 each home page view took 19 ms on PostgreSQL instead of half a
millisecond. This index holds the results only. Upgrading builds it from the existing jobs (on
PostgreSQL the build holds writes to ``jobs`` for its few seconds; SQLite has one writer anyway).
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# As core.models.RESULT_JOB_SQL had it at this revision (a migration never changes).
RESULT_JOB_SQL = ("NOT ((status = 'done' AND positive + neutral + negative = 0"
                  " AND (tracker_id IS NOT NULL OR since_id IS NOT NULL))"
                  " OR (status = 'failed' AND tracker_id IS NOT NULL))")


def upgrade():
    op.create_index("ix_jobs_results_created_at_id", "jobs", ["created_at", "id"],
                    postgresql_where=sa.text(RESULT_JOB_SQL),
                    sqlite_where=sa.text(RESULT_JOB_SQL))


def downgrade():
    op.drop_index("ix_jobs_results_created_at_id", table_name="jobs")
