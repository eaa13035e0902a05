"""Migration 0003 upgrades an existing instance in place, data kept, on SQLite and PostgreSQL;
and the upgraded schema is the models' schema."""

from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.support.env import embedded_env, temporary_postgres_database
from tests.support.processes import REPO_ROOT, VENV_BIN, child_env


def flask_db(settings: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV_BIN / "flask"), "--app", "webapp", "db", *args], cwd=REPO_ROOT,
                   env=child_env(settings), check=True, capture_output=True)


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


def test_upgrades_a_0002_instance_in_place_keeping_its_data(database):
    settings, url = database
    flask_db(settings, "upgrade", "0002")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO jobs (id, hashtag, hashtag_key, source, tweet_limit, status, fetched, "
            "scored, positive, neutral, negative, attempts, worker_losses, created_at) VALUES "
            "(1, 'Python', 'python', 'x', 10, 'done', 1, 1, 1, 0, 0, 1, 0, '2026-11-01')"))
        conn.execute(sa.text(
            "INSERT INTO tweets (id, source, source_id, username, text, created_at, label, "
            "score, prob_negative, prob_neutral, prob_positive, model_version, stored_at) "
            "VALUES (1, 'x', '42', 'u', 'great', '2026-11-01', 'positive', 0.9, 0.05, 0.05, "
            "0.9, 'v1', '2026-11-01')"))
        conn.execute(sa.text("INSERT INTO job_tweets (job_id, tweet_id) VALUES (1, 1)"))
    flask_db(settings, "upgrade")
    with engine.begin() as conn:
        job = conn.execute(sa.text(
            "SELECT hashtag, positive, lang, skipped_language FROM jobs")).one()
        tweet = conn.execute(sa.text("SELECT text, label, score, lang FROM tweets")).one()
        links = conn.execute(sa.text("SELECT count(*) FROM job_tweets")).scalar()
        # A post no job scored (another language) can now be stored.
        conn.execute(sa.text(
            "INSERT INTO tweets (id, source, source_id, username, text, created_at, lang, "
            "stored_at) VALUES (2, 'mastodon', '7', 'v', 'hola', '2026-11-02', 'es', "
            "'2026-11-02')"))
    assert tuple(job) == ("Python", 1, "en", 0)
    assert tuple(tweet) == ("great", "positive", 0.9, None)
    assert links == 1
    engine.dispose()


def test_the_upgraded_schema_is_the_models_schema(database):
    from core.db import db
    from core.models import Job  # noqa: F401  (registers the tables)

    settings, url = database
    flask_db(settings, "upgrade")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = [d for d in compare_metadata(context, db.metadata)
                       if not (isinstance(d, tuple) and d[0] == "remove_table"
                               and d[1].name == "alembic_version")]
        if conn.dialect.name == "sqlite":
            differences = _without_renamed_foreign_keys(differences)
    engine.dispose()
    assert differences == []


def _fk_shape(constraint) -> tuple:
    return (constraint.table.name, tuple(c.name for c in constraint.columns),
            constraint.referred_table.name)


def _without_renamed_foreign_keys(differences: list) -> list:
    """SQLite keeps a foreign key added with ALTER TABLE ADD COLUMN (migration 0005: a table copy
    would cascade) inside the column's definition, where reflection finds no name or ON DELETE:
    Alembic then reports it removed and the named one added. Same columns, same target: equal."""
    removed = {_fk_shape(d[1]) for d in differences if isinstance(d, tuple) and d[0] == "remove_fk"}
    added = {_fk_shape(d[1]) for d in differences if isinstance(d, tuple) and d[0] == "add_fk"}
    same = removed & added
    return [d for d in differences
            if not (isinstance(d, tuple) and d[0] in ("remove_fk", "add_fk")
                    and _fk_shape(d[1]) in same)]
