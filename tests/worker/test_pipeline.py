"""The job pipeline as plain functions: real sample source, real model, a SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import db
from core.models import Job, JobTweet, Tweet
from worker import pipeline
from worker.sources import FetchedTweet, Page, get_source

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def score():
    import sentiment

    sentiment.load_model()
    return sentiment.predict


def make_job(hashtag: str, limit: int = 50, **fields) -> int:
    job = Job(hashtag=hashtag, hashtag_key=hashtag.lower(), source="sample", tweet_limit=limit,
              status="queued", **fields)
    db.session.add(job)
    db.session.commit()
    return job.id


def sample_at(moment: datetime):
    return get_source("sample", clock=lambda: moment)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_run_job_scores_and_links_every_fetched_tweet(app, score):
    with app.app_context():
        job_id = make_job("love", limit=130)
        outcome = pipeline.run_job(job_id, source=sample_at(NOW), score=score,
                                   model_version="test", clock=lambda: NOW)
        job = db.session.get(Job, job_id)
        assert outcome.status == job.status == "done"
        assert job.total == job.fetched == job.scored == 130
        assert count(Tweet) == count(JobTweet) == 130
        labels = dict(db.session.execute(
            select(Tweet.label, func.count()).group_by(Tweet.label)).all())
        assert (job.negative, job.neutral, job.positive) == tuple(
            labels.get(k, 0) for k in ("negative", "neutral", "positive"))
        assert job.newest_id is not None
        assert job.finished_at == NOW


def test_second_run_links_existing_tweets_instead_of_copying(app, score):
    with app.app_context():
        first = make_job("tbt", limit=40)
        pipeline.run_job(first, source=sample_at(NOW), score=score, model_version="t")
        second = make_job("TBT", limit=40)
        pipeline.run_job(second, source=sample_at(NOW), score=score, model_version="t")
        assert count(Tweet) == 40
        assert count(JobTweet) == 80


def test_since_id_stores_only_tweets_newer_than_the_last_run(app, score):
    with app.app_context():
        first = make_job("love", limit=1000)
        pipeline.run_job(first, source=sample_at(NOW), score=score, model_version="t")
        newest = db.session.get(Job, first).newest_id
        stored = count(Tweet)
        later = NOW + timedelta(hours=3)  # #love is spread over the corpus: new ones appeared
        second = make_job("love", limit=1000, since_id=newest)
        pipeline.run_job(second, source=sample_at(later), score=score, model_version="t")
        job = db.session.get(Job, second)
        assert job.status == "done" and 0 < job.total < 1000
        assert count(Tweet) == stored + job.total
        assert all(int(t.source_id) > int(newest) for t in db.session.scalars(
            select(Tweet).join(JobTweet, JobTweet.tweet_id == Tweet.id)
            .where(JobTweet.job_id == second)))


def test_job_without_tweets_fails_saying_so(app, score):
    with app.app_context():
        job_id = make_job("nosuchtagintheworld")
        pipeline.run_job(job_id, source=sample_at(NOW), score=score, model_version="t")
        job = db.session.get(Job, job_id)
        assert job.status == "failed"
        assert job.error == "No posts found for #nosuchtagintheworld in the 'sample' source."


def test_incremental_run_with_nothing_new_is_done_and_empty(app, score):
    with app.app_context():
        job_id = make_job("nosuchtagintheworld", since_id="1")
        pipeline.run_job(job_id, source=sample_at(NOW), score=score, model_version="t")
        job = db.session.get(Job, job_id)
        assert (job.status, job.total, job.error) == ("done", 0, None)


def test_a_finished_job_is_not_run_again(app, score):
    with app.app_context():
        job_id = make_job("usa", limit=10)
        pipeline.run_job(job_id, source=sample_at(NOW), score=score, model_version="t")
        assert pipeline.run_job(job_id, source=sample_at(NOW), score=score,
                                model_version="t") is None
        assert db.session.get(Job, job_id).attempts == 1


def test_a_new_attempt_drops_what_an_earlier_attempt_linked(app, score):
    with app.app_context():
        # A post of another hashtag, linked by an earlier attempt that then lost its worker: the
        # reaper put the job back in the queue (attempts and started_at stay as they were).
        stray = make_job("love", limit=1)
        pipeline.run_job(stray, source=sample_at(NOW), score=score, model_version="t")
        stray_tweet = db.session.scalars(select(JobTweet.tweet_id)).one()
        job_id = make_job("usa", limit=10, attempts=1, started_at=NOW - timedelta(minutes=5))
        db.session.add(JobTweet(job_id=job_id, tweet_id=stray_tweet))
        db.session.commit()
        outcome = pipeline.run_job(job_id, source=sample_at(NOW), score=score, model_version="t")
        linked = set(db.session.scalars(select(JobTweet.tweet_id).where(
            JobTweet.job_id == job_id)))
        assert stray_tweet not in linked and len(linked) == outcome.total == 10
        assert db.session.get(Job, job_id).attempts == 2


def test_only_a_job_never_taken_counts_as_a_first_attempt(app):
    from core import lifecycle

    holder = lifecycle.LeaseHolder.current()
    with app.app_context():
        fresh = make_job("usa")
        requeued = make_job("usa", attempts=1, started_at=NOW)
        # A job of an instance from before attempts were counted: only its start says it ran.
        older = make_job("usa", started_at=NOW)
        claims = {name: lifecycle.claim(job_id, holder, NOW, lease=timedelta(seconds=30),
                                        max_losses=3)
                  for name, job_id in (("fresh", fresh), ("requeued", requeued),
                                       ("older", older))}
        assert {name: (c.reason, c.first_attempt) for name, c in claims.items()} == {
            "fresh": ("taken", True), "requeued": ("taken", False), "older": ("taken", False)}


class OnePageSource:
    name = "sample"

    def __init__(self, tweets):
        self.tweets = tweets

    def fetch_page(self, hashtag, *, page_size, since_id=None, page_token=None, lang=None):
        return Page(tweets=self.tweets[:page_size], next_token=None)


def test_stored_text_is_unescaped_and_duplicates_in_a_page_are_stored_once(app, score):
    tweet = FetchedTweet(source_id="7", username="someone", text="Fish &amp; chips &lt;3 #food",
                         created_at=NOW)
    with app.app_context():
        job_id = make_job("food")
        pipeline.run_job(job_id, source=OnePageSource([tweet, tweet]), score=score,
                         model_version="t")
        stored = db.session.scalars(select(Tweet)).all()
        assert [t.text for t in stored] == ["Fish & chips <3 #food"]
        assert db.session.get(Job, job_id).total == 1


def test_posts_scored_by_an_earlier_model_are_scored_again_when_seen(app):
    # No silent mixing after a model upgrade: a job's figures come from one model version.
    from tests.tracking.conftest import score_all_negative, score_by_length

    with app.app_context():
        before = make_job("tbt", limit=30)
        pipeline.run_job(before, source=sample_at(NOW), score=score_by_length,
                         model_version="old-model")
        old = db.session.get(Job, before)
        old_counts = (old.negative, old.neutral, old.positive)
        after = make_job("tbt", limit=30)
        pipeline.run_job(after, source=sample_at(NOW), score=score_all_negative,
                         model_version="new-model")
        job = db.session.get(Job, after)
        assert (job.negative, job.neutral, job.positive) == (30, 0, 0)
        assert job.model_version == "new-model"
        versions = set(db.session.scalars(select(Tweet.model_version)))
        assert versions == {"new-model"} and count(Tweet) == 30
        earlier = db.session.get(Job, before)  # the earlier run keeps what it reported
        assert (earlier.negative, earlier.neutral, earlier.positive) == old_counts
        assert earlier.model_version == "old-model"


def test_a_post_with_a_broken_emoji_is_stored_with_a_replacement_character(database_app):
    # A lone UTF-16 surrogate (half of an emoji's pair, as a source that cuts text by code
    # units sends it) cannot be stored by either database; it must not fail the whole job.
    from tests.tracking.conftest import score_by_length

    broken = FetchedTweet(source_id="8", username="half\ud83d", text="great day \ud83d &amp; more",
                          created_at=NOW, content_warning="cw \udca9", lang="en")
    fine = FetchedTweet(source_id="9", username="someone", text="a fine day", created_at=NOW,
                        lang="en")
    with database_app.app_context():
        job_id = make_job("food")
        outcome = pipeline.run_job(job_id, source=OnePageSource([broken, fine]),
                                   score=score_by_length, model_version="t")
        assert outcome.status == "done" and outcome.total == 2
        stored = db.session.scalars(select(Tweet).order_by(Tweet.source_id)).all()
        assert [(t.text, t.username, t.content_warning) for t in stored] == [
            ("great day \ufffd & more", "half\ufffd", "cw \ufffd"),
            ("a fine day", "someone", None)]
