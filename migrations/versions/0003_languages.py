"""languages: the language of each post and job, posts left unscored for their language,
content warnings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00

Posts stored so far get no language (NULL, read as "recorded before languages were": they were
all English, X being searched with lang:en and the sample corpus being English). Jobs and
trackers so far scored English. A post that only jobs of another language saw is stored
without scores, so the score columns become nullable. Data is kept: on SQLite the tweets table
is copied into its new shape (Alembic's batch mode), on PostgreSQL the columns are altered.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCORE_COLUMNS = (("label", sa.String(length=8)), ("score", sa.Float()),
                 ("prob_negative", sa.Float()), ("prob_neutral", sa.Float()),
                 ("prob_positive", sa.Float()), ("model_version", sa.String(length=64)))


@contextmanager
def _links_kept():
    """On SQLite, batch mode copies ``tweets`` and drops the old table; with foreign keys on
    (tagpulse turns them on) that drop cascades to ``job_tweets`` and would unlink every post
    from its jobs. The links are kept aside and put back."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE job_tweets_kept AS SELECT job_id, tweet_id "
                   "FROM job_tweets")
    yield
    if sqlite:
        op.execute("INSERT OR IGNORE INTO job_tweets (job_id, tweet_id) "
                   "SELECT k.job_id, k.tweet_id FROM job_tweets_kept k "
                   "JOIN tweets t ON t.id = k.tweet_id")
        op.execute("DROP TABLE job_tweets_kept")


def upgrade():
    op.add_column("jobs", sa.Column("lang", sa.String(length=8), nullable=False,
                                    server_default="en"))
    op.add_column("jobs", sa.Column("skipped_language", sa.Integer(), nullable=False,
                                    server_default="0"))
    op.add_column("trackers", sa.Column("lang", sa.String(length=8), nullable=False,
                                        server_default="en"))
    with _links_kept():
        with op.batch_alter_table("tweets") as batch:
            batch.add_column(sa.Column("lang", sa.String(length=16), nullable=True))
            batch.add_column(sa.Column("content_warning", sa.Text(), nullable=True))
            for name, type_ in SCORE_COLUMNS:
                batch.alter_column(name, existing_type=type_, nullable=True)


def downgrade():
    # Posts never scored cannot keep a NOT NULL score: they are dropped (with their links).
    op.execute("DELETE FROM tweets WHERE label IS NULL")
    with _links_kept(), op.batch_alter_table("tweets") as batch:
        for name, type_ in SCORE_COLUMNS:
            batch.alter_column(name, existing_type=type_, nullable=False)
        batch.drop_column("content_warning")
        batch.drop_column("lang")
    with op.batch_alter_table("trackers") as batch:
        batch.drop_column("lang")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("skipped_language")
        batch.drop_column("lang")
