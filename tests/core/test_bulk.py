"""Bulk insert-or-skip and insert-or-add on both databases: SQLite's executemany and
PostgreSQL's one statement over a JSON recordset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select, text

from core.bulk import add_on_conflict, insert_ignoring_conflicts
from core.db import db
from core.models import HashtagHour, Tweet

STORED_AT = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def tweet(source_id: str, **fields) -> dict:
    return {"source": "sample", "source_id": source_id, "username": "u", "text": f"t {source_id}",
            "url": None, "created_at": STORED_AT - timedelta(minutes=int(source_id)),
            "content_warning": None, "lang": "en", "label": "positive", "score": 0.9,
            "prob_negative": 0.05, "prob_neutral": 0.1, "prob_positive": 0.85,
            "model_version": "m-1", "stored_at": STORED_AT} | fields


def test_inserts_new_rows_skips_existing_ones_and_returns_only_the_new(database_app) -> None:
    columns = ("id", "source_id")
    with database_app.app_context():
        first = insert_ignoring_conflicts(Tweet.__table__, [tweet("1"), tweet("2")], columns)
        db.session.commit()
        # "2" is there already (another worker stored it): skipped, not returned, not an error.
        second = insert_ignoring_conflicts(Tweet.__table__, [tweet("2"), tweet("3")], columns)
        db.session.commit()
        assert sorted(row.source_id for row in first) == ["1", "2"]
        assert [row.source_id for row in second] == ["3"]
        assert db.session.scalar(select(func.count()).select_from(Tweet)) == 3


def test_nulls_and_times_round_trip_as_a_single_insert_would_store_them(database_app) -> None:
    # An unscored post (another language): every score column NULL; a time given in +02:00.
    local = timezone(timedelta(hours=2))
    unscored = tweet("7", label=None, score=None, prob_negative=None, prob_neutral=None,
                     prob_positive=None, model_version=None, lang="de",
                     created_at=datetime(2026, 11, 27, 3, 30, tzinfo=local))
    # A naive time is UTC, as UTCDateTime binds it.
    naive = tweet("8", created_at=datetime(2026, 11, 27, 3, 30, 15, 250000))
    with database_app.app_context():
        if db.session.get_bind().dialect.name == "postgresql":
            # A server whose clock is not on UTC would read a time without offset as its own.
            db.session.execute(text("SET TIME ZONE 'America/New_York'"))
        insert_ignoring_conflicts(Tweet.__table__, [unscored])
        insert_ignoring_conflicts(Tweet.__table__, [naive])
        db.session.commit()
        stored = db.session.scalars(select(Tweet).where(Tweet.source_id == "7")).one()
        assert stored.label is None and stored.score is None and stored.model_version is None
        assert stored.lang == "de"
        assert stored.created_at == datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
        assert stored.created_at.tzinfo is not None
        stored = db.session.scalars(select(Tweet).where(Tweet.source_id == "8")).one()
        assert stored.created_at == datetime(2026, 11, 27, 3, 30, 15, 250000, tzinfo=UTC)


def test_nothing_to_insert_is_a_no_op(database_app) -> None:
    with database_app.app_context():
        assert insert_ignoring_conflicts(Tweet.__table__, [], ("id",)) == []


def hour(tag: str, number: int, positive: int = 0, negative: int = 0, score_sum: float = 0.0):
    return {"hashtag_key": tag, "source": "sample", "hour": number, "positive": positive,
            "neutral": 0, "negative": negative, "score_sum": score_sum}


def test_adds_to_the_rows_already_there_and_inserts_the_others(database_app) -> None:
    added = ("positive", "neutral", "negative", "score_sum")
    keys = ("hashtag_key", "source", "hour")
    with database_app.app_context():
        add_on_conflict(HashtagHour.__table__, [hour("a", 1, positive=2, score_sum=0.5),
                                                hour("a", 2, negative=1, score_sum=-0.75)],
                        keys, added)
        db.session.commit()
        # Given out of key order, one row there already and one new; the other row untouched.
        add_on_conflict(HashtagHour.__table__, [hour("b", 1, positive=1, score_sum=0.25),
                                                hour("a", 1, positive=3, negative=1,
                                                     score_sum=1.0)], keys, added)
        add_on_conflict(HashtagHour.__table__, [], keys, added)  # nothing: no statement
        db.session.commit()
        rows = {(row.hashtag_key, row.hour): (row.positive, row.neutral, row.negative,
                                              row.score_sum)
                for row in db.session.scalars(select(HashtagHour))}
        assert rows == {("a", 1): (5, 0, 1, 1.5), ("a", 2): (0, 0, 1, -0.75),
                        ("b", 1): (1, 0, 0, 0.25)}
