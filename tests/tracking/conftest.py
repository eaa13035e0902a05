"""Fixtures for tracking: a movable clock, trackers, and the app on SQLite or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.support.apps import fresh_app
from tests.support.env import temporary_postgres_database

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Clock:
    """A clock tests move by hand; call it for the time."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass(frozen=True)
class FakePrediction:
    label: str
    score: float
    probs: dict[str, float]


def score_by_length(texts):
    """A deterministic stand-in for the model: the label follows the text's length."""
    labels = ("negative", "neutral", "positive")
    out = []
    for t in texts:
        label = labels[len(t) % 3]
        probs = {name: (0.8 if name == label else 0.1) for name in labels}
        out.append(FakePrediction(label, probs["positive"] + 0.5 * probs["neutral"], probs))
    return out


def score_all_negative(texts):
    probs = {"negative": 0.9, "neutral": 0.05, "positive": 0.05}
    return [FakePrediction("negative", 0.075, probs) for _ in texts]


@pytest.fixture(scope="session")
def postgres_app(tmp_path_factory):
    """One app on a throwaway PostgreSQL database for the session; tables emptied per test."""
    with temporary_postgres_database() as url, fresh_app(
            tmp_path_factory.mktemp("pg-instance"), {"WTF_CSRF_ENABLED": False},
            env={"DATABASE_URL": url}) as app:
        yield app


def empty_tables(app) -> None:
    from core.db import db

    with app.app_context():
        db.session.execute(text(
            "TRUNCATE alert_deliveries, alerts, hashtag_hours, hashtag_posts, job_tweets, tweets, "
            "jobs, trackers RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request):
    """The app on each database tagpulse supports: dispatch must hold on both."""
    if request.param == "sqlite":
        return request.getfixturevalue("app")
    app = request.getfixturevalue("postgres_app")
    empty_tables(app)
    return app


def add_tracker(hashtag: str = "python", *, now: datetime = T0, **fields):
    """Create a tracker through the service (as the API does) and return its id."""
    from webapp.trackers import TrackerRequest, create_tracker

    request = TrackerRequest(hashtag=hashtag, **fields)
    return create_tracker(request, now=now).id
