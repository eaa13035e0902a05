"""Big jobs on both databases: batches of SCORE_BATCH posts across pages, PostgreSQL's bulk
paths, and hourly trend counts that agree with the posts whichever path stored them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.db import db
from core.hashtag_posts import hour_of
from core.models import HashtagHour, HashtagPost, Job, JobTweet, Tweet
from worker import pipeline
from worker.sources import get_source

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def score():
    import sentiment

    return sentiment.load_model().predict


def run(hashtag: str, limit: int, score) -> Job:
    job = Job(hashtag=hashtag, hashtag_key=hashtag, source="sample", tweet_limit=limit,
              status="queued")
    db.session.add(job)
    db.session.commit()
    # Three replay periods back: `love` has ~900 lines, so 1,200 posts exist under distinct ids.
    source = get_source("sample", settings={"SAMPLE_LOOKBACK_PERIODS": "3"}, clock=lambda: NOW)
    pipeline.run_job(job.id, source=source, score=score, model_version="m", clock=lambda: NOW)
    db.session.expire_all()
    return db.session.get(Job, job.id)


def test_a_job_bigger_than_a_batch_stores_each_post_once_and_counts_agree(database_app, score):
    assert pipeline.SCORE_BATCH < 1200
    with database_app.app_context():
        first = run("love", 1200, score)
        # Overlaps the first run: its posts are only linked, never stored or counted twice.
        second = run("love", 700, score)
        for job in (first, second):
            assert job.status == "done"
            linked = db.session.scalars(select(Tweet).join(JobTweet).where(
                JobTweet.job_id == job.id)).all()
            assert job.fetched == job.total == len(linked) == job.tweet_limit
            assert (job.negative, job.neutral, job.positive) == tuple(
                Counter(t.label for t in linked)[k] for k in ("negative", "neutral", "positive"))
        assert db.session.scalar(select(func.count()).select_from(Tweet)) == 1200
        assert db.session.scalar(select(func.count()).select_from(HashtagPost)) == 1200

        # The hashtag's hourly counts equal a recount of its posts by the hour they were written.
        expected: Counter = Counter()
        for tweet in db.session.scalars(select(Tweet)):
            expected[(hour_of(tweet.created_at), tweet.label)] += 1
        stored: Counter = Counter()
        hours = select(HashtagHour).where(HashtagHour.hashtag_key == "love")
        for hour in db.session.scalars(hours):
            for label in ("negative", "neutral", "positive"):
                if getattr(hour, label):
                    stored[(hour.hour, label)] = getattr(hour, label)
        assert stored == expected
