"""Migration 0009 upgrades an existing instance in place, on SQLite and PostgreSQL: the partial
index of results is built from the jobs already there, and every job is kept."""

from __future__ import annotations

import sqlalchemy as sa

from tests.core.test_migration_0003 import flask_db
from tests.core.test_migration_0006 import database  # noqa: F401 (fixture)
from tests.core.test_migration_0008 import JOB

INDEX = "ix_jobs_results_created_at_id"


def index_names(engine) -> set[str]:
    return {index["name"] for index in sa.inspect(engine).get_indexes("jobs")}


def test_builds_the_index_of_results_keeping_every_job(database):  # noqa: F811
    settings, url = database
    flask_db(settings, "upgrade", "0008")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for number, status in enumerate(("done", "failed", "queued", "running"), start=1):
            conn.execute(sa.text(JOB), {"id": number, "status": status, "lang": "en"})
    assert INDEX not in index_names(engine)
    flask_db(settings, "upgrade", "0009")
    engine.dispose()
    assert INDEX in index_names(engine)
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT id, status FROM jobs ORDER BY id")).all() == [
            (1, "done"), (2, "failed"), (3, "queued"), (4, "running")]
    flask_db(settings, "downgrade", "0008")
    engine.dispose()
    assert INDEX not in index_names(engine)
    flask_db(settings, "upgrade")
    engine.dispose()
    assert INDEX in index_names(engine)
    engine.dispose()
