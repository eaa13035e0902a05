"""The database: jobs, the tweets they scored, trackers, alerts, cached topic summaries, and the
accounts (users and their API tokens) that say who may do what.

The job row is the source of truth for a job's state (not the broker's result store): pages and
the API read it, workers write progress to it, and the reaper re-enqueues from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db

# SQLite only autoincrements INTEGER primary keys; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")

JOB_STATUSES = ("queued", "running", "done", "failed")
# Ordered weakest first: each role may do everything the ones before it may.
ROLES = ("viewer", "analyst", "admin")
LABELS = ("negative", "neutral", "positive")
# A job that is a result, as the home page's "Latest analyses" lists them: not a tracked (or
# incremental) run that found nothing new, nor a tracked run that failed (its tracker says so).
# Literal SQL, the same text in the partial index below and in the query that reads it, so
# that PostgreSQL (whose generic plans cannot match bound values) and SQLite both use the index:
# scanning the whole history's index past non-results grew with every tracked run, 19 ms a view
# after 100,000 of them.
RESULT_JOB_SQL = ("NOT ((status = 'done' AND positive + neutral + negative = 0"
                  " AND (tracker_id IS NOT NULL OR since_id IS NOT NULL))"
                  " OR (status = 'failed' AND tracker_id IS NOT NULL))")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class JobTotals:
    """What a job's counts and status say, for ``Job`` and for views of its columns."""

    positive: int
    neutral: int
    negative: int
    status: str

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def is_finished(self) -> bool:
        return self.status in ("done", "failed")


class Job(JobTotals, db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hashtag: Mapped[str] = mapped_column(String(100))  # as the person typed it, without '#'
    # core.hashtags.hashtag_key (NFKC, case-folded): groups runs of a tag
    hashtag_key: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    tweet_limit: Mapped[int] = mapped_column(Integer)
    # The language scored (an ISO 639 code as core.languages.primary_language writes it): the
    # model reads English, so posts in other languages are linked but not scored, and counted in
    # skipped_language.
    lang: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    skipped_language: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(8), default="queued")
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    mean_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # How many times a worker started it, and how many of those ended with the worker gone
    # (killed, crashed): only the latter can fail a job as "the worker kept stopping".
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_losses: Mapped[int] = mapped_column(Integer, default=0)
    # Incremental runs ask the source only for tweets newer than since_id; newest_id is what
    # this run saw, so the tracker's next run can continue from it.
    since_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    newest_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tracker_id: Mapped[int | None] = mapped_column(
        ForeignKey("trackers.id", ondelete="SET NULL"), nullable=True)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who submitted it; None for tracked runs, jobs from before accounts and anonymous ones.
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"),
        nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The lease (``core.lifecycle``): which worker process holds the running job, and when it
    # last said it is alive. A queued job's scheduled retry is due at retry_at; published_at is
    # None while its message has not reached the broker.
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The worker process that took the queued job's message off the broker (not yet started):
    # if that process dies, the message is gone with it and the reaper republishes at once.
    reserved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    tracker: Mapped[Tracker | None] = relationship(back_populates="jobs")

    __table_args__ = (
        # One job per (tracker, scheduled slot): the database, not memory, keeps dispatch idempotent
        UniqueConstraint("tracker_id", "scheduled_for"),
        # A hashtag's runs, newest first (its page, the history filtered by tag). With the id
        # in the index too, PostgreSQL no longer preferred walking every job newest first and
        # filtering for the tag: a rare tag's page read the whole table.
        Index("ix_jobs_hashtag_key_created_at_id", "hashtag_key", "created_at", "id"),
        # The model versions behind a tag's finished runs, read from the index alone.
        Index("ix_jobs_hashtag_key_status_model_version", "hashtag_key", "status",
              "model_version", "finished_at"),
        Index("ix_jobs_status_created_at", "status", "created_at"),
        # The history's order (newest first, id breaking ties) read straight off the index.
        Index("ix_jobs_created_at_id", "created_at", "id"),
        # The reaper's every-few-seconds look for lost and unpublished jobs.
        Index("ix_jobs_status_heartbeat_at", "status", "heartbeat_at"),
        # The newest results (RESULT_JOB_SQL), however many tracked runs came after them.
        Index("ix_jobs_results_created_at_id", "created_at", "id",
              postgresql_where=text(RESULT_JOB_SQL), sqlite_where=text(RESULT_JOB_SQL)),
    )



