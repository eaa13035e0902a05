"""What ``insert_tweets`` hands back (built from the rows sent, only the ids read back) is what
a read of the stored rows gives, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from core.db import db
from tests.core.test_bulk import tweet
from worker.storage import insert_tweets, stored_tweets


def test_inserted_tweets_match_a_read_of_their_rows(database_app) -> None:
    local = timezone(timedelta(hours=2))
    rows = [tweet("1"),
            tweet("2", created_at=datetime(2026, 11, 27, 3, 30, tzinfo=local), label="negative",
                  score=-0.4, lang="en"),
            tweet("3", label=None, score=None, prob_negative=None, prob_neutral=None,
                  prob_positive=None, model_version=None, lang="de")]
    with database_app.app_context():
        inserted = insert_tweets(rows)
        db.session.commit()
        read = stored_tweets("sample", ["1", "2", "3"])
        assert inserted == read
        assert len({t.id for t in inserted.values()}) == 3
        # The same moment, whatever offset the source gave it in.
        assert inserted["2"].created_at == datetime(2026, 11, 27, 1, 30, tzinfo=UTC)


def test_a_tweet_stored_meanwhile_is_not_handed_back(database_app) -> None:
    with database_app.app_context():
        insert_tweets([tweet("1")])
        db.session.commit()
        again = insert_tweets([tweet("1"), tweet("4")])
        db.session.commit()
        assert list(again) == ["4"]
        assert again["4"] == stored_tweets("sample", ["4"])["4"]
