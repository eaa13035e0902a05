"""kill -9 a worker in the middle of a job: the job still completes, once, with every tweet
stored once; a job whose worker keeps dying is failed with the reason, never left running."""

from __future__ import annotations

import pytest

from tests.faults.conftest import SLOW_POSTS, SLOW_TAGS, assert_no_token_in_logs
from tests.support.faults import fault_stack, wait_until

pytestmark = pytest.mark.slow

BIG_JOB = SLOW_POSTS


def submit_big_job(stack) -> int:
    # From the slow Mastodon server (conftest): the job is still running when its worker dies.
    return stack.submit(SLOW_TAGS[0], limit=BIG_JOB, source="mastodon")


def job_progress(stack, job_id: int) -> dict:
    return stack.job(job_id)


def assert_stored_once(stack, job_id: int, expected: int) -> None:
    (linked,) = stack.query("SELECT count(*) FROM job_tweets WHERE job_id = :j", j=job_id)[0]
    (rows, distinct) = stack.query(
        "SELECT count(*), count(DISTINCT (source, source_id)) FROM tweets")[0]
    assert linked == expected
    assert rows == distinct == expected


def test_job_survives_its_worker_being_killed_mid_job(tmp_path, slow_mastodon):
    with fault_stack(tmp_path, MASTODON_INSTANCES=slow_mastodon.url) as stack:
        first = stack.add_worker("doomed")
        stack.add_beat()
        job_id = submit_big_job(stack)
        wait_until(lambda: job_progress(stack, job_id)["progress"]["fetched"] >= 100,
                   timeout=90, what="job under way")
        first.kill()
        killed_at = stack.job(job_id)
        assert killed_at["status"] == "running"
        assert killed_at["progress"]["fetched"] < BIG_JOB

        stack.add_worker("replacement")
        job = stack.wait_for_job(job_id, timeout=120)
        assert job["status"] == "done", job
        assert job["progress"] == {"fetched": BIG_JOB, "scored": BIG_JOB, "total": BIG_JOB}
        assert sum(job["counts"].values()) == BIG_JOB
        assert_stored_once(stack, job_id, BIG_JOB)
        (attempts,) = stack.query("SELECT attempts FROM jobs WHERE id = :j", j=job_id)[0]
        assert attempts >= 2
        assert_no_token_in_logs(stack)


def test_a_job_whose_worker_keeps_dying_is_failed_with_the_reason(tmp_path, slow_mastodon):
    with fault_stack(tmp_path, JOB_MAX_ATTEMPTS="1",
                     MASTODON_INSTANCES=slow_mastodon.url) as stack:
        first = stack.add_worker("doomed")
        stack.add_beat()
        job_id = submit_big_job(stack)
        wait_until(lambda: job_progress(stack, job_id)["progress"]["fetched"] >= 100,
                   timeout=90, what="job under way")
        first.kill()
        stack.add_worker("replacement")  # runs the reaper (from beat) and the redelivery
        job = stack.wait_for_job(job_id, timeout=120)
        assert job["status"] == "failed", job
        assert "stopped" in job["error"]
        # Nothing left half-done: no job is still running, and later deliveries change nothing.
        assert stack.query("SELECT count(*) FROM jobs WHERE status = 'running'")[0][0] == 0
        assert_no_token_in_logs(stack)
