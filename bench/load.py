"""Load test: a burst of N job submissions through gunicorn, then the queue drained by workers.

Brings up its own stack on loopback only: a private redis-server, a fresh PostgreSQL database,
gunicorn (as in the Procfile) and one Celery worker with ``--workers`` pool processes. Then:

1. ``--jobs`` POST /api/jobs from ``--threads`` client threads, as fast as they go (the rate
   limit is raised through the environment, not switched off);
2. meanwhile and afterwards, one thread keeps reading GET /api/jobs/<id> of accepted jobs;
3. waits until no job is queued or running (bounded by ``--drain-timeout``);
4. checks that every accepted job is done and that each job's totals equal its linked tweets.

Prints requests/s, latency percentiles, drain time, GET-under-load latency and the checks;
the last line is JSON. Everything is bounded in count and time and stops by itself.

    python bench/load.py [--jobs 10000] [--threads 16] [--workers 2] [--limit 20]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from tests.support.env import temporary_postgres_database  # noqa: E402
from tests.support.faults import PrivateRedis, free_port, wait_until  # noqa: E402
from tests.support.processes import (  # noqa: E402
    VENV_BIN,
    ManagedProcess,
    start_worker,
    upgrade_database,
)
from worker.sources.sample import popular_hashtags  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_summary(values: list[float]) -> dict[str, float]:
    return {f"p{int(q * 100)}_ms": round(percentile(values, q) * 1000, 1)
            for q in (0.5, 0.9, 0.95, 0.99)} | {
        "max_ms": round(max(values, default=float("nan")) * 1000, 1), "count": len(values)}


class Burst:
    """N submissions shared among client threads; each thread keeps one HTTP connection."""

    def __init__(self, base_url: str, jobs: int, threads: int, hashtags: list[str],
                 limit: int) -> None:
        self.base_url, self.jobs, self.threads = base_url, jobs, threads
        self.hashtags, self.limit = hashtags, limit
        self.latencies: list[float] = []
        self.statuses: Counter[int | str] = Counter()
        self.accepted: list[int] = []
        self._next = 0
        self._lock = threading.Lock()

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= self.jobs:
                return None
            self._next += 1
            return self._next - 1

    def _client(self) -> None:
        session = requests.Session()
        while (index := self._take()) is not None:
            body = {"hashtag": self.hashtags[index % len(self.hashtags)], "limit": self.limit}
            started = time.perf_counter()
            try:
                response = session.post(f"{self.base_url}/api/jobs", json=body, timeout=30)
                status: int | str = response.status_code
            except requests.RequestException as exc:
                response, status = None, type(exc).__name__
            elapsed = time.perf_counter() - started
            with self._lock:
                self.latencies.append(elapsed)
                self.statuses[status] += 1
                if response is not None and status == 202:
                    self.accepted.append(response.json()["id"])

    def run(self) -> float:
        workers = [threading.Thread(target=self._client) for _ in range(self.threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.perf_counter() - started


class StatusReader(threading.Thread):
    """GET /api/jobs/<id> of random accepted jobs, back to back, until stopped."""

    def __init__(self, base_url: str, burst: Burst) -> None:
        super().__init__(daemon=True)
        self.base_url, self.burst = base_url, burst
        self.phase = "burst"
        self.latencies: dict[str, list[float]] = {"burst": [], "drain": []}
        self.errors = 0
        self._halt = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        while not self._halt.is_set():
            with self.burst._lock:
                job_id = random.choice(self.burst.accepted) if self.burst.accepted else None
            if job_id is None:
                time.sleep(0.05)
                continue
            started = time.perf_counter()
            try:
                ok = session.get(f"{self.base_url}/api/jobs/{job_id}", timeout=30).ok
            except requests.RequestException:
                ok = False
            self.latencies[self.phase].append(time.perf_counter() - started)
            self.errors += not ok
            time.sleep(0.02)

    def stop(self) -> None:
        self._halt.set()
        self.join(10)


def unfinished(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")).scalar_one()


def verify(engine, accepted: list[int]) -> dict:
    """Every accepted job done, and each job's totals equal to the tweets linked to it."""
    with engine.connect() as connection:
        statuses = dict(connection.execute(text(
            "SELECT status, count(*) FROM jobs GROUP BY status")).all())
        (rows,) = connection.execute(text("SELECT count(*) FROM jobs")).one()
        mismatched = connection.execute(text("""
            SELECT count(*) FROM jobs j
            LEFT JOIN (SELECT job_id, count(*) AS n FROM job_tweets GROUP BY job_id) l
                   ON l.job_id = j.id
            WHERE j.positive + j.neutral + j.negative <> coalesce(l.n, 0)
               OR j.scored <> coalesce(l.n, 0)""")).scalar_one()
        (sum_totals, links) = connection.execute(text("""
            SELECT (SELECT coalesce(sum(positive + neutral + negative), 0) FROM jobs),
                   (SELECT count(*) FROM job_tweets)""")).one()
        (tweets, distinct) = connection.execute(text(
            "SELECT count(*), count(DISTINCT (source, source_id)) FROM tweets")).one()
        done = connection.execute(text(
            "SELECT count(*) FROM jobs WHERE status = 'done' AND id = ANY(:ids)"),
            {"ids": accepted}).scalar_one()
    return {
        "job_rows": rows, "statuses": statuses, "accepted_done": done,
        "all_accepted_done": done == len(accepted) and rows == len(accepted),
        "jobs_with_wrong_totals": mismatched, "sum_of_job_totals": int(sum_totals),
        "job_tweet_links": links, "totals_match": mismatched == 0 and sum_totals == links,
        "tweets_stored": tweets, "tweets_stored_twice": tweets - distinct,
    }


