"""Home page benchmark: "Latest analyses" after months of tracked runs, with and without the
partial index of results (migration 0009), in the same run.

A tracker every minute with nothing new adds 1,440 runs a day that are not results; a failing
one as many failed runs. The home page lists the newest results, on every view and on every
refresh of an open page. Loaded per backend: ``--results`` analyses (default 1,000), then
``--runs`` tracked runs after them (default 100,000: a tenth failed, the rest with nothing new).
Reported per backend: the median of the read alone (``latest_results``, 200 calls) and of the
whole home page (``GET /`` through the app, 20 calls), first with the index, then with it
dropped (the read then walks the index of every job, newest first, past every run). Last line:
JSON.

    python bench/latest.py [--runs 100000] [--results 1000] [--backends sqlite,postgresql]
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
from bench.machine import describe, describe_line  # noqa: E402
from core.db import db  # noqa: E402
from webapp.jobs import latest_results  # noqa: E402
from webapp.pages.home import LATEST  # noqa: E402

INDEX = "ix_jobs_results_created_at_id"
SERIES = {
    "postgresql": "SELECT g AS i FROM generate_series(1, {n}) AS g",
    "sqlite": ("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
               "SELECT i FROM s"),
}
# Minutes after 2026-01-01 00:00 UTC.
MINUTE = {
    "postgresql": "TIMESTAMPTZ '2026-01-01 00:00:00+00' + ({m}) * INTERVAL '1 minute'",
    "sqlite": "datetime(1767225600 + ({m}) * 60, 'unixepoch')",
}
COLUMNS = ("hashtag, hashtag_key, source, tweet_limit, lang, status, fetched, scored, positive, "
           "neutral, negative, attempts, worker_losses, skipped_language, tracker_id, "
           "scheduled_for, since_id, error, created_at, finished_at")


def load(dialect: str, results: int, runs: int) -> float:
    """The analyses, one a minute, then the tracker's runs, one a minute after them: a tenth
    failed (its source unreachable), the rest done with nothing new."""
    start = time.perf_counter()
    db.session.execute(text(
        "INSERT INTO trackers (hashtag, hashtag_key, source, interval_minutes, tweet_limit, lang, "
        "enabled, created_at, updated_at) VALUES ('bench', 'bench', 'sample', 1, 100, 'en', "
        f"{'true' if dialect == 'postgresql' else '1'}, "
        f"{MINUTE[dialect].format(m=0)}, {MINUTE[dialect].format(m=0)})"))
    tracker_id = db.session.execute(text("SELECT max(id) FROM trackers")).scalar()
    at = MINUTE[dialect].format(m="i")
    db.session.execute(text(
        f"INSERT INTO jobs ({COLUMNS}) SELECT 'love', 'love', 'sample', 100, 'en', 'done', 100, "
        f"100, 60, 10, 30, 1, 0, 0, NULL, NULL, NULL, NULL, {at}, {at} "
        f"FROM ({SERIES[dialect].format(n=results)}) AS s"))
    later = MINUTE[dialect].format(m=f"{results} + i")
    db.session.execute(text(
        f"INSERT INTO jobs ({COLUMNS}) SELECT 'bench', 'bench', 'sample', 100, 'en', "
        "CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'done' END, 0, 0, 0, 0, 0, 1, 0, 0, "
        f"{tracker_id}, {later}, '5', "
        "CASE WHEN i % 10 = 0 THEN 'The tweet source is unavailable.' ELSE NULL END, "
        f"{later}, {later} FROM ({SERIES[dialect].format(n=runs)}) AS s"))
    db.session.commit()
    db.session.execute(text("ANALYZE" if dialect == "sqlite" else "ANALYZE jobs"))
    db.session.commit()
    return time.perf_counter() - start


def median_ms(call, times: int) -> float:
    call()  # warm: compiled statements, plans, caches
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 3)


def measure(client) -> dict:
    rows = latest_results(LATEST)
    assert [row.hashtag for row in rows] == ["love"] * LATEST, "the newest results are listed"
    return {"read_ms": median_ms(lambda: latest_results(LATEST), 200),
            "home_page_ms": median_ms(lambda: client.get("/"), 20)}


def run_backend(dialect: str, results: int, runs: int) -> dict:
    with app_on(dialect) as app:
        client = app.test_client()
        with app.app_context():
            load_s = load(dialect, results, runs)
            indexed = measure(client)
            db.session.execute(text(f"DROP INDEX {INDEX}"))
            db.session.commit()
            db.session.remove()
            without = measure(client)
            db.session.remove()
        return {"backend": dialect, "results": results, "runs_after": runs,
                "load_s": round(load_s, 1), "with_index": indexed, "without_index": without,
                "read_speedup": round(without["read_ms"] / indexed["read_ms"], 1),
                "home_page_speedup": round(without["home_page_ms"] / indexed["home_page_ms"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--results", type=int, default=1_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    found = []
    for dialect in args.backends.split(","):
        result = run_backend(dialect, args.results, args.runs)
        found.append(result)
        print(f"{dialect}: {args.results:,} analyses, then {args.runs:,} tracked runs that are "
              f"not results (loaded in {result['load_s']} s)")
        for name, key in (("latest analyses read", "read_ms"), ("home page", "home_page_ms")):
            print(f"  {name:<22} with the index {result['with_index'][key]:>9} ms   "
                  f"without (baseline) {result['without_index'][key]:>9} ms")
        print(f"  read {result['read_speedup']}x faster, home page "
              f"{result['home_page_speedup']}x faster with the index")
    machine = describe()
    print(describe_line(machine))
    print(json.dumps({"benchmark": "latest", "machine": machine, "results": found}))


if __name__ == "__main__":
    main()
