"""A tracker's runs fetch only what is new since the last one, through the real pipeline.

The sample source replays its corpus as if live, driven by the same movable clock as dispatch,
so "30 minutes later" brings exactly the tweets the replay published in those 30 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.db import db
from core.models import Job, JobTweet, Tweet
from tests.tracking.conftest import add_tracker, score_by_length
from webapp.jobs import create_job
from webapp.validation import JobRequest
from worker import pipeline, tracking
from worker.sources import get_source

SETTINGS = {"SAMPLE_REPLAY_HOURS": "24"}


def tweet_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Tweet))


def linked(job_id: int) -> list[Tweet]:
    return list(db.session.scalars(
        select(Tweet).join(JobTweet, JobTweet.tweet_id == Tweet.id)
        .where(JobTweet.job_id == job_id)))


def dispatch_and_run(clock, source, score=score_by_length, model_version="test") -> Job:
    report = tracking.dispatch_due_trackers(clock(), publish=lambda job_id: True)
    (job_id,) = report.created
    outcome = pipeline.run_job(job_id, source=source, score=score, model_version=model_version,
                               clock=clock)
    assert outcome is not None and outcome.status == "done", outcome
    return db.session.get(Job, job_id)


def newer_tweets_in_source(source, hashtag: str, since_id: str) -> list[str]:
    """What the source holds for the hashtag newer than since_id right now (the expected run)."""
    page = source.fetch_page(hashtag, page_size=1000, since_id=since_id)
    return [t.source_id for t in page.tweets]


def test_second_run_fetches_only_tweets_newer_than_the_first(app, clock):
    source = get_source("sample", settings=SETTINGS, clock=clock)
    with app.app_context():
        add_tracker("repost", now=clock(), interval_minutes=30, limit=100)
        first = dispatch_and_run(clock, source)
        assert first.since_id is None
        assert first.fetched == first.total == 100
        assert first.newest_id is not None
        stored_after_first = tweet_count()

        clock.advance(minutes=30)
        expected = newer_tweets_in_source(source, "repost", first.newest_id)
        assert 5 <= len(expected) < 100  # 30 minutes of replay: some, not a full page
        second = dispatch_and_run(clock, source)

        assert second.since_id == first.newest_id
        assert second.fetched == second.total == len(expected)
        assert sorted(t.source_id for t in linked(second.id)) == sorted(expected)
        assert all(int(t.source_id) > int(first.newest_id) for t in linked(second.id))
        assert tweet_count() == stored_after_first + len(expected)
        assert int(second.newest_id) == max(int(i) for i in expected)


def test_run_with_nothing_new_is_done_and_keeps_the_position(app, clock):
    source = get_source("sample", settings=SETTINGS, clock=clock)
    with app.app_context():
        # #ocean is on 58 of the corpus's lines: about one replayed tweet in 25 minutes.
        add_tracker("ocean", now=clock(), interval_minutes=1, limit=20)
        first = dispatch_and_run(clock, source)
        clock.advance(seconds=61)
        assert newer_tweets_in_source(source, "ocean", first.newest_id) == []
        second = dispatch_and_run(clock, source)
        assert (second.status, second.total, second.error) == ("done", 0, None)
        assert second.newest_id == first.newest_id
        # The next run still continues from there.
        clock.advance(minutes=1)
        report = tracking.dispatch_due_trackers(clock(), publish=lambda job_id: True)
        assert db.session.get(Job, report.created[0]).since_id == first.newest_id


def test_tweets_already_stored_by_another_job_are_linked_not_copied(app, clock):
    source = get_source("sample", settings=SETTINGS, clock=clock)
    with app.app_context():
        add_tracker("repost", now=clock(), interval_minutes=30, limit=100)
        first = dispatch_and_run(clock, source)
        clock.advance(minutes=30)
        # Someone analyses #repost by hand first: it stores the newest 100, including the new ones.
        manual = create_job(JobRequest(hashtag="RePost", limit=100))
        pipeline.run_job(manual.id, source=source, score=score_by_length,
                         model_version="test", clock=clock)
        stored = tweet_count()
        second = dispatch_and_run(clock, source)
        assert second.total > 0
        assert second.since_id == first.newest_id
        assert tweet_count() == stored  # nothing stored twice
        assert {t.id for t in linked(second.id)} <= {t.id for t in linked(manual.id)}


@pytest.mark.skipif(
    not __import__("sentiment").DEFAULT_MODEL_PATH.exists(),
    reason="the sentiment model has not been trained yet (sentiment/model/sentiment.keras)")
def test_incremental_runs_with_the_shipped_model(app):
    import sentiment

    clock_time = [datetime(2026, 5, 4, 9, 0, tzinfo=UTC)]
    source = get_source("sample", settings=SETTINGS, clock=lambda: clock_time[0])
    with app.app_context():
        add_tracker("love", now=clock_time[0], interval_minutes=60, limit=30)
        first = dispatch_and_run(lambda: clock_time[0], source, score=sentiment.predict,
                                 model_version=sentiment.model_version())
        clock_time[0] = clock_time[0].replace(hour=11)
        second = dispatch_and_run(lambda: clock_time[0], source, score=sentiment.predict,
                                  model_version=sentiment.model_version())
        assert first.total == 30
        assert second.since_id == first.newest_id
        assert 0 < second.total <= 30
        assert second.model_version == sentiment.model_version()
        assert second.positive + second.neutral + second.negative == second.total
        assert 0 <= second.mean_score <= 1