class JobCount(db.Model):
    """How many jobs have each status, kept by triggers on ``jobs`` (``JOB_COUNT_TRIGGERS``).

    The history's total was a ``count(*)`` over every job on each list request: 100,000 jobs cost
    more than everything else the request did. Each status is split over 16 rows (by job id
    modulo 16) so that concurrent submissions do not all wait for the lock on one counter row.
    """

    __tablename__ = "job_counts"

    status: Mapped[str] = mapped_column(String(8), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    jobs: Mapped[int] = mapped_column(BigInteger, default=0)


class HashtagJobCount(db.Model):
    """How many jobs each hashtag has, kept by the same triggers as ``job_counts``.

    A hashtag's page and its filtered history showed the count of its runs from a ``count(*)``
    over the tag's index entries on every view: for a busy tag's 4,000 runs about a quarter of
    the database's time for the page. One row per tag: its submissions are far fewer than all
    submissions, so they need no shards.
    """

    __tablename__ = "hashtag_job_counts"

    hashtag_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    jobs: Mapped[int] = mapped_column(BigInteger, default=0)


_COUNT_UP = ("INSERT INTO job_counts (status, shard, jobs) VALUES (NEW.status, NEW.id % 16, 1) "
             "ON CONFLICT (status, shard) DO UPDATE SET jobs = job_counts.jobs + 1;")
_COUNT_DOWN = ("UPDATE job_counts SET jobs = jobs - 1 "
               "WHERE status = OLD.status AND shard = OLD.id % 16;")
_TAG_UP = ("INSERT INTO hashtag_job_counts (hashtag_key, jobs) VALUES (NEW.hashtag_key, 1) "
           "ON CONFLICT (hashtag_key) DO UPDATE SET jobs = hashtag_job_counts.jobs + 1;")
_TAG_DOWN = "UPDATE hashtag_job_counts SET jobs = jobs - 1 WHERE hashtag_key = OLD.hashtag_key;"
# Migration 0007 creates the same triggers on an existing database (0006 the first version).
JOB_COUNT_TRIGGERS = {
    "postgresql": [
        # One function for both counts: one trigger call per written job, not two. OLD is NULL
        # on an INSERT and NEW on a DELETE, so each IS DISTINCT FROM holds for them.
        f"""CREATE OR REPLACE FUNCTION job_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IS DISTINCT FROM NEW.status THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      {_COUNT_DOWN}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      {_COUNT_UP}
    END IF;
  END IF;
  IF OLD.hashtag_key IS DISTINCT FROM NEW.hashtag_key THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      {_TAG_DOWN}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      {_TAG_UP}
    END IF;
  END IF;
  RETURN NULL;
END $$""",
        "CREATE TRIGGER jobs_count AFTER INSERT OR DELETE OR UPDATE OF status, hashtag_key "
        "ON jobs FOR EACH ROW EXECUTE FUNCTION job_counts_follow()",
        # TRUNCATE fires no row trigger: without this the counts would outlive the jobs.
        """CREATE OR REPLACE FUNCTION job_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_counts;
  DELETE FROM hashtag_job_counts;
  RETURN NULL;
END $$""",
        "CREATE TRIGGER jobs_count_truncate AFTER TRUNCATE ON jobs "
        "FOR EACH STATEMENT EXECUTE FUNCTION job_counts_clear()",
    ],
    "sqlite": [
        f"CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN {_COUNT_UP} {_TAG_UP} END",
        f"CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN {_COUNT_DOWN} {_TAG_DOWN} "
        "END",
        "CREATE TRIGGER jobs_count_update AFTER UPDATE OF status ON jobs "
        f"WHEN OLD.status IS NOT NEW.status BEGIN {_COUNT_DOWN} {_COUNT_UP} END",
        "CREATE TRIGGER jobs_count_retag AFTER UPDATE OF hashtag_key ON jobs "
        f"WHEN OLD.hashtag_key IS NOT NEW.hashtag_key BEGIN {_TAG_DOWN} {_TAG_UP} END",
    ],
}

for _dialect, _statements in JOB_COUNT_TRIGGERS.items():
    for _statement in _statements:
        # A jobs table made by create_all (the tests) gets the triggers too.
        event.listen(Job.__table__, "after_create",
                     DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect))


