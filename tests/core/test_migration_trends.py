"""Migration 0004 upgrades an instance that has runs in place: the hashtag posts and their hourly
counts are filled from the existing links, on SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.support.broker import unit_broker_env
from tests.support.env import embedded_env, patched_environ, temporary_postgres_database

ROWS = """
INSERT INTO jobs (id, hashtag, hashtag_key, source, tweet_limit, status, fetched, scored,
  positive, neutral, negative, attempts, worker_losses, created_at)
VALUES (1, 'Python', 'python', 'sample', 10, 'done', 3, 3, 0, 0, 0, 1, 0, '2026-03-02 12:00:00'),
       (2, 'python', 'python', 'sample', 10, 'done', 2, 2, 0, 0, 0, 1, 0, '2026-03-02 13:00:00'),
       (3, 'rust', 'rust', 'sample', 10, 'done', 1, 1, 0, 0, 0, 1, 0, '2026-03-02 13:00:00');
INSERT INTO tweets (id, source, source_id, username, text, created_at, label, score,
  prob_negative, prob_neutral, prob_positive, model_version, stored_at)
VALUES (1, 'sample', '1', 'a', 'good', '2026-03-01 10:05:00', 'positive', 0.9, 0, 0, 1, 'm',
        '2026-03-02 12:00:00'),
       (2, 'sample', '2', 'b', 'bad', '2026-03-01 10:55:00', 'negative', 0.1, 1, 0, 0, 'm',
        '2026-03-02 12:00:00'),
       (3, 'sample', '3', 'c', 'meh', '2026-03-01 12:00:00', 'neutral', 0.5, 0, 1, 0, 'm',
        '2026-03-02 12:00:00');
INSERT INTO job_tweets (job_id, tweet_id) VALUES (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3);
"""


@pytest.fixture(autouse=True)
def keep_logging(monkeypatch):
    """Alembic's env.py configures logging from alembic.ini, which disables every logger that
    exists; in-process that would silence the log checks of later tests."""
    monkeypatch.setattr("logging.config.fileConfig", lambda *args, **kwargs: None)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_fills_the_trend_from_existing_runs(tmp_path, backend):
    from core.db import db
    from webapp import create_app

    with ExitStack() as stack:
        env = {**embedded_env(tmp_path / "instance"), **unit_broker_env()}
        if backend == "postgresql":
            env["DATABASE_URL"] = stack.enter_context(temporary_postgres_database())
        with patched_environ(env):
            app = create_app({"TESTING": True})
        with app.app_context():
            upgrade(revision="0002")
            for statement in ROWS.strip().split(";"):
                if statement.strip():
                    db.session.execute(text(statement))
            db.session.commit()
            upgrade(revision="0004")
            posts = db.session.execute(text(
                "SELECT hashtag_key, tweet_id FROM hashtag_posts ORDER BY 1, 2")).all()
            hours = db.session.execute(text(
                "SELECT hashtag_key, hour, positive, neutral, negative, score_sum "
                "FROM hashtag_hours ORDER BY 1, 2")).all()
            db.session.remove()
            downgrade(revision="0002")  # and back: the downgrade runs too
            db.session.remove()
            db.engine.dispose()
    assert [tuple(p) for p in posts] == [("python", 1), ("python", 2), ("python", 3),
                                         ("rust", 3)]
    ten, noon = 492322, 492324  # 2026-03-01 10:00 and 12:00 UTC, in hours since 1970
    assert [(h[0], h[1], h[2], h[3], h[4], round(h[5], 6)) for h in hours] == [
        ("python", ten, 1, 0, 1, 1.0), ("python", noon, 0, 1, 0, 0.5),
        ("rust", noon, 0, 1, 0, 0.5)]
