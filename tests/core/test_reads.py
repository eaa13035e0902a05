"""Prepared reads (``core.reads``) give what SQLAlchemy's own execution gives, on both databases,
leave pooled connections as they found them, and drop a connection the database lost; a
prepared write stores what the ORM would and commits on its own."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import Integer, String, bindparam, cast, func, insert, literal, select

from core.models import Job, JobCount, utcnow
from tests.pages.factories import make_job
from tests.support.apps import fresh_app
from tests.support.env import temporary_postgres_database

JOBS = Job.__table__.c
BY_HASHTAG = (select(JOBS.id, JOBS.hashtag, JOBS.status, JOBS.mean_score, JOBS.created_at,
                     JOBS.finished_at)
              .where(JOBS.hashtag_key == bindparam("key"))
              .order_by(JOBS.id.desc()).limit(bindparam("limit")).offset(1))
TOTAL = select(cast(func.coalesce(func.sum(JobCount.jobs), 0), Integer).label("total"))
UNLABELLED = select(func.count()).select_from(Job.__table__)


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path):
    if request.param == "sqlite":
        with fresh_app(tmp_path / "instance") as app:
            yield app
        return
    with temporary_postgres_database() as url, fresh_app(
            tmp_path / "instance", env={"DATABASE_URL": url}) as app:
        yield app


def _jobs(app, n: int = 4) -> None:
    from core.db import db

    with app.app_context():
        for i in range(n):
            job = make_job("Python", status="done" if i % 2 else "running")
            job.mean_score = 0.25 * i
            job.finished_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC) if i % 2 else None
        db.session.commit()


def test_rows_equal_sqlalchemy_execution(app):
    from core.db import db, prepared_reads

    _jobs(app)
    params = {"key": "python", "limit": 2}
    with app.app_context():
        expected = [tuple(row) for row in db.session.execute(BY_HASHTAG, params)]
        rows = prepared_reads().all(BY_HASHTAG, params)
        assert [tuple(row) for row in rows] == expected
        assert len(rows) == 2  # the statement's own offset (1) and the caller's limit apply
        assert rows[0].created_at.tzinfo is not None  # the UTC type's step, SQLite included
        assert isinstance(rows[0].mean_score, float)
        assert prepared_reads().first(BY_HASHTAG, {"key": "nothing", "limit": 2}) is None
        total = prepared_reads().scalar(TOTAL)
        assert total == 4 and type(total) is int
        assert prepared_reads().first(UNLABELLED)[0] == 4


def test_a_read_leaves_the_pooled_connection_as_it_found_it(app):
    from core.db import db, prepared_reads

    _jobs(app, 1)
    with app.app_context():
        prepared_reads().all(UNLABELLED)
        connection = db.engine.raw_connection()
        try:
            if db.engine.dialect.name == "postgresql":
                raw = connection.dbapi_connection
                assert raw.autocommit is False
                assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        finally:
            connection.close()
        # The session's transactions still group their statements: a flushed, rolled-back
        # row never existed.
        db.session.add(Job(hashtag="Rust", hashtag_key="rust", source="sample", tweet_limit=10,
                           status="queued"))
        db.session.flush()
        db.session.rollback()
        assert prepared_reads().scalar(UNLABELLED) == 1


def test_a_connection_the_database_dropped_is_replaced(tmp_path):
    from core.db import db, prepared_reads

    with temporary_postgres_database() as url, fresh_app(
            tmp_path / "instance", env={"DATABASE_URL": url},
            config={"DB_PING_IDLE_SECONDS": 3600}) as app:
        _jobs(app, 1)
        with app.app_context():
            pid = prepared_reads().scalar(select(func.pg_backend_pid()))
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            # Pool of one in use at a time: the next read gets the dead connection first.
            with pytest.raises(psycopg.OperationalError):
                for _ in range(db.engine.pool.size() + 1):
                    prepared_reads().scalar(UNLABELLED)
            assert prepared_reads().scalar(UNLABELLED) == 1
            assert prepared_reads().scalar(select(func.pg_backend_pid())) != pid


def test_statements_built_per_call_are_refused(app):
    from core.db import prepared_reads
    from core.reads import MAX_STATEMENTS

    with app.app_context(), pytest.raises(RuntimeError, match="constant statements"):
        for n in range(MAX_STATEMENTS + 1):
            prepared_reads().all(select(literal(n, Integer).label("n")))


def test_parameters_are_converted_as_sqlalchemy_converts_them(app):
    from core.db import db, prepared_reads

    with app.app_context():
        for minutes in range(4):
            make_job("Python", minutes=minutes)
        third = db.session.scalars(select(JOBS.created_at).order_by(JOBS.id)).all()[2]
    since = JOBS.created_at > bindparam("since", type_=Job.__table__.c.created_at.type)
    statement = select(JOBS.id).where(since).order_by(JOBS.id)
    moment = third - timedelta(seconds=1)
    with app.app_context():
        # Aware, naive (read as UTC) and in another zone: SQLite compares the stored text, so
        # a time passed as the driver would write it picks other rows.
        for since_value in (moment, moment.replace(tzinfo=None),
                            moment.astimezone(timezone(timedelta(hours=5)))):
            expected = db.session.scalars(statement, {"since": since_value}).all()
            assert len(expected) == 2
            assert [row.id for row in prepared_reads().all(statement, {"since": since_value})] \
                == expected


def test_expanding_parameters_are_refused(app):
    from core.db import prepared_reads

    with app.app_context(), pytest.raises(ValueError, match="IN lists"):
        prepared_reads().all(select(JOBS.id).where(JOBS.id.in_(bindparam("ids", expanding=True))))


QUEUE = (insert(Job.__table__)
         .values(hashtag=bindparam("hashtag"), hashtag_key=bindparam("key"), source="sample",
                 tweet_limit=10, status="queued", created_at=bindparam("now"))
         .returning(JOBS.id, JOBS.created_at, JOBS.fetched, JOBS.positive))


def test_a_write_commits_on_its_own_with_the_columns_defaults(app):
    from core.db import db, prepared_reads

    now = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    with app.app_context():
        (row,) = prepared_reads().write(QUEUE, {"hashtag": "Rust", "key": "rust", "now": now})
        assert (row.created_at, row.fetched, row.positive) == (now, 0, 0)
        db.session.rollback()  # the write is committed already: nothing to undo here
        job = db.session.get(Job, row.id)
        # Written as the ORM writes it: the same stored time, the model's defaults, the count.
        assert job.created_at == now and job.hashtag == "Rust"
        assert (job.scored, job.attempts, job.skipped_language, job.lang) == (0, 0, 0, "en")
        assert prepared_reads().scalar(TOTAL) == 1
        stored = db.session.scalar(select(cast(JOBS.created_at, String)))
        db.session.add(Job(hashtag="Go", hashtag_key="go", source="sample", tweet_limit=10,
                           status="queued", created_at=now))
        db.session.commit()
        by_orm = db.session.scalar(select(cast(JOBS.created_at, String)).where(
            JOBS.hashtag == "Go"))
        assert stored == by_orm


def test_a_failed_write_leaves_nothing_behind(app):
    from core.db import db, prepared_reads

    with app.app_context():
        with pytest.raises((psycopg.IntegrityError, sqlite3.IntegrityError)):  # NOT NULL key
            prepared_reads().write(QUEUE, {"hashtag": "Rust", "key": None, "now": utcnow()})
        prepared_reads().write(QUEUE, {"hashtag": "Go", "key": "go", "now": utcnow()})
        db.session.rollback()
        assert db.session.scalars(select(JOBS.hashtag)).all() == ["Go"]


def test_an_insert_that_leaves_out_a_computed_default_is_refused(app):
    from core.db import prepared_reads

    statement = insert(Job.__table__).values(hashtag="Rust", hashtag_key="rust",
                                             source="sample", tweet_limit=10)
    with app.app_context(), pytest.raises(ValueError, match="created_at"):
        prepared_reads().write(statement.returning(JOBS.id))


def test_rows_can_carry_properties_over_their_columns(app):
    from core.db import prepared_reads
    from core.models import JobTotals

    _jobs(app, 2)
    statement = (select(JOBS.positive, JOBS.neutral, JOBS.negative, JOBS.status)
                 .order_by(JOBS.id).execution_options(row_mixin=JobTotals))
    with app.app_context():
        running, done = prepared_reads().all(statement)
    assert (running.is_finished, done.is_finished) == (False, True)
    assert running.total == running.positive + running.neutral + running.negative