class Tweet(db.Model):
    __tablename__ = "tweets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    # The author's content warning (Mastodon's spoiler text), shown before the text.
    content_warning: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # ISO 639 code, from the source or detected from the text; None for posts stored before
    # languages were recorded (all English: X was searched with lang:en, the corpus is English).
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The scores are None for a post no job has scored: it was only seen by jobs of another
    # language, so giving it the English model's score would be arbitrary.
    label: Mapped[str | None] = mapped_column(String(8), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    prob_negative: Mapped[float | None] = mapped_column(Float, nullable=True)
    prob_neutral: Mapped[float | None] = mapped_column(Float, nullable=True)
    prob_positive: Mapped[float | None] = mapped_column(Float, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # The same tweet of the same source is stored once, however many jobs see it.
        UniqueConstraint("source", "source_id"),
    )


class JobTweet(db.Model):
    """Which tweets a job scored; a tweet seen by several jobs is linked, not copied."""

    __tablename__ = "job_tweets"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    tweet_id: Mapped[int] = mapped_column(
        ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_job_tweets_tweet_id", "tweet_id"),)


@dataclass(frozen=True)
class Creator:
    username: str


@dataclass(frozen=True)
class LastRun:
    """How a tracker's newest finished run ended: what tells a person, days later, whether the
    tracker still works (a source that went away fails every run, and nothing else says so)."""

    id: int
    status: str  # "done" or "failed"
    error: str | None
    finished_at: datetime


class TrackerListing:
    """A row of a tracker list (the trackers table's columns, ``creator_username`` and the
    ``last_run_*`` columns of its newest finished run, read in one query instead of lazy loads
    per tracker), read as the pages and the API read a ``Tracker``."""

    __slots__ = ()
    creator_username: str | None
    last_run_id: int | None
    last_run_status: str | None
    last_run_error: str | None
    last_run_finished_at: datetime | None

    @property
    def creator(self) -> Creator | None:
        return Creator(self.creator_username) if self.creator_username is not None else None

    @property
    def last_run(self) -> LastRun | None:
        if self.last_run_id is None:
            return None
        return LastRun(self.last_run_id, self.last_run_status, self.last_run_error,
                       self.last_run_finished_at)


class Tracker(db.Model):
    __tablename__ = "trackers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hashtag: Mapped[str] = mapped_column(String(100))
    hashtag_key: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    interval_minutes: Mapped[int] = mapped_column(Integer)
    tweet_limit: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    negative_alert_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Where an alert is delivered besides the pages: a JSON POST and/or an e-mail.
    alert_webhook_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    alert_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # Its owner: only they (or an admin) may edit, pause or delete it. None: made before accounts
    # or anonymously in AUTH_MODE=open; then only an admin may change it once sign-in is required.
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"),
        nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    jobs: Mapped[list[Job]] = relationship(back_populates="tracker")
    creator: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("hashtag_key", "source"),
        Index("ix_trackers_enabled_next_run_at", "enabled", "next_run_at"),
    )


class Alert(db.Model):
    """A tracked run whose negative share crossed its tracker's threshold."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tracker_id: Mapped[int] = mapped_column(ForeignKey("trackers.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    hashtag_key: Mapped[str] = mapped_column(String(100))
    negative_share: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_alerts_hashtag_key_created_at", "hashtag_key", "created_at"),)


class AlertDelivery(db.Model):
    """One attempt series to deliver an alert to one channel: ``pending``, ``sent`` or
    ``failed`` (with the reason); shown on the tracker."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    tracker_id: Mapped[int] = mapped_column(ForeignKey("trackers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))  # "webhook" | "email"
    target: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("alert_id", "channel"),
        Index("ix_alert_deliveries_tracker_id_created_at", "tracker_id", "created_at"),
    )


class HashtagPost(db.Model):
    """A post fetched for a hashtag, once however many runs saw it: the trend's population.

    ``source`` and ``created_at`` are copied from the tweet so a hashtag's posts in a time range
    are found by index, without going through every job that saw them.
    """

    __tablename__ = "hashtag_posts"

    hashtag_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    tweet_id: Mapped[int] = mapped_column(
        ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_hashtag_posts_hashtag_key_created_at", "hashtag_key", "created_at"),
        Index("ix_hashtag_posts_tweet_id", "tweet_id"),
    )


class HashtagHour(db.Model):
    """A hashtag's posts of one source in one UTC hour (by the post's own time), counted.

    Kept in step with ``hashtag_posts`` by ``core.hashtag_posts``: the trend of a hashtag with a
    million posts sums a few thousand of these rows instead of scanning the posts.
    """

    __tablename__ = "hashtag_hours"

    hashtag_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    hour: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # hours since 1970-01-01 UTC
    positive: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)

    __table_args__ = (Index("ix_hashtag_hours_hashtag_key_hour", "hashtag_key", "hour"),)


class TopicSummary(db.Model):
    """Cached Wikipedia summary of a hashtag's topic; ``found`` False caches a miss."""

    __tablename__ = "topic_summaries"

    hashtag_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    found: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    extract: Mapped[str | None] = mapped_column(Text, nullable=True)
    page_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(db.Model):
    """An account. Flask-Login's user: ``get_id`` carries the session nonce, so rotating the nonce
    (new password, deactivation) signs the account out of every browser."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True)

    # What Flask-Login asks of a user object.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def has_role(self, role: str) -> bool:
        """At least ``role`` (an admin is also an analyst and a viewer)."""
        return ROLES.index(self.role) >= ROLES.index(role)


class ApiToken(db.Model):
    """A script's credential. Only the SHA-256 of the secret is kept; ``prefix`` (its first
    characters) lets a person tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens")
