"""Fixtures for the hostile-input and security tests: apps with CSRF on, a stand-in scorer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from tests.support.apps import fresh_app

FAKE_X_TOKEN = "AAAAAAAAAAAAAAAAAAAAASecurityTestTokenNeverShown%2Fzz9zz9zz9zz9"


def fake_scores(texts: list[str]) -> list[dict]:
    """What a model worker answers, without one: the web layer is under test, not the model."""
    return [{"label": "neutral", "score": 0.5,
             "probs": {"negative": 0.25, "neutral": 0.5, "positive": 0.25}} for _ in texts]


@contextmanager
def secured_app(instance: Path, **config) -> Iterator[Flask]:
    """The app as deployed (CSRF on), on a fresh SQLite, with the scorer replaced."""
    with pytest.MonkeyPatch.context() as patch, fresh_app(
            instance, {"SEED_WAIT_SECONDS": 0.2, "WIKIPEDIA_ENABLED": False, **config},
            env={"X_BEARER_TOKEN": FAKE_X_TOKEN}) as app:
        patch.setattr("webapp.api.predict.score_texts", fake_scores)
        patch.setattr("webapp.seed.score_texts", fake_scores)
        patch.setattr("webapp.pages.model.score_texts", fake_scores, raising=False)
        yield app


@pytest.fixture
def secure_app(tmp_path) -> Iterator[Flask]:
    with secured_app(tmp_path / "instance") as app:
        yield app


@pytest.fixture
def secure_client(secure_app):
    return secure_app.test_client()


@pytest.fixture(scope="module")
def module_app(tmp_path_factory) -> Iterator[Flask]:
    """One app for a whole module (the fuzzer sends thousands of requests to it)."""
    with secured_app(tmp_path_factory.mktemp("security") / "instance") as app:
        yield app


def seed_job(app: Flask, hashtag: str = "python", **fields) -> int:
    """A finished job with one stored tweet, written straight to the database."""
    from core.db import db
    from core.models import Job, JobTweet, Tweet, utcnow

    with app.app_context():
        now = utcnow()
        job = Job(hashtag=hashtag, hashtag_key=hashtag.lower(), source="sample", tweet_limit=10,
                  status="done", positive=1, fetched=1, scored=1, mean_score=0.9,
                  model_version="test", created_at=now, started_at=now, finished_at=now,
                  **fields)
        db.session.add(job)
        db.session.flush()
        tweet = Tweet(source="sample", source_id=str(job.id), username="someone",
                      text=f"I love #{hashtag}", url=None, created_at=now, label="positive",
                      score=0.9, prob_negative=0.05, prob_neutral=0.05, prob_positive=0.9,
                      model_version="test", stored_at=now)
        db.session.add(tweet)
        db.session.flush()
        db.session.add(JobTweet(job_id=job.id, tweet_id=tweet.id))
        db.session.commit()
        return job.id
