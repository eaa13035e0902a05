"""Memory of the default stack at rest, and worker start-up to its first job done.

Starts the stack exactly as ``make run`` does (``honcho start`` on the Procfile: SQLite, the
embedded Redis, gunicorn, a Celery worker, beat) in a fresh instance folder, twice in the same
run: first with ``SENTIMENT_RUNTIME=keras`` (the worker's pool processes load TensorFlow: the
baseline), then with the default (LiteRT on the model's ``.tflite`` export). For each:

1. start-up: a job is submitted as soon as the web answers; reported is the time from the
   worker's main process starting to that job being done (model load included);
2. five more 100-post jobs, then two 1,000-post jobs at once (hashtags of their own, so their
   posts are new and scored 500 at a time, as a person's largest analysis is: what a worker
   process holds afterwards stays with it), then 5 s idle; then the proportional set size (PSS:
   shared pages divided among the processes sharing them, so the sum is what the stack really
   holds) of every process honcho started, by role, and the sum.

Prints both tables and the ratios; the last line is JSON.

    python bench/memory.py [--jobs 5] [--large-jobs 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.default_stack import DefaultStack  # noqa: E402
from tests.support.faults import wait_until  # noqa: E402
from worker.sources.sample import popular_hashtags  # noqa: E402

TARGET_MB = 700
TARGET_STARTUP_S = 10
HASHTAGS = ("love", "music", "news", "happy", "tbt", "usa", "iphone")


def role(process: psutil.Process) -> str:
    command = " ".join(process.cmdline())
    if "respawn" in command:
        return "respawn (bash)"
    if "honcho" in command:
        return "honcho"
    # A forked child has its parent's name; a main process's parent is deploy/respawn's bash.
    parent = process.parent()
    forked = parent is not None and parent.name() == process.name()
    if "gunicorn" in command:
        return "web worker" if forked else "web master"
    if "celery" in command and "beat" in command:
        return "beat"
    if "celery" in command and "worker" in command:
        return "worker pool process (model)" if forked else "worker main"
    if "redis" in command:
        return "broker (redis-server)"
    return process.name()


def pss_by_role(stack: DefaultStack) -> dict[str, dict[str, float]]:
    roles: dict[str, dict[str, float]] = defaultdict(lambda: {"count": 0, "pss_mb": 0.0})
    for process in [psutil.Process(stack.process.pid), *stack.processes()]:
        try:
            name, pss = role(process), process.memory_full_info().pss / 2**20
        except psutil.Error:
            continue
        roles[name]["count"] += 1
        roles[name]["pss_mb"] = round(roles[name]["pss_mb"] + pss, 1)
    return dict(sorted(roles.items(), key=lambda item: -item[1]["pss_mb"]))


def submit(stack: DefaultStack, hashtag: str, limit: int = 100) -> int:
    response = requests.post(f"{stack.url}/api/jobs", timeout=30,
                             json={"hashtag": hashtag, "limit": limit})
    response.raise_for_status()
    return response.json()["id"]


def wait_done(stack: DefaultStack, job_id: int, timeout: float = 180) -> float:
    def done() -> bool:
        status = requests.get(f"{stack.url}/api/jobs/{job_id}", timeout=10).json()["status"]
        if status == "failed":
            raise RuntimeError(f"job {job_id} failed")
        return status == "done"

    wait_until(done, timeout=timeout, interval=0.1, what=f"job {job_id} done")
    return time.time()


def large_job_hashtags(count: int) -> list[str]:
    """The corpus's biggest hashtags after ``HASHTAGS``: each finds hundreds of posts no other
    job of the run stored."""
    tags = [tag for tag, _lines in popular_hashtags(len(HASHTAGS) + count + 5)
            if tag not in HASHTAGS]
    return tags[:count]


def measure(runtime: str | None, jobs: int, large_jobs: int) -> dict:
    settings = {"SENTIMENT_RUNTIME": runtime} if runtime else {}
    with tempfile.TemporaryDirectory() as tmp:
        stack = DefaultStack(Path(tmp), settings)
        try:
            stack.start(wait_for_worker=False)
            first = submit(stack, HASHTAGS[0])
            done_at = wait_done(stack, first)
            worker = stack.worker_main()
            startup = done_at - worker.create_time()
            for tag in HASHTAGS[1 : 1 + jobs]:
                wait_done(stack, submit(stack, tag))
            large = [submit(stack, tag, limit=1000) for tag in large_job_hashtags(large_jobs)]
            for job_id in large:
                wait_done(stack, job_id)
            time.sleep(5)
            roles = pss_by_role(stack)
        finally:
            stack.stop()
    total = round(sum(r["pss_mb"] for r in roles.values()), 1)
    return {"runtime": runtime or "default (lite)", "total_pss_mb": total,
            "startup_to_first_job_s": round(startup, 2), "by_role": roles}


def show(result: dict) -> None:
    print(f"\n{result['runtime']}: {result['total_pss_mb']:.0f} MB PSS in all; worker start-up "
          f"to first job done {result['startup_to_first_job_s']:.1f} s")
    for name, figures in result["by_role"].items():
        print(f"  {name:30s} x{figures['count']:<3d} {figures['pss_mb']:8.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--large-jobs", type=int, default=2)
    args = parser.parse_args()
    baseline = measure("keras", args.jobs, args.large_jobs)
    show(baseline)
    light = measure(None, args.jobs, args.large_jobs)
    show(light)
    summary = {
        "baseline_pss_mb": baseline["total_pss_mb"], "pss_mb": light["total_pss_mb"],
        "ratio": round(light["total_pss_mb"] / baseline["total_pss_mb"], 3),
        "target_mb": TARGET_MB, "met": light["total_pss_mb"] <= TARGET_MB,
        "baseline_startup_s": baseline["startup_to_first_job_s"],
        "startup_s": light["startup_to_first_job_s"], "target_startup_s": TARGET_STARTUP_S,
        "startup_met": light["startup_to_first_job_s"] <= TARGET_STARTUP_S,
        "by_role": light["by_role"], "baseline_by_role": baseline["by_role"],
    }
    print(f"\nstack at rest: {light['total_pss_mb']:.0f} MB vs {baseline['total_pss_mb']:.0f} MB "
          f"with TensorFlow in the workers (x{summary['ratio']:.2f}); target <= {TARGET_MB} MB: "
          f"{'met' if summary['met'] else 'NOT met'}; worker start-up to first job "
          f"{summary['startup_s']:.1f} s (baseline {summary['baseline_startup_s']:.1f} s), "
          f"target <= {TARGET_STARTUP_S} s: {'met' if summary['startup_met'] else 'NOT met'}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
