"""Migration 0007 upgrades an existing instance in place, on SQLite and PostgreSQL: each
hashtag's job count starts from the jobs already there, and from then on follows every insert,
delete and change of hashtag (and, on PostgreSQL, a TRUNCATE), beside the status counts."""

from __future__ import annotations

import sqlalchemy as sa

from tests.core.test_migration_0003 import flask_db
from tests.core.test_migration_0006 import actual, counts, database  # noqa: F401 (fixture)

JOB = ("INSERT INTO jobs (id, hashtag, hashtag_key, source, tweet_limit, status, fetched, "
       "scored, positive, neutral, negative, attempts, worker_losses, created_at) VALUES "
       "(:id, :key, :key, 'sample', 10, :status, 0, 0, 0, 0, 0, 0, 0, '2026-11-01')")


def tag_counts(conn) -> dict[str, int]:
    rows = conn.execute(sa.text("SELECT hashtag_key, jobs FROM hashtag_job_counts")).all()
    return {key: int(n) for key, n in rows if n}


def tag_actual(conn) -> dict[str, int]:
    return dict(conn.execute(sa.text(
        "SELECT hashtag_key, count(*) FROM jobs GROUP BY hashtag_key")).all())


def test_upgrades_a_0006_instance_and_counts_each_hashtags_jobs(database):  # noqa: F811
    settings, url = database
    flask_db(settings, "upgrade", "0006")
    engine = sa.create_engine(url)
    keys = ["python"] * 30 + ["rust"] * 5 + ["café"] * 2
    with engine.begin() as conn:
        for number, key in enumerate(keys, start=1):
            conn.execute(sa.text(JOB), {"id": number, "key": key,
                                        "status": "done" if number % 3 else "failed"})
    flask_db(settings, "upgrade", "0007")
    with engine.begin() as conn:
        assert tag_counts(conn) == tag_actual(conn) == {"python": 30, "rust": 5, "café": 2}
        assert counts(conn) == actual(conn)
        conn.execute(sa.text(JOB), {"id": 100, "key": "go", "status": "queued"})
        conn.execute(sa.text(JOB), {"id": 101, "key": "python", "status": "queued"})
        conn.execute(sa.text("UPDATE jobs SET status = 'running' WHERE status = 'queued'"))
        conn.execute(sa.text("UPDATE jobs SET hashtag_key = 'rust' WHERE id IN (1, 2)"))
        conn.execute(sa.text("UPDATE jobs SET hashtag_key = 'rust' WHERE id = 31"))  # unchanged
        conn.execute(sa.text("DELETE FROM jobs WHERE hashtag_key = 'café' OR id = 3"))
    with engine.begin() as conn:
        assert tag_counts(conn) == tag_actual(conn) == {"python": 28, "rust": 7, "go": 1}
        assert counts(conn) == actual(conn)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE jobs CASCADE"))
            assert tag_counts(conn) == {} and counts(conn) == {}
            conn.execute(sa.text(JOB), {"id": 200, "key": "go", "status": "queued"})
            assert tag_counts(conn) == {"go": 1} and counts(conn) == {"queued": 1}
    engine.dispose()


def test_downgrades_to_0006_and_up_again(database):  # noqa: F811
    settings, url = database
    flask_db(settings, "upgrade")
    flask_db(settings, "downgrade", "0006")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(JOB), {"id": 1, "key": "python", "status": "done"})
        conn.execute(sa.text("UPDATE jobs SET status = 'failed'"))
        assert "hashtag_job_counts" not in sa.inspect(conn).get_table_names()
        assert counts(conn) == {"failed": 1}  # 0006's status counts still follow
    flask_db(settings, "upgrade")
    with engine.begin() as conn:
        assert tag_counts(conn) == {"python": 1}
        conn.execute(sa.text(JOB), {"id": 2, "key": "python", "status": "done"})
        assert tag_counts(conn) == {"python": 2} and counts(conn) == {"failed": 1, "done": 1}
    engine.dispose()
