"""Environments for the two ways tagpulse runs: embedded defaults and Redis + PostgreSQL."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
REPO_ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
            "TAGPULSE_INSTANCE_PATH", "RATELIMIT_STORAGE_URI", "SECRET_KEY", "X_BEARER_TOKEN",
            "AUTH_MODE", "HOST", "ALLOW_OPEN",
            "DEFAULT_SOURCE", "MASTODON_INSTANCES", "MASTODON_ACCESS_TOKEN", "BLUESKY_HANDLE",
            "BLUESKY_APP_PASSWORD", "BLUESKY_SERVICE_URL")


def embedded_env(instance: Path) -> dict[str, str]:
    return {"TAGPULSE_INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": "0"}


@contextmanager
def temporary_postgres_database():
    """A fresh PostgreSQL database for one test session, dropped afterwards."""
    name = f"tagpulse_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Redis databases this test process holds now. The session's shared stacks (``stack`` in
# conftest) keep theirs, worker included, while other tests bring up stacks of their own: two
# stacks on one database flushed each other's queues and one's worker took the other's jobs.
_REDIS_DBS_IN_USE: set[int] = set()
REDIS_TEST_DBS = range(1, 16)


@contextmanager
def temporary_redis_db():
    """A Redis logical database no one else in the test run uses, flushed before and after."""
    # Start at one picked by process id, so parallel sessions on one server rarely collide, and
    # take the next free one while this process already holds that.
    first = os.getpid() % len(REDIS_TEST_DBS)
    candidates = [REDIS_TEST_DBS[(first + i) % len(REDIS_TEST_DBS)]
                  for i in range(len(REDIS_TEST_DBS))]
    free = [number for number in candidates if number not in _REDIS_DBS_IN_USE]
    if not free:
        raise RuntimeError("every Redis test database is in use by this test process")
    number = free[0]
    _REDIS_DBS_IN_USE.add(number)
    url = f"{TEST_REDIS_URL}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        _REDIS_DBS_IN_USE.discard(number)


@contextmanager
def patched_environ(values: dict[str, str]):
    """Set tagpulse's settings for the duration, clearing the ones not given."""
    saved = {key: os.environ.get(key) for key in set(SETTINGS) | set(values)}
    for key in SETTINGS:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
