"""Recovery after a worker dies, on both stacks: kill -9 of the whole worker, kill -9 of its pool
children only, and a stop (SIGTERM, then SIGKILL 5 s later, as honcho does on Ctrl-C).

A backlog of jobs is running when the worker goes; a replacement starts 2 s later (as
``deploy/respawn`` does; the pool-children case needs none, Celery forks new ones). Every job
must end done, each post stored once and every count exact, and the jobs that were in flight
must be taken up again within 60 s of the kill (before: about 4 minutes, waiting for a 60 s
lease and a 3-minute reaper). The measured times are printed for RELIABILITY.md.
"""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from tests.faults.conftest import SLOW_POSTS, SLOW_TAGS
from tests.support.faults import wait_until
from tests.support.processes import start_beat, start_worker
from tests.support.stack import STACK_KINDS, running_stack

pytestmark = pytest.mark.slow

JOBS = 8
LIMIT = SLOW_POSTS  # from the slow Mastodon server (conftest): ~4 s a job, in flight at the kill
HASHTAGS = SLOW_TAGS
RECOVERY_BOUND = 60.0


def kill_worker(worker, how: str) -> None:
    if how == "kill -9 worker":
        worker.kill(signal.SIGKILL)
    elif how == "kill -9 pool children":
        for child in psutil.Process(worker.process.pid).children():
            os.kill(child.pid, signal.SIGKILL)
    else:  # a stop: SIGTERM, and SIGKILL for whatever is left after 5 s
        worker.kill(signal.SIGTERM)
        try:
            worker.process.wait(5)
        except Exception:  # noqa: BLE001 - still running: cut it short like honcho
            worker.kill(signal.SIGKILL)


def running_jobs(stack) -> dict[int, str]:
    from sqlalchemy import text

    from core.db import db

    with stack.app.app_context():
        try:
            rows = db.session.execute(text(
                "SELECT id, lease_owner FROM jobs WHERE status = 'running'")).all()
            return {row.id: row.lease_owner for row in rows}
        finally:
            db.session.remove()


def check_counts(stack, job_ids: list[int]) -> None:
    from sqlalchemy import text

    from core.db import db

    with stack.app.app_context():
        try:
            rows, distinct = db.session.execute(text(
                "SELECT count(*), count(DISTINCT source || ':' || source_id) FROM tweets")).one()
            assert rows == distinct, "a post was stored twice"
            for job_id in job_ids:
                linked = db.session.execute(text(
                    "SELECT count(*) FROM job_tweets WHERE job_id = :j"), {"j": job_id}).scalar()
                job = stack.job(job_id)
                assert job["status"] == "done", job
                assert sum(job["counts"].values()) == linked == job["progress"]["fetched"]
        finally:
            db.session.remove()


@pytest.mark.parametrize("how", ["kill -9 worker", "kill -9 pool children", "SIGTERM"])
@pytest.mark.parametrize("kind", STACK_KINDS)
def test_jobs_of_a_worker_that_died_are_taken_up_within_a_minute(tmp_path, kind, how,
                                                                 slow_mastodon):
    with running_stack(kind, tmp_path, with_worker=False,
                       extra_settings={"MASTODON_INSTANCES": slow_mastodon.url}) as stack:
        settings = {**stack.settings, "WORKER_CONCURRENCY": "2"}
        beat = start_beat(settings, stack.log_dir)
        worker = start_worker(settings, stack.log_dir, name="doomed", concurrency=2)
        try:
            job_ids = [stack.submit(HASHTAGS[i % len(HASHTAGS)], limit=LIMIT, source="mastodon")
                       for i in range(JOBS)]
            in_flight = wait_until(lambda: running_jobs(stack), timeout=90,
                                   what="jobs under way")
            killed_at = time.monotonic()
            kill_worker(worker, how)
            replacement = None
            if how != "kill -9 pool children":
                time.sleep(2)
                replacement = start_worker(settings, stack.log_dir, name="replacement",
                                           concurrency=2)

            def taken_up() -> bool:
                now = running_jobs(stack)
                return all(stack.job(j)["status"] == "done"
                           or (j in now and now[j] != in_flight[j]) for j in in_flight)

            wait_until(taken_up, timeout=RECOVERY_BOUND, interval=0.2,
                       what="in-flight jobs taken up again")
            recovered = time.monotonic() - killed_at
            for job_id in job_ids:
                stack.wait_for_job(job_id, timeout=180)
            all_done = time.monotonic() - killed_at
            check_counts(stack, job_ids)
            print(f"\nrecovery [{kind}, {how}]: {len(in_flight)} in-flight job(s) taken up "
                  f"again {recovered:.1f} s after the kill; all {JOBS} jobs of {LIMIT} posts "
                  f"done {all_done:.1f} s after it")
        finally:
            for process in (worker, beat, *([replacement] if replacement else [])):
                process.stop()
