"""Redis restarted (kill -9, no persistence) while jobs are queued and running: the queued
messages are gone, yet every accepted job reaches done, re-sent from its row by the reaper."""

from __future__ import annotations

import time

import pytest

from tests.faults.conftest import SLOW_POSTS, SLOW_TAGS, assert_no_token_in_logs
from tests.support.faults import fault_stack, wait_until

pytestmark = pytest.mark.slow

HASHTAGS = ["love", "maga", "tbt", "usa", "family", "california", "repost", "losangeles"]


def test_jobs_accepted_before_and_during_a_redis_restart_all_complete(tmp_path, slow_mastodon):
    # Rate limiting on, stored in the same Redis: submissions must not depend on it being up.
    with fault_stack(tmp_path, RATELIMIT_ENABLED="1", JOB_SUBMIT_RATE_LIMIT="10000/minute",
                     MASTODON_INSTANCES=slow_mastodon.url) as stack:
        stack.add_worker("worker")
        stack.add_beat()
        # The first job comes from the slow Mastodon server (conftest, ~4 s): it is still
        # running, and the sample jobs behind it still queued, when Redis dies. A sample job
        # alone can be done between two polls.
        job_ids = [stack.submit(SLOW_TAGS[0], limit=SLOW_POSTS, source="mastodon")]
        job_ids += [stack.submit(tag, limit=300) for tag in HASHTAGS]
        wait_until(lambda: stack.job(job_ids[0])["status"] == "running", timeout=60,
                   what="first job running")
        assert stack.redis.queue_length() > 0, "jobs should still be waiting in the queue"

        stack.redis.kill()
        started = time.monotonic()
        during = stack.client().post("/api/jobs", json={"hashtag": "semst", "limit": 100})
        assert during.status_code == 202, during.get_data(as_text=True)
        assert time.monotonic() - started < 10, "a submission waited on the dead broker"
        job_ids.append(during.get_json()["id"])
        assert stack.client().get(f"/api/jobs/{job_ids[0]}").status_code == 200
        time.sleep(2)
        stack.redis.start()  # empty: every queued message was lost

        for job_id in job_ids:
            job = stack.wait_for_job(job_id, timeout=180)
            assert job["status"] == "done", job
        (rows, distinct) = stack.query(
            "SELECT count(*), count(DISTINCT (source, source_id)) FROM tweets")[0]
        assert rows == distinct
        assert stack.query("SELECT count(*) FROM jobs WHERE status NOT IN ('done')")[0][0] == 0
        assert_no_token_in_logs(stack)
