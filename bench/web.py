"""Web throughput: the API and the pages under gunicorn against a bare Flask app, with wrk.

Brings up its own stack on loopback only: a private redis-server (broker and rate-limit
counters), a fresh database (PostgreSQL, or SQLite in a temporary file) migrated to head and
seeded in SQL with ``--jobs`` jobs and ``--posts`` posts over a few hundred hashtags, then
gunicorn as in the Procfile (2 workers x 8 gthread threads) serving tagpulse, and the same
gunicorn serving a bare Flask app that answers a small JSON. No Celery worker runs: submitted
jobs stay queued in Redis, as in the issue's measurement. Rate limiting is off by default, as in the
issue's measurement; ``--rate-limit on`` counts every limit in Redis as production does, with the
job-submission budget raised through the environment so nothing is refused.

Each request runs ``wrk -t2 -c16 -d<duration>``, right after a run of the bare app: its share
is its rate over that neighbouring baseline, so a machine that turns busy or quiet partway through
moves both. ``--rounds N`` repeats the whole sequence and reports the median share (of an even
number of rounds, the lower middle one).

Both runs of a pair must spread their work over both gunicorn workers. wrk's 16 keep-alive
connections go to whichever worker wins each accept race, and sometimes all of them land on
one: that worker then serves every request on one core while the other idles. Bare Flask gave
about 3,000 req/s that way and 8,000 with its connections spread, on the same machine minutes
apart, so a share taken over a lopsided baseline came out 2.7 times too high (and one over a
lopsided tagpulse run as much too low). Each run's split is read from the workers' CPU time; a
run where one worker did more than ``--max-worker-share`` of it is run again (up to
``--tries`` times) and said so. ``--split any`` takes every run as it comes, as this script
did before 2026-12-05. Before the first round, each request (and the bare app) is run once
for ``--warmup`` seconds, unmeasured and spread the same way, so that both workers have
compiled their templates and filled their caches. Prints, per request: req/s, p50 and p99
latency, share of bare Flask, target and whether it is met; the last line is JSON. Jobs the
submission runs added (the warm-up's too) are deleted right after them (and the tables
vacuumed), so every request, and a later run on a ``--seeded`` database, sees the seeded sizes.

    python bench/web.py [--db postgres|sqlite] [--jobs 100000] [--posts 1000000] [--duration 10]
                        [--rounds 1] [--rate-limit off|on] [--only REQUEST ...]
                        [--split balanced|any] [--max-worker-share 0.65] [--tries 5]
                        [--warmup 3] [--seeded DATABASE_URL]
"""

# ruff: noqa: S608  (SQL built from this file's own constants and integers, never from input)
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, jsonify  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.machine import describe, describe_line  # noqa: E402
from tests.support.env import temporary_postgres_database  # noqa: E402
from tests.support.faults import PrivateRedis, free_port, wait_until  # noqa: E402
from tests.support.processes import VENV_BIN, ManagedProcess, upgrade_database  # noqa: E402

HASHTAGS = 300
SETTLE_SECONDS = 3.0
DAY = 24 * 3600
# Jobs span the year before now, oldest first; each post is written up to a day before its job.
SPAN_SECONDS = 365 * DAY
# (name, path or Lua script, share of bare Flask wanted)
TARGETS = {
    "GET /api/jobs/<id>": 0.5,
    "POST /api/jobs": 0.25,
    "GET /api/jobs?per_page=20": 0.25,
    "GET /": 0.1,
    "GET /jobs/<id>": 0.1,
    "GET /tags/<tag>": 0.1,
}
WORDS = ("great", "love", "happy", "awful", "slow", "broken", "launch", "update", "team", "match",
         "rain", "coffee", "music", "weekend", "traffic", "price", "vote", "game", "movie", "news")

SERIES = {
    "postgresql": "SELECT g AS i FROM generate_series(0, {n} - 1) AS g",
    "sqlite": ("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < {n})"
               " SELECT i FROM s"),
}
EPOCH = {  # seconds since 1970 -> a timestamp column's value
    "postgresql": "to_timestamp({v})",
    "sqlite": "datetime({v}, 'unixepoch')",
}
HOUR = {
    "postgresql": "CAST(floor(extract(epoch from {col}) / 3600) AS BIGINT)",
    "sqlite": "CAST(strftime('%s', {col}) AS INTEGER) / 3600",
}