def start_gunicorn(settings: dict[str, str], log_dir: Path, port: int,
                   web_workers: int) -> ManagedProcess:
    web = ManagedProcess("gunicorn", [
        str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(web_workers),
        "--worker-class", "gthread", "--threads", "8", "webapp:create_app()"], settings, log_dir)
    wait_until(lambda: _answers(f"http://127.0.0.1:{port}/api/jobs?per_page=1"), timeout=60,
               what="gunicorn answering")
    return web


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="Celery pool processes")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--limit", type=int, default=20, help="tweets per job")
    parser.add_argument("--hashtags", type=int, default=50, help="distinct hashtags used")
    parser.add_argument("--drain-timeout", type=float, default=3600.0)
    args = parser.parse_args()

    hashtags = [tag for tag, _count in popular_hashtags()[: args.hashtags]]
    with ExitStack() as stack:
        base_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tagpulse-load-")))
        log_dir = base_dir / "logs"
        log_dir.mkdir()
        broker = PrivateRedis(log_dir)
        broker.start()
        stack.callback(broker.kill)
        database_url = stack.enter_context(temporary_postgres_database())
        settings = {
            "TAGPULSE_INSTANCE_PATH": str(base_dir / "instance"),
            "DATABASE_URL": database_url, "REDIS_URL": broker.url,
            "RATELIMIT_ENABLED": "1", "JOB_SUBMIT_RATE_LIMIT": "1000000/minute",
            "WEB_CONCURRENCY": str(args.web_workers),
        }
        upgrade_database(settings)
        worker = start_worker(settings, log_dir, name="load-worker", concurrency=args.workers)
        stack.callback(worker.stop)
        port = free_port()
        web = start_gunicorn(settings, log_dir, port, args.web_workers)
        stack.callback(web.stop)
        engine = create_engine(_pg_url(database_url))
        stack.callback(engine.dispose)

        base_url = f"http://127.0.0.1:{port}"
        burst = Burst(base_url, args.jobs, args.threads, hashtags, args.limit)
        reader = StatusReader(base_url, burst)
        reader.start()
        started = time.monotonic()
        burst_seconds = burst.run()
        burst_done = time.monotonic()
        reader.phase = "drain"
        waiting_at_burst_end = unfinished(engine)
        deadline = burst_done + args.drain_timeout
        while (left := unfinished(engine)) and time.monotonic() < deadline:
            time.sleep(1.0)
        drained = time.monotonic()
        reader.stop()
        checks = verify(engine, burst.accepted)

    submitted = sum(burst.statuses.values())
    result = {
        "jobs": args.jobs, "threads": args.threads, "celery_processes": args.workers,
        "gunicorn_processes": args.web_workers, "tweets_per_job": args.limit,
        "submit_statuses": {str(k): v for k, v in burst.statuses.items()},
        "accepted": len(burst.accepted),
        "submit_seconds": round(burst_seconds, 2),
        "submit_requests_per_s": round(submitted / burst_seconds, 1),
        "submit_latency": latency_summary(burst.latencies),
        "unfinished_at_burst_end": waiting_at_burst_end,
        "drained": left == 0,
        "drain_seconds_after_burst": round(drained - burst_done, 1),
        "first_submit_to_last_done_seconds": round(drained - started, 1),
        "jobs_per_s_end_to_end": round(len(burst.accepted) / (drained - started), 2),
        "status_get_latency_during_burst": latency_summary(reader.latencies["burst"]),
        "status_get_latency_during_drain": latency_summary(reader.latencies["drain"]),
        "status_get_errors": reader.errors,
        **checks,
    }
    print(f"submitted {submitted} jobs from {args.threads} threads in {burst_seconds:.1f} s: "
          f"{result['submit_requests_per_s']} req/s, statuses {result['submit_statuses']}")
    print(f"submit latency: {result['submit_latency']}")
    print(f"GET status during burst: {result['status_get_latency_during_burst']}")
    print(f"GET status during drain: {result['status_get_latency_during_drain']}")
    print(f"queue drained: {result['drained']} — {result['drain_seconds_after_burst']} s after "
          f"the burst, {result['first_submit_to_last_done_seconds']} s from the first submit "
          f"({result['jobs_per_s_end_to_end']} jobs/s end to end)")
    print(f"checks: all accepted done={checks['all_accepted_done']} statuses={checks['statuses']}"
          f" totals match={checks['totals_match']} tweets stored twice="
          f"{checks['tweets_stored_twice']}")
    print(json.dumps(result))


def _pg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


if __name__ == "__main__":
    main()
