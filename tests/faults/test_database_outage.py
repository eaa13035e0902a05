"""PostgreSQL briefly unreachable (a proxy in front of it is cut, then restored): the API says
503 with a clear message, never a stack trace; the worker's job is retried and completes."""

from __future__ import annotations

import time

import pytest

from tests.faults.conftest import SLOW_POSTS, SLOW_TAGS, assert_no_token_in_logs
from tests.support.faults import fault_stack, wait_until

pytestmark = pytest.mark.slow


def test_api_answers_503_while_the_database_is_away_and_the_job_still_completes(
        tmp_path, slow_mastodon):
    # STALE_JOB_SECONDS high: the worker's own retry must bring the job back, not the reaper.
    # The slow Mastodon server (conftest) keeps the job running when the database goes.
    with fault_stack(tmp_path, proxy_database=True, STALE_JOB_SECONDS="600",
                     MASTODON_INSTANCES=slow_mastodon.url) as stack:
        stack.add_worker("worker")
        stack.add_beat()
        job_id = stack.submit(SLOW_TAGS[0], limit=SLOW_POSTS, source="mastodon")
        wait_until(lambda: stack.job(job_id)["progress"]["fetched"] >= 100, timeout=90,
                   what="job under way")

        stack.db_proxy.cut()
        client = stack.client()
        for method, path, body in [("GET", f"/api/jobs/{job_id}", None),
                                   ("GET", "/api/jobs", None),
                                   ("POST", "/api/jobs", {"hashtag": "python"})]:
            started = time.monotonic()
            response = client.open(path, method=method, json=body)
            assert response.status_code == 503, (path, response.get_data(as_text=True))
            assert "database is unavailable" in response.get_json()["error"]
            assert time.monotonic() - started < 10
        page = client.get("/")
        assert page.status_code == 503
        assert "Traceback" not in page.get_data(as_text=True)
        assert "unavailable" in page.get_data(as_text=True)
        time.sleep(5)  # long enough for the worker to hit the outage mid-job

        stack.db_proxy.restore()
        wait_until(lambda: client.get(f"/api/jobs/{job_id}").status_code == 200, timeout=20,
                   what="API back")
        job = stack.wait_for_job(job_id, timeout=180)
        assert job["status"] == "done", job
        assert "database unavailable during job" in stack.logs()
        assert job["progress"]["total"] == 1000
        (linked,) = stack.query("SELECT count(*) FROM job_tweets WHERE job_id = :j", j=job_id)[0]
        (rows, distinct) = stack.query(
            "SELECT count(*), count(DISTINCT (source, source_id)) FROM tweets")[0]
        assert linked == 1000 and rows == distinct
        assert_no_token_in_logs(stack)


def test_a_database_that_stops_answering_gives_503_in_seconds_not_a_hang(tmp_path):
    # Connections accepted but never answered: without a connect timeout every request waits
    # for the operating system to give up on TCP (minutes), and the web workers run out.
    with fault_stack(tmp_path, proxy_database=True) as stack:
        client = stack.client()
        assert client.get("/api/jobs").status_code == 200
        stack.db_proxy.stall()
        started = time.monotonic()
        response = client.get("/api/jobs")
        elapsed = time.monotonic() - started
        assert response.status_code == 503, response.get_data(as_text=True)
        assert "database is unavailable" in response.get_json()["error"]
        assert elapsed < 15
        stack.db_proxy.restore()
        wait_until(lambda: client.get("/api/jobs").status_code == 200, timeout=20,
                   what="API back")
