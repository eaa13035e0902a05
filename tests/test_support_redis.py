"""The test support's Redis databases: a stack kept for the whole session (``stack`` in
conftest) and a test's own stack must never share one, or each flushes the other's queue and
one's worker takes the other's jobs (seen as recovery tests failing only after the worker
tests had started the shared stack)."""

from __future__ import annotations

import redis

from tests.support.env import temporary_redis_db


def test_databases_held_at_once_are_distinct_and_each_is_flushed_only_for_itself() -> None:
    with temporary_redis_db() as outer:
        redis.Redis.from_url(outer).set("kept", "1")
        with temporary_redis_db() as inner:
            assert inner != outer
            redis.Redis.from_url(inner).set("inner", "1")
        # Leaving the inner database flushed it, not the outer one.
        assert redis.Redis.from_url(outer).get("kept") == b"1"
        assert redis.Redis.from_url(inner).get("inner") is None


def test_a_released_database_is_taken_again() -> None:
    with temporary_redis_db() as first:
        pass
    with temporary_redis_db() as again:
        assert again == first
