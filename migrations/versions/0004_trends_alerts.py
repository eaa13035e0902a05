"""trends by post time, alert delivery: hashtag_posts, hashtag_hours, alert_deliveries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:30:00

A hashtag's posts (each tweet once per hashtag, however many runs saw it) and their counts per
source and UTC hour of the post's own time, filled from the existing job_tweets links so an
upgraded instance has its whole past trend at once. Trackers get an optional webhook URL and
e-mail address for alerts; each delivery is recorded.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _hour_expression(dialect: str) -> str:
    """Hours since 1970-01-01 UTC of hashtag_posts.created_at (alias p), as core computes it."""
    if dialect == "postgresql":
        return "CAST(floor(extract(epoch from p.created_at) / 3600) AS BIGINT)"
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
    return "CAST(strftime('%s', p.created_at) AS INTEGER) / 3600"


def upgrade():
    with op.batch_alter_table("trackers") as batch:
        batch.add_column(sa.Column("alert_webhook_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("alert_email", sa.String(length=254), nullable=True))

    op.create_table(
        "alert_deliveries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("alert_id", BigId, nullable=False),
        sa.Column("tracker_id", BigId, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], ondelete="CASCADE",
                                name=op.f("fk_alert_deliveries_alert_id_alerts")),
        sa.ForeignKeyConstraint(["tracker_id"], ["trackers.id"], ondelete="CASCADE",
                                name=op.f("fk_alert_deliveries_tracker_id_trackers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("alert_id", "channel",
                            name=op.f("uq_alert_deliveries_alert_id_channel")),
    )
    op.create_index("ix_alert_deliveries_tracker_id_created_at", "alert_deliveries",
                    ["tracker_id", "created_at"])

    op.create_table(
        "hashtag_posts",
        sa.Column("hashtag_key", sa.String(length=100), nullable=False),
        sa.Column("tweet_id", BigId, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tweet_id"], ["tweets.id"], ondelete="CASCADE",
                                name=op.f("fk_hashtag_posts_tweet_id_tweets")),
        sa.PrimaryKeyConstraint("hashtag_key", "tweet_id", name=op.f("pk_hashtag_posts")),
    )
    op.create_index("ix_hashtag_posts_hashtag_key_created_at", "hashtag_posts",
                    ["hashtag_key", "created_at"])
    op.create_index("ix_hashtag_posts_tweet_id", "hashtag_posts", ["tweet_id"])

    op.create_table(
        "hashtag_hours",
        sa.Column("hashtag_key", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hashtag_key", "source", "hour", name=op.f("pk_hashtag_hours")),
    )
    op.create_index("ix_hashtag_hours_hashtag_key_hour", "hashtag_hours", ["hashtag_key", "hour"])

    # The past, from the links every run kept: each tweet once per hashtag, then its hours.
    op.execute(
        "INSERT INTO hashtag_posts (hashtag_key, tweet_id, source, created_at) "
        "SELECT DISTINCT j.hashtag_key, t.id, t.source, t.created_at "
        "FROM job_tweets jt JOIN jobs j ON j.id = jt.job_id JOIN tweets t ON t.id = jt.tweet_id")
    hour = _hour_expression(op.get_bind().dialect.name)
    op.execute(
        "INSERT INTO hashtag_hours "
        "(hashtag_key, source, hour, positive, neutral, negative, score_sum) "
        f"SELECT p.hashtag_key, p.source, {hour}, "
        "SUM(CASE WHEN t.label = 'positive' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.label = 'neutral' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.label = 'negative' THEN 1 ELSE 0 END), "
        "SUM(t.score) "
        "FROM hashtag_posts p JOIN tweets t ON t.id = p.tweet_id "
        f"GROUP BY p.hashtag_key, p.source, {hour}")


def downgrade():
    op.drop_index("ix_hashtag_hours_hashtag_key_hour", table_name="hashtag_hours")
    op.drop_table("hashtag_hours")
    op.drop_index("ix_hashtag_posts_tweet_id", table_name="hashtag_posts")
    op.drop_index("ix_hashtag_posts_hashtag_key_created_at", table_name="hashtag_posts")
    op.drop_table("hashtag_posts")
    op.drop_index("ix_alert_deliveries_tracker_id_created_at", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    with op.batch_alter_table("trackers") as batch:
        batch.drop_column("alert_email")
        batch.drop_column("alert_webhook_url")
