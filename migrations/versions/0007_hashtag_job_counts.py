"""web throughput: each hashtag's job count kept by the job-count triggers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 01:30:00

Upgrades in place: ``hashtag_job_counts`` is filled from the existing jobs in the same
transaction that replaces the triggers (on PostgreSQL replacing a trigger locks ``jobs`` against
writes until the commit, so no job is counted twice or missed; SQLite has one writer at a time).
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# As core.models.JOB_COUNT_TRIGGERS had them at this revision (a migration never changes).
_COUNT_UP = ("INSERT INTO job_counts (status, shard, jobs) VALUES (NEW.status, NEW.id % 16, 1) "
             "ON CONFLICT (status, shard) DO UPDATE SET jobs = job_counts.jobs + 1;")
_COUNT_DOWN = ("UPDATE job_counts SET jobs = jobs - 1 "
               "WHERE status = OLD.status AND shard = OLD.id % 16;")
_TAG_UP = ("INSERT INTO hashtag_job_counts (hashtag_key, jobs) VALUES (NEW.hashtag_key, 1) "
           "ON CONFLICT (hashtag_key) DO UPDATE SET jobs = hashtag_job_counts.jobs + 1;")
_TAG_DOWN = "UPDATE hashtag_job_counts SET jobs = jobs - 1 WHERE hashtag_key = OLD.hashtag_key;"


def _postgresql(with_tags: bool) -> list[str]:
    tags = f"""
  IF OLD.hashtag_key IS DISTINCT FROM NEW.hashtag_key THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      {_TAG_DOWN}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      {_TAG_UP}
    END IF;
  END IF;""" if with_tags else ""
    return [
        f"""CREATE OR REPLACE FUNCTION job_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IS DISTINCT FROM NEW.status THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      {_COUNT_DOWN}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      {_COUNT_UP}
    END IF;
  END IF;{tags}
  RETURN NULL;
END $$""",
        "DROP TRIGGER jobs_count ON jobs",
        "CREATE TRIGGER jobs_count AFTER INSERT OR DELETE OR UPDATE OF "
        f"{'status, hashtag_key' if with_tags else 'status'} "
        "ON jobs FOR EACH ROW EXECUTE FUNCTION job_counts_follow()",
        f"""CREATE OR REPLACE FUNCTION job_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_counts;{' DELETE FROM hashtag_job_counts;' if with_tags else ''}
  RETURN NULL;
END $$""",
    ]


def _sqlite(with_tags: bool) -> list[str]:
    up, down = (f" {_TAG_UP}", f" {_TAG_DOWN}") if with_tags else ("", "")
    statements = [
        "DROP TRIGGER jobs_count_insert",
        "DROP TRIGGER jobs_count_delete",
        f"CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN {_COUNT_UP}{up} END",
        f"CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN {_COUNT_DOWN}{down} END",
    ]
    if with_tags:
        statements.append(
            "CREATE TRIGGER jobs_count_retag AFTER UPDATE OF hashtag_key ON jobs "
            f"WHEN OLD.hashtag_key IS NOT NEW.hashtag_key BEGIN {_TAG_DOWN} {_TAG_UP} END")
    else:
        statements.append("DROP TRIGGER jobs_count_retag")
    return statements


def _triggers(with_tags: bool) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        return _postgresql(with_tags)
    return _sqlite(with_tags)


def upgrade():
    op.create_table(
        "hashtag_job_counts",
        sa.Column("hashtag_key", sa.String(length=100), nullable=False),
        sa.Column("jobs", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hashtag_key", name=op.f("pk_hashtag_job_counts")),
    )
    for statement in _triggers(with_tags=True):
        op.execute(statement)
    op.execute("INSERT INTO hashtag_job_counts (hashtag_key, jobs) "
               "SELECT hashtag_key, count(*) FROM jobs GROUP BY hashtag_key")


def downgrade():
    for statement in _triggers(with_tags=False):
        op.execute(statement)
    op.drop_table("hashtag_job_counts")
