"""The default stack left running: ``honcho start`` on the Procfile, exactly as ``make run``
starts it (SQLite, the embedded Redis, gunicorn, a worker, beat), driven over HTTP for
SOAK_SECONDS (10 minutes by default): trackers every minute, bursts of submissions, a zero-byte
and a garbage message pushed onto the broker's queue, and the worker killed twice (kill -9 of
the whole worker, then of its pool processes).

At the end every process is still up, every job has ended, every accepted submission is done,
no post is stored twice and every job's counts equal its stored posts.
"""

from __future__ import annotations

import os
import time

import pytest
import requests

from tests.support.default_stack import DefaultStack
from tests.support.faults import wait_until

pytestmark = pytest.mark.slow

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
TRACKED = ("love", "usa", "news")
SUBMITTED = ("semst", "tbt", "music", "job", "maga", "california", "iphone", "happy")
BURST = 8
BURST_EVERY = 20.0  # 24 submissions a minute: inside the default limit of 30 per client


def post(stack: DefaultStack, path: str, body: dict) -> requests.Response:
    return requests.post(f"{stack.url}{path}", json=body, timeout=30)


def get(stack: DefaultStack, path: str) -> dict:
    response = requests.get(f"{stack.url}{path}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def all_jobs(stack: DefaultStack) -> list[dict]:
    jobs, page = [], 1
    while True:
        body = get(stack, f"/api/jobs?per_page=100&page={page}")
        jobs += body["results"]
        if page >= body["pages"]:
            return jobs
        page += 1


def kill_whole_worker(stack: DefaultStack) -> None:
    main = stack.worker_main()
    victims = [main, *main.children(recursive=True)]
    for process in victims:
        process.kill()


def kill_pool_processes(stack: DefaultStack) -> None:
    for process in stack.worker_main().children():
        process.kill()


def test_the_default_stack_keeps_going_through_faults(tmp_path):
    stack = DefaultStack(tmp_path)
    try:
        stack.start()
        for tag in TRACKED:
            response = post(stack, "/api/trackers", {"hashtag": tag, "interval_minutes": 1,
                                                     "limit": 50})
            assert response.status_code == 201, response.text
        faults = [(0.25, "garbage"), (0.35, "kill worker"), (0.65, "kill pool")]
        accepted: list[int] = []
        refused = 0
        started = time.monotonic()
        next_burst = started
        while (elapsed := time.monotonic() - started) < SOAK_SECONDS:
            if faults and elapsed >= faults[0][0] * SOAK_SECONDS:
                _, fault = faults.pop(0)
                if fault == "garbage":
                    stack.broker().lpush("celery", b"", b"garbage{not json")
                elif fault == "kill worker":
                    kill_whole_worker(stack)
                else:
                    kill_pool_processes(stack)
            if time.monotonic() >= next_burst:
                for i in range(BURST):
                    response = post(stack, "/api/jobs", {
                        "hashtag": SUBMITTED[(len(accepted) + i) % len(SUBMITTED)],
                        "limit": 100 + 50 * (i % 5)})
                    if response.status_code == 202:
                        accepted.append(response.json()["id"])
                    else:
                        assert response.status_code == 429, response.text
                        refused += 1
                next_burst += BURST_EVERY
            time.sleep(0.5)
        for tracker in get(stack, "/api/trackers")["results"]:
            requests.patch(f"{stack.url}/api/trackers/{tracker['id']}",
                           json={"enabled": False}, timeout=30)

        def every_job_ended() -> bool:
            return all(job["status"] in ("done", "failed") for job in all_jobs(stack))

        wait_until(every_job_ended, timeout=180, interval=2, what="every job ended")
        jobs = all_jobs(stack)
        by_id = {job["id"]: job for job in jobs}
        tracked_runs = [job for job in jobs if job["tracker_id"] is not None]

        # Nothing lost: every accepted submission finished, and finished well.
        assert all(by_id[job_id]["status"] == "done" for job_id in accepted), [
            by_id[j] for j in accepted if by_id[j]["status"] != "done"]
        assert all(job["status"] == "done" for job in tracked_runs)
        assert len(tracked_runs) >= len(TRACKED) * max(1, int(SOAK_SECONDS // 60) - 1)
        # Nothing double counted: counts equal the stored posts, each stored once.
        for job in jobs:
            linked = get(stack, f"/api/jobs/{job['id']}/tweets?per_page=1")["total"]
            assert sum(job["counts"].values()) == linked == job["progress"]["scored"], job
        log = stack.log()
        assert "dropped a malformed broker message" in log
        assert "respawn: worker exited" in log
        # Every process is still up: honcho, web, worker with its pool, beat, broker.
        assert stack.process.poll() is None
        assert stack.worker_main() is not None and stack.worker_main().children()
        assert stack.named("gunicorn") and stack.named("celery", "beat")
        assert stack.named("redis-server")
        print(f"\nsoak: {SOAK_SECONDS:.0f} s, {len(accepted)} submissions accepted "
              f"({refused} refused by the rate limit), {len(tracked_runs)} tracked runs, "
              f"{len(jobs)} jobs in all, every one ended; worker killed twice, two bad "
              f"messages dropped; all processes up")
    finally:
        stack.stop()
