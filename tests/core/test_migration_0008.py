"""Migration 0008 upgrades an existing instance in place, on SQLite and PostgreSQL: trackers and
queued jobs stored with a code their posts never carry ("eng") get the canonical one ("en");
finished jobs keep the code their counts were made with."""

from __future__ import annotations

import sqlalchemy as sa

from tests.core.test_migration_0003 import flask_db
from tests.core.test_migration_0006 import database  # noqa: F401 (fixture)

JOB = ("INSERT INTO jobs (id, hashtag, hashtag_key, source, tweet_limit, status, fetched, "
       "scored, positive, neutral, negative, attempts, worker_losses, lang, created_at) VALUES "
       "(:id, 'python', 'python', 'sample', 10, :status, 0, 0, 0, 0, 0, 0, 0, :lang, "
       "'2026-11-01')")
TRACKER = ("INSERT INTO trackers (id, hashtag, hashtag_key, source, interval_minutes, "
           "tweet_limit, lang, enabled, created_at, updated_at) VALUES "
           "(:id, :tag, :tag, 'sample', 60, 100, :lang, :enabled, '2026-11-01', '2026-11-01')")


def langs(conn, table: str) -> dict[int, str]:
    return dict(conn.execute(sa.text(f"SELECT id, lang FROM {table} ORDER BY id")).all())  # noqa: S608


def test_rewrites_trackers_and_queued_jobs_to_the_code_posts_carry(database):  # noqa: F811
    settings, url = database
    flask_db(settings, "upgrade", "0007")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for number, (tag, lang, enabled) in enumerate(
                [("a", "eng", True), ("b", "en", True), ("c", "iw", False), ("d", "fra", True),
                 ("e", "zz", True), ("f", "fil", True), ("g", "tl", True)], start=1):
            conn.execute(sa.text(TRACKER), {"id": number, "tag": tag, "lang": lang,
                                            "enabled": enabled})
        for number, (status, lang) in enumerate(
                [("queued", "eng"), ("done", "eng"), ("running", "deu"), ("queued", "de"),
                 ("failed", "iw"), ("queued", "iw")], start=1):
            conn.execute(sa.text(JOB), {"id": number, "status": status, "lang": lang})
    flask_db(settings, "upgrade", "0008")
    with engine.begin() as conn:
        assert langs(conn, "trackers") == {1: "en", 2: "en", 3: "he", 4: "fr", 5: "zz", 6: "tl",
                                           7: "tl"}
        assert langs(conn, "jobs") == {1: "en", 2: "eng", 3: "deu", 4: "de", 5: "iw", 6: "he"}
    flask_db(settings, "downgrade", "0007")
    flask_db(settings, "upgrade")
    with engine.begin() as conn:
        assert langs(conn, "trackers")[1] == "en"
    engine.dispose()
