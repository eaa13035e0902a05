"""Prepared reads (``core.reads``) give what SQLAlchemy's own execution gives, on both databases,
leave pooled connections as they found them, and drop a connection the database lost."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import Integer, bindparam, cast, func, literal, select

from core.models import Job, JobCount
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


def test_parameters_that_need_converting_are_refused(app):
    from core.db import prepared_reads

    with app.app_context(), pytest.raises(ValueError, match="needs a conversion"):
        prepared_reads().all(select(JOBS.id).where(
            JOBS.created_at > bindparam("since", type_=Job.__table__.c.created_at.type)))


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
