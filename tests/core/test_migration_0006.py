"""Migration 0006 upgrades an existing instance in place, on SQLite and PostgreSQL: the job
counts start from the jobs already there, and from then on follow every insert, status change
and delete (and, on PostgreSQL, a TRUNCATE)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.core.test_migration_0003 import flask_db
from tests.support.env import embedded_env, temporary_postgres_database

JOB = ("INSERT INTO jobs (id, hashtag, hashtag_key, source, tweet_limit, status, fetched, "
       "scored, positive, neutral, negative, attempts, worker_losses, created_at) VALUES "
       "(:id, 'Python', 'python', 'sample', 10, :status, 0, 0, 0, 0, 0, 0, 0, '2026-11-01')")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    settings = embedded_env(tmp_path / "instance")
    if request.param == "sqlite":
        settings["DATABASE_URL"] = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        yield settings, settings["DATABASE_URL"]
    else:
        with temporary_postgres_database() as url:
            settings["DATABASE_URL"] = url
            yield settings, url.replace("postgresql://", "postgresql+psycopg://", 1)


def counts(conn) -> dict[str, int]:
    rows = conn.execute(sa.text(
        "SELECT status, SUM(jobs) FROM job_counts GROUP BY status")).all()
    return {status: int(n) for status, n in rows if n}


def actual(conn) -> dict[str, int]:
    return dict(conn.execute(sa.text("SELECT status, count(*) FROM jobs GROUP BY status")).all())


def test_upgrades_a_0005_instance_and_counts_its_jobs(database):
    settings, url = database
    flask_db(settings, "upgrade", "0005")
    engine = sa.create_engine(url)
    statuses = ["done"] * 40 + ["failed"] * 7 + ["queued"] * 3 + ["running"] * 2
    with engine.begin() as conn:
        for number, status in enumerate(statuses, start=1):
            conn.execute(sa.text(JOB), {"id": number, "status": status})
    flask_db(settings, "upgrade")
    with engine.begin() as conn:
        assert counts(conn) == actual(conn) == {"done": 40, "failed": 7, "queued": 3,
                                                "running": 2}
        conn.execute(sa.text(JOB), {"id": 100, "status": "queued"})
        conn.execute(sa.text("UPDATE jobs SET status = 'running' WHERE status = 'queued'"))
        conn.execute(sa.text("UPDATE jobs SET status = 'done' WHERE id <= 2"))  # unchanged
        conn.execute(sa.text("UPDATE jobs SET status = 'done' WHERE status = 'running'"))
        conn.execute(sa.text("DELETE FROM jobs WHERE status = 'failed' AND id % 2 = 0"))
    with engine.begin() as conn:
        assert counts(conn) == actual(conn) == {"done": 46, "failed": 4}
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE jobs CASCADE"))
            assert counts(conn) == {}
            conn.execute(sa.text(JOB), {"id": 200, "status": "queued"})
            assert counts(conn) == {"queued": 1}
    engine.dispose()


def test_downgrades_to_0005_and_up_again(database):
    settings, url = database
    flask_db(settings, "upgrade")
    flask_db(settings, "downgrade", "0005")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(JOB), {"id": 1, "status": "done"})
        assert "job_counts" not in sa.inspect(conn).get_table_names()
    flask_db(settings, "upgrade")
    with engine.begin() as conn:
        assert counts(conn) == {"done": 1}
    engine.dispose()