def bare_app() -> Flask:
    """The baseline: a Flask app answering a small JSON, nothing else."""
    app = Flask("bare")

    @app.get("/")
    def index():
        return jsonify({"ok": True, "service": "bare"})

    return app


def seed(url: str, dialect: str, jobs: int, posts: int) -> float:
    """Jobs, posts, their links, the hashtags' posts and hourly counts, all in SQL.

    Hashtags are skewed (tag i gets about twice the runs of tag 2i): a few busy ones, a long tail.
    Post j belongs to job j % jobs + 1, in its job's hashtag; one in three of each label.
    """
    started = time.perf_counter()
    now = int(time.time())
    first = now - SPAN_SECONDS
    step = SPAN_SECONDS / jobs
    per_job = max(1, posts // jobs)
    job_series = SERIES[dialect].format(n=jobs)
    post_series = SERIES[dialect].format(n=posts)
    # Skew without random(): the square of a fraction that walks through [0, 1) in odd steps.
    tag = f"CAST({HASHTAGS} * ((i * 7919 % 10007) / 10007.0) * ((i * 7919 % 10007) / 10007.0) " \
          "AS INTEGER)"
    created = EPOCH[dialect].format(v=f"{first} + i * {step}")
    status = ("CASE WHEN i % 50 = 0 THEN 'failed' WHEN i % 97 = 0 THEN 'queued' "
              "ELSE 'done' END")
    label = "CASE i % 3 WHEN 0 THEN 'negative' WHEN 1 THEN 'neutral' ELSE 'positive' END"
    words = len(WORDS)
    word_case = "CASE {x} " + " ".join(f"WHEN {n} THEN '{w}'" for n, w in enumerate(WORDS)) + \
        " END"
    post_text = " || ' ' || ".join(
        word_case.format(x=f"(i / {m}) % {words}") for m in (1, 7, 31, 101))
    job_of = f"(i % {jobs}) + 1"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO jobs (id, hashtag, hashtag_key, source, tweet_limit, lang, "
                "skipped_language, status, fetched, scored, positive, neutral, negative, "
                "mean_score, model_version, attempts, worker_losses, created_at, started_at, "
                "finished_at, published_at) "
                f"SELECT i + 1, 'Tag' || {tag}, 'tag' || {tag}, 'sample', 100, 'en', 0, "
                f"{status}, {per_job}, {per_job}, {per_job - 2 * (per_job // 3)}, "
                f"{per_job // 3}, {per_job // 3}, 0.1, 'bench', 1, 0, {created}, {created}, "
                f"{created}, {created} FROM ({job_series}) AS s"))
            conn.execute(text(
                "UPDATE jobs SET error = 'The tweet source is unavailable.' "
                "WHERE status = 'failed'"))
            post_time = EPOCH[dialect].format(
                v=f"{first} + ({job_of} - 1) * {step} - (i % 24) * 3600")
            conn.execute(text(
                "INSERT INTO tweets (id, source, source_id, username, text, url, created_at, "
                "lang, label, score, prob_negative, prob_neutral, prob_positive, model_version, "
                f"stored_at) SELECT i + 1, 'sample', CAST(i AS VARCHAR(20)), 'user' || (i % 5000), "
                f"{post_text}, NULL, {post_time}, 'en', {label}, (i % 200) / 100.0 - 1, 0.2, 0.3, "
                f"0.5, 'bench', {post_time} FROM ({post_series}) AS s"))
            conn.execute(text(
                f"INSERT INTO job_tweets (job_id, tweet_id) SELECT {job_of}, i + 1 "
                f"FROM ({post_series}) AS s"))
            conn.execute(text(
                "INSERT INTO hashtag_posts (hashtag_key, tweet_id, source, created_at) "
                "SELECT j.hashtag_key, t.id, t.source, t.created_at FROM job_tweets jt "
                "JOIN jobs j ON j.id = jt.job_id JOIN tweets t ON t.id = jt.tweet_id"))
            hour = HOUR[dialect].format(col="p.created_at")
            conn.execute(text(
                "INSERT INTO hashtag_hours (hashtag_key, source, hour, positive, neutral, "
                "negative, score_sum) SELECT p.hashtag_key, p.source, "
                f"{hour}, SUM(CASE WHEN t.label = 'positive' THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN t.label = 'neutral' THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN t.label = 'negative' THEN 1 ELSE 0 END), SUM(t.score) "
                "FROM hashtag_posts p JOIN tweets t ON t.id = p.tweet_id "
                f"GROUP BY p.hashtag_key, p.source, {hour}"))
            if dialect == "postgresql":
                # Later inserts (the API's) must not collide with the seeded ids.
                for table in ("jobs", "tweets"):
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # What autovacuum does soon after a bulk load; index-only scans need it.
            conn.execute(text("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def vacuum(url: str, what: str) -> None:
    """VACUUM on PostgreSQL (outside a transaction, as it must run); SQLite needs none."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"VACUUM {what}"))
    finally:
        engine.dispose()


def vacuum_job_counts(url: str) -> None:
    """What autovacuum does within a minute or so, after the submissions: each one rewrote a
    row of ``job_counts`` (the history's total) and its hashtag's row of ``hashtag_job_counts``,
    whose dead versions the next requests would otherwise read. This machine's PostgreSQL runs
    without autovacuum; a production one (PostgreSQL's default) does not."""
    vacuum(url, "job_counts, hashtag_job_counts")


def delete_submitted_jobs(url: str, seeded_jobs: int) -> None:
    """Drop the jobs ``POST /api/jobs`` added (ids past the seeded ones), so the next run on the
    same database measures the same sizes."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DELETE FROM jobs WHERE id > {int(seeded_jobs)}"))
    finally:
        engine.dispose()
    vacuum_job_counts(url)
    # Back to the state the seeding left: a tag's runs are counted from the index alone only
    # while the visibility map says its pages hold no dead rows.
    vacuum(url, "ANALYZE jobs")


def busiest_tags(url: str, n: int = 20) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text(
                "SELECT hashtag_key FROM jobs GROUP BY hashtag_key ORDER BY count(*) DESC "
                f"LIMIT {n}"))]
    finally:
        engine.dispose()


def lua_scripts(directory: Path, jobs: int, tags: list[str]) -> dict[str, Path]:
    """wrk scripts for the requests that vary per call (random ids, tags, bodies)."""
    tag_list = ", ".join(f'"{t}"' for t in tags)
    sources = {
        "get_job": f"""
request = function()
  return wrk.format("GET", "/api/jobs/" .. math.random(1, {jobs}))
end""",
        "job_page": f"""
request = function()
  return wrk.format("GET", "/jobs/" .. math.random(1, {jobs}))
end""",
        "tag_page": f"""
local tags = {{{tag_list}}}
request = function()
  return wrk.format("GET", "/tags/" .. tags[math.random(1, #tags)])
end""",
        "post_job": f"""
local tags = {{{tag_list}}}
request = function()
  local body = '{{"hashtag": "' .. tags[math.random(1, #tags)] .. '", "limit": 20}}'
  return wrk.format("POST", "/api/jobs", {{["Content-Type"] = "application/json"}}, body)
end""",
    }
    paths = {}
    for name, source in sources.items():
        path = directory / f"{name}.lua"
        path.write_text(source.lstrip())
        paths[name] = path
    return paths


def start_gunicorn(app: str, settings: dict[str, str], log_dir: Path, name: str,
                   probe: str) -> tuple[ManagedProcess, str]:
    """gunicorn with the Procfile's settings, on a free loopback port."""
    port = free_port()
    web = ManagedProcess(name, [
        str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--worker-class", "gthread", "--threads", "8", "--access-logfile", "-", app],
        settings, log_dir)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(base + probe), timeout=90, what=f"{name} answering")
    return web, base


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * _UNITS[unit]


def settle(seconds: float = SETTLE_SECONDS) -> None:
    """Let the server finish what the last run left in flight (a slow page's backlog took up to
    two seconds) before the next run starts: otherwise it is measured against that work."""
    time.sleep(seconds)


def wrk(url: str, duration: int, script: Path | None = None) -> dict:
    """One wrk run: requests/s, p50/p99 in ms, and how many answers were not 2xx/3xx."""
    command = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if len(latency) != 2:
        raise RuntimeError(f"wrk said something unexpected:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": round(_ms(latency["50"]), 2),
        "p99_ms": round(_ms(latency["99"]), 2),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else None,
    }


@dataclass(frozen=True)
class SplitRule:
    """Which runs count: one where a worker did more than ``max_worker_share`` of the work is
    repeated, up to ``tries`` runs in all."""

    max_worker_share: float = 0.65
    tries: int = 5

    @classmethod
    def any_split(cls) -> SplitRule:
        return cls(max_worker_share=1.0, tries=1)


def _worker_cpu(server: ManagedProcess) -> dict[int, float]:
    """CPU seconds so far of each of gunicorn's workers, by pid."""
    seconds = {}
    for worker in psutil.Process(server.process.pid).children():
        try:
            times = worker.cpu_times()
        except psutil.Error:  # gone between listing and reading: a restart, not a worker
            continue
        seconds[worker.pid] = times.user + times.system
    return seconds


def busiest_worker_share(before: dict[int, float], after: dict[int, float]) -> float:
    """The busiest worker's part of all the workers' CPU time between two readings (0.5 is an
    even split over two workers; 1.0, one worker did everything)."""
    used = [after[pid] - before.get(pid, 0.0) for pid in after]
    total = sum(used)
    return max(used) / total if total > 0 else 1.0


def measured_run(server: ManagedProcess, url: str, duration: int, script: Path | None,
                 split: SplitRule) -> dict:
    """``wrk`` against ``server``, run again while one worker did nearly all the work (see the
    module's note); the figures carry the split and how many runs were set aside."""
    set_aside = []
    for attempt in range(split.tries):
        if attempt:
            settle()
        before = _worker_cpu(server)
        figures = wrk(url, duration, script)
        after = _worker_cpu(server)
        share = busiest_worker_share(before, after)
        figures["busiest_worker_share"] = round(share, 2)
        # The web workers' CPU per answer: unlike req/s, it hardly moves when the machine is
        # slower or busier, so it compares two codes measured minutes apart.
        figures["worker_cpu_us_per_request"] = round(
            1e6 * (sum(after.values()) - sum(before.get(pid, 0.0) for pid in after))
            / max(1, figures["requests"]))
        if share <= split.max_worker_share:
            break
        set_aside.append({"requests_per_s": figures["requests_per_s"],
                          "busiest_worker_share": round(share, 2)})
    else:
        figures["lopsided"] = True  # never spread within the tries: kept, and said
    figures["set_aside"] = set_aside
    return figures


def warm_up(bare: ManagedProcess, bare_url: str, web: ManagedProcess,
            runs: dict[str, tuple[str, Path | None]], seconds: int, split: SplitRule) -> None:
    """One unmeasured run of each request, spread over both workers as a measured run is.
    Each gunicorn worker compiles its templates and fills its caches on its own first requests;
    a single warm-up request reaches one of them, and the other then did that work inside the
    first round's measurement (the hashtag page: 306 against 408 req/s when warm)."""
    measured_run(bare, bare_url, seconds, None, split)
    for url, script in runs.values():
        settle()
        measured_run(web, url, seconds, script, split)


def _set_aside(figures: dict) -> str:
    """The lopsided runs a pair set aside, as 'bare 3,010 req/s (1.00)', for the report."""
    runs = [("bare", run) for run in figures["bare_set_aside"]] + \
        [("tagpulse", run) for run in figures["set_aside"]]
    return ", ".join(f"{who} {run['requests_per_s']:,.0f} req/s ({run['busiest_worker_share']:.2f})"
                     for who, run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the sequence; the median share is reported")
    parser.add_argument("--auth-mode", default="open", help="AUTH_MODE of the measured app")
    parser.add_argument("--rate-limit", choices=("off", "on"), default="off",
                        help="off (the issue's measurement): RATELIMIT_ENABLED=0; on: limits "
                             "counted in Redis as in production, the job budget raised so "
                             "nothing is refused")
    parser.add_argument("--only", nargs="+", metavar="REQUEST", choices=sorted(TARGETS),
                        help="measure only these requests (names as printed)")
    parser.add_argument("--split", choices=("balanced", "any"), default="balanced",
                        help="balanced: rerun a wrk run whose work one gunicorn worker did "
                             "nearly alone (see above); any: take every run as it comes")
    parser.add_argument("--max-worker-share", type=float, default=SplitRule.max_worker_share,
                        help="a run counts when no worker did more than this part of the work")
    parser.add_argument("--tries", type=int, default=SplitRule.tries,
                        help="runs per measurement at most, while they come out lopsided")
    parser.add_argument("--warmup", type=int, default=3, metavar="SECONDS",
                        help="an unmeasured run of each request first, this long (0: none)")
    parser.add_argument("--seeded", metavar="DATABASE_URL",
                        help="a database this script seeded before (kept): skips the seeding; "
                             "--jobs must be what it holds")
    args = parser.parse_args()
    dialect = "postgresql" if args.db == "postgres" else "sqlite"
    split = (SplitRule(args.max_worker_share, args.tries) if args.split == "balanced"
             else SplitRule.any_split())
    if args.seeded and not args.seeded.startswith(dialect):
        parser.error(f"--seeded is not a {args.db} database")
    if shutil.which("wrk") is None:
        # Said before the seeding's minutes, not as a traceback after them.
        parser.error("wrk is not installed: it makes the load (apt install wrk)")

    with ExitStack() as stack:
        base_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tagpulse-web-")))
        log_dir = base_dir / "logs"
        log_dir.mkdir()
        broker = PrivateRedis(log_dir)
        broker.start()
        stack.callback(broker.kill)
        if args.seeded:
            database_url = args.seeded
        elif dialect == "postgresql":
            database_url = stack.enter_context(temporary_postgres_database())
        else:
            database_url = f"sqlite:///{base_dir / 'web.sqlite3'}"
        engine_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        settings = {
            "TAGPULSE_INSTANCE_PATH": str(base_dir / "instance"),
            "DATABASE_URL": database_url, "REDIS_URL": broker.url,
            "RATELIMIT_ENABLED": "1" if args.rate_limit == "on" else "0",
            "JOB_SUBMIT_RATE_LIMIT": "100000000/minute",
            "AUTH_MODE": args.auth_mode, "WIKIPEDIA_ENABLED": "0",
        }
        upgrade_database(settings)
        seed_s = 0.0 if args.seeded else seed(engine_url, dialect, args.jobs, args.posts)
        print(f"{dialect}: seeded {args.jobs:,} jobs and {args.posts:,} posts in {seed_s:.1f} s",
              flush=True)
        tags = busiest_tags(engine_url)
        scripts = lua_scripts(base_dir, args.jobs, tags)

        bare, bare_url = start_gunicorn("bench.web:bare_app()", {}, log_dir, "bare", "/")
        stack.callback(bare.stop)
        web, web_url = start_gunicorn("webapp:create_app()", settings, log_dir, "tagpulse",
                                      "/api/jobs?per_page=1")
        stack.callback(web.stop)
        requests.get(f"{web_url}/tags/{tags[0]}", timeout=60)  # first renders compile templates

        runs = {
            "GET /api/jobs/<id>": (web_url + "/", scripts["get_job"]),
            "POST /api/jobs": (web_url + "/", scripts["post_job"]),
            "GET /api/jobs?per_page=20": (web_url + "/api/jobs?per_page=20", None),
            "GET /": (web_url + "/", None),
            "GET /jobs/<id>": (web_url + "/", scripts["job_page"]),
            "GET /tags/<tag>": (web_url + "/", scripts["tag_page"]),
        }
        if args.warmup:
            warm_up(bare, bare_url + "/", web,
                    {name: run for name, run in runs.items()
                     if not args.only or name in args.only}, args.warmup, split)
            delete_submitted_jobs(engine_url, args.jobs)
        measured: dict[str, list[dict]] = {}
        for _ in range(args.rounds):
            for name, (url, script) in runs.items():
                if args.only and name not in args.only:
                    continue
                settle()
                bare_run = measured_run(bare, bare_url + "/", args.duration, None, split)
                settle()
                figures = measured_run(web, url, args.duration, script, split)
                if name == "POST /api/jobs":
                    # The requests after it are measured on the database as seeded, not on
                    # one with a few thousand fresh queued runs in the busiest hashtags (the
                    # hashtag page counted and listed them: 0.04 of bare instead of 0.07).
                    settle()
                    delete_submitted_jobs(engine_url, args.jobs)
                figures["bare_requests_per_s"] = bare_run["requests_per_s"]
                figures["bare_busiest_worker_share"] = bare_run["busiest_worker_share"]
                figures["bare_worker_cpu_us_per_request"] = \
                    bare_run["worker_cpu_us_per_request"]
                figures["bare_set_aside"] = bare_run["set_aside"]
                figures["bare_lopsided"] = bare_run.get("lopsided", False)
                figures["share_of_bare"] = figures["requests_per_s"] / bare_run["requests_per_s"]
                measured.setdefault(name, []).append(figures)
        settle()
        delete_submitted_jobs(engine_url, args.jobs)

    bare_rates = [f["bare_requests_per_s"] for runs_ in measured.values() for f in runs_]
    print(f"bare Flask, run before each request: {min(bare_rates):.0f}-{max(bare_rates):.0f} "
          f"req/s (median {statistics.median(bare_rates):.0f})")
    print(f"runs count when no gunicorn worker did more than {split.max_worker_share:.0%} of "
          f"the work ({split.tries} tries); 'split' is the busiest worker's part, bare / tagpulse")
    print("'cpu µs' is the gunicorn workers' CPU per answer (the database's and Redis's not "
          "counted), tagpulse / bare")
    print(f"{'request':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'bare':>7}{'share':>8}"
          f"{'target':>8}  met  {'cpu µs':>11}  split")
    results = []
    for name, runs_ in measured.items():
        # The round with the median share stands for the request; of an even number of rounds,
        # the lower of the middle two (the upper one would favour tagpulse).
        figures = sorted(runs_, key=lambda f: f["share_of_bare"])[(len(runs_) - 1) // 2]
        share = figures["share_of_bare"]
        target = TARGETS[name]
        met = share >= target and figures["non_2xx"] == 0
        shares = " / ".join(f"{f['share_of_bare']:.2f}" for f in runs_)
        print(f"{name:<28}{figures['requests_per_s']:>9.0f}{figures['p50_ms']:>9.1f}"
              f"{figures['p99_ms']:>9.1f}{figures['bare_requests_per_s']:>7.0f}{share:>8.2f}"
              f"{target:>8.2f}  {'yes' if met else 'NO ':<3}"
              f"  {figures['worker_cpu_us_per_request']:>5} / "
              f"{figures['bare_worker_cpu_us_per_request']:<4}"
              f"  {figures['bare_busiest_worker_share']:.2f} / "
              f"{figures['busiest_worker_share']:.2f}"
              + (f"  ({figures['non_2xx']} non-2xx)" if figures["non_2xx"] else "")
              + (f"  set aside: {_set_aside(figures)}" if _set_aside(figures) else "")
              + ("  LOPSIDED" if figures.get("lopsided") or figures["bare_lopsided"] else "")
              + (f"  rounds: {shares}" if len(runs_) > 1 else ""))
        results.append({"request": name, **figures, "share_of_bare": round(share, 3),
                        "shares": [round(f["share_of_bare"], 3) for f in runs_],
                        "target": target, "met": met})
    machine = describe()
    print(describe_line(machine))
    print(json.dumps({"benchmark": "web", "machine": machine, "db": dialect, "jobs": args.jobs,
                      "posts": args.posts,
                      "duration_s": args.duration, "auth_mode": args.auth_mode,
                      "rate_limit": args.rate_limit,
                      "rounds": args.rounds, "seed_s": round(seed_s, 1),
                      "split": args.split, "max_worker_share": split.max_worker_share,
                      "bare_requests_per_s": round(statistics.median(bare_rates), 1),
                      "results": results}))


if __name__ == "__main__":
    main()
