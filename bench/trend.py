"""Trend benchmark: a hashtag with N stored posts (default 1,000,000), answered by
``GET /api/tags/<tag>/trend`` on SQLite and PostgreSQL, against the baseline in the same run: the
same buckets counted straight from the posts (distinct tweets of the hashtag's jobs, grouped in
SQL), which is what the trend would cost without ``hashtag_hours``.

The posts span a year, 1,000 runs saw them and one in ten was seen by two runs. Reported per
backend: load time, median and max of 5 requests for each range, and the baseline. Last line: JSON.

    python bench/trend.py [--posts 1000000] [--backends sqlite,postgresql]
"""

# ruff: noqa: S608  (SQL built from this file's own constants and integers, never from input)
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.apps import app_on  # noqa: E402
from core.db import db  # noqa: E402

RUNS = 1000
REPEAT = 5
# 2025-11-26 00:00 UTC; posts every 365*24*3600/N seconds after it.
ORIGIN = 1764115200

SERIES = {
    "postgresql": "SELECT g AS i FROM generate_series(0, :n - 1) AS g",
    "sqlite": ("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < :n) "
               "SELECT i FROM s"),
}
TIME = {
    "postgresql": "to_timestamp({origin} + i * {step})",
    "sqlite": "datetime({origin} + i * {step}, 'unixepoch')",
}
HOUR = {
    "postgresql": "CAST(floor(extract(epoch from {col}) / 3600) AS BIGINT)",
    "sqlite": "CAST(strftime('%s', {col}) AS INTEGER) / 3600",
}
LABEL = "CASE i % 3 WHEN 0 THEN 'negative' WHEN 1 THEN 'neutral' ELSE 'positive' END"


def load(dialect: str, posts: int) -> float:
    """Posts, runs and links written in SQL (no Python loop), then the hashtag's index built the
    way migration 0004 builds it."""
    start = time.perf_counter()
    step = 365 * 24 * 3600 / posts
    series = SERIES[dialect]
    created = TIME[dialect].format(origin=ORIGIN, step=step)
    run_series = series.replace(":n", str(RUNS))
    db.session.execute(text(
        "INSERT INTO jobs (id, hashtag, hashtag_key, source, tweet_limit, status, fetched, "
        "scored, positive, neutral, negative, attempts, worker_losses, created_at) "
        f"SELECT i + 1, 'bench', 'bench', 'sample', 1000, 'done', 0, 0, 0, 0, 0, 1, 0, "
        f"{TIME[dialect].format(origin=ORIGIN, step=365 * 24 * 3600 / RUNS)} "
        f"FROM ({run_series}) AS s"))
    db.session.execute(text(
        "INSERT INTO tweets (id, source, source_id, username, text, created_at, label, score, "
        "prob_negative, prob_neutral, prob_positive, model_version, stored_at) "
        f"SELECT i + 1, 'sample', CAST(i AS VARCHAR(20)), 'u', 'post', {created}, {LABEL}, "
        f"(i % 100) / 100.0, 0, 0, 0, 'm', {created} FROM ({series}) AS s"), {"n": posts})
    per_run = posts // RUNS
    db.session.execute(text(
        "INSERT INTO job_tweets (job_id, tweet_id) "
        f"SELECT i / {per_run} + 1, i + 1 FROM ({series}) AS s"), {"n": posts})
    db.session.execute(text(  # one post in ten seen again by the next run
        "INSERT INTO job_tweets (job_id, tweet_id) "
        f"SELECT i / {per_run} + 2, i + 1 FROM ({series}) AS s "
        f"WHERE i % 10 = 0 AND i / {per_run} + 2 <= {RUNS}"), {"n": posts})
    db.session.execute(text(
        "INSERT INTO hashtag_posts (hashtag_key, tweet_id, source, created_at) "
        "SELECT DISTINCT j.hashtag_key, t.id, t.source, t.created_at FROM job_tweets jt "
        "JOIN jobs j ON j.id = jt.job_id JOIN tweets t ON t.id = jt.tweet_id"))
    hour = HOUR[dialect].format(col="p.created_at")
    db.session.execute(text(
        "INSERT INTO hashtag_hours (hashtag_key, source, hour, positive, neutral, negative, "
        f"score_sum) SELECT p.hashtag_key, p.source, {hour}, "
        "SUM(CASE WHEN t.label = 'positive' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.label = 'neutral' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.label = 'negative' THEN 1 ELSE 0 END), SUM(t.score) "
        f"FROM hashtag_posts p JOIN tweets t ON t.id = p.tweet_id GROUP BY p.hashtag_key, "
        f"p.source, {hour}"))
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return time.perf_counter() - start


def baseline_query(dialect: str, bucket_hours: int) -> str:
    """The same points counted from the posts themselves: distinct tweets of the tag's jobs."""
    hour = HOUR[dialect].format(col="t.created_at")
    bucket = f"({hour}) - (({hour}) % {bucket_hours})"
    return (
        f"SELECT {bucket} AS b, SUM(CASE WHEN t.label = 'positive' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.label = 'neutral' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.label = 'negative' THEN 1 ELSE 0 END), COUNT(*), AVG(t.score) "
        "FROM tweets t WHERE t.id IN (SELECT jt.tweet_id FROM job_tweets jt "
        "JOIN jobs j ON j.id = jt.job_id WHERE j.hashtag_key = 'bench') GROUP BY b ORDER BY b")


def timed(call) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def run_backend(dialect: str, posts: int) -> dict:
    with app_on(dialect) as app:
        client = app.test_client()
        with app.app_context():
            load_s = load(dialect, posts)
            ranges = {
                "all, by day": "bucket=day",
                "last 30 days, by day": "from=2026-10-27T00:00:00Z&to=2026-11-26T00:00:00Z",
                "last 7 days, by hour": "from=2026-11-19T00:00:00Z&to=2026-11-26T00:00:00Z"
                                        "&bucket=hour",
            }
            figures = {}
            for name, query in ranges.items():
                median, worst, response = timed(
                    lambda q=query: client.get(f"/api/tags/bench/trend?{q}"))
                body = response.get_json()
                figures[name] = {"median_ms": round(median, 1), "max_ms": round(worst, 1),
                                 "points": len(body["points"]),
                                 "posts": sum(p["total"] for p in body["points"])}
            base_median, base_max, rows = timed(
                lambda: db.session.execute(text(baseline_query(dialect, 24))).all())
            figures["baseline: all, by day, counted from the posts"] = {
                "median_ms": round(base_median, 1), "max_ms": round(base_max, 1),
                "points": len(rows), "posts": sum(r[4] for r in rows)}
            db.session.remove()
        return {"backend": dialect, "posts": posts, "load_s": round(load_s, 1),
                "requests": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = []
    for dialect in args.backends.split(","):
        result = run_backend(dialect, args.posts)
        results.append(result)
        print(f"{dialect}: {args.posts:,} posts loaded in {result['load_s']} s")
        for name, f in result["requests"].items():
            print(f"  {name:<48} median {f['median_ms']:>8} ms  max {f['max_ms']:>8} ms  "
                  f"{f['points']} points, {f['posts']:,} posts")
    print(json.dumps({"benchmark": "trend", "results": results}))


if __name__ == "__main__":
    main()
