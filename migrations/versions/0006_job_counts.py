"""web throughput: job counts kept by triggers; indexes for the history's and a tag's order

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:00:00

Upgrades in place: ``job_counts`` is filled from the existing jobs in the same transaction that
creates its triggers (on PostgreSQL creating a trigger locks ``jobs`` against writes until the
commit, so no job is counted twice or missed). The history's ``ORDER BY created_at DESC, id DESC``
gets indexes with both columns (all jobs, and one hashtag's) in place of those without the id, and
a tag's model versions an index that answers them alone.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# As core.models.JOB_COUNT_TRIGGERS had them at this revision (a migration never changes).
_COUNT_UP = ("INSERT INTO job_counts (status, shard, jobs) VALUES (NEW.status, NEW.id % 16, 1) "
             "ON CONFLICT (status, shard) DO UPDATE SET jobs = job_counts.jobs + 1;")
_COUNT_DOWN = ("UPDATE job_counts SET jobs = jobs - 1 "
               "WHERE status = OLD.status AND shard = OLD.id % 16;")
TRIGGERS = {
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION job_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_COUNT_DOWN}
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_COUNT_UP}
  END IF;
  RETURN NULL;
END $$""",
        "CREATE TRIGGER jobs_count AFTER INSERT OR DELETE OR UPDATE OF status ON jobs "
        "FOR EACH ROW EXECUTE FUNCTION job_counts_follow()",
        """CREATE OR REPLACE FUNCTION job_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_counts;
  RETURN NULL;
END $$""",
        "CREATE TRIGGER jobs_count_truncate AFTER TRUNCATE ON jobs "
        "FOR EACH STATEMENT EXECUTE FUNCTION job_counts_clear()",
    ],
    "sqlite": [
        f"CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN {_COUNT_UP} END",
        f"CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN {_COUNT_DOWN} END",
        "CREATE TRIGGER jobs_count_update AFTER UPDATE OF status ON jobs "
        f"WHEN OLD.status IS NOT NEW.status BEGIN {_COUNT_DOWN} {_COUNT_UP} END",
    ],
}


def upgrade():
    op.create_table(
        "job_counts",
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("jobs", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status", "shard", name=op.f("pk_job_counts")),
    )
    for statement in TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    op.execute("INSERT INTO job_counts (status, shard, jobs) "
               "SELECT status, id % 16, count(*) FROM jobs GROUP BY status, id % 16")
    op.create_index("ix_jobs_created_at_id", "jobs", ["created_at", "id"])
    op.drop_index("ix_jobs_created_at", table_name="jobs")
    op.create_index("ix_jobs_hashtag_key_created_at_id", "jobs",
                    ["hashtag_key", "created_at", "id"])
    op.drop_index("ix_jobs_hashtag_key_created_at", table_name="jobs")
    op.create_index("ix_jobs_hashtag_key_status_model_version", "jobs",
                    ["hashtag_key", "status", "model_version", "finished_at"])


def downgrade():
    op.drop_index("ix_jobs_hashtag_key_status_model_version", table_name="jobs")
    op.create_index("ix_jobs_hashtag_key_created_at", "jobs", ["hashtag_key", "created_at"])
    op.drop_index("ix_jobs_hashtag_key_created_at_id", table_name="jobs")
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"])
    op.drop_index("ix_jobs_created_at_id", table_name="jobs")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER jobs_count_truncate ON jobs")
        op.execute("DROP TRIGGER jobs_count ON jobs")
        op.execute("DROP FUNCTION job_counts_clear()")
        op.execute("DROP FUNCTION job_counts_follow()")
    else:
        for name in ("jobs_count_insert", "jobs_count_delete", "jobs_count_update"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("job_counts")
