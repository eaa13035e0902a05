"""Waiting callers against other requests: do twenty waiting /analyzehashtag calls stall the rest?

Brings up gunicorn as in the Procfile (2 processes x 8 gthread threads) on loopback, on the
embedded defaults (SQLite, the embedded Redis) and with no worker, so every job stays queued and
every caller that waits, waits its full SEED_WAIT_SECONDS. For each waiting configuration:

1. times GET /api/jobs/1 while idle;
2. sends ``--callers`` concurrent GET /analyzehashtag from one client address, and, a second
   into that burst, times ``--reads`` GET /api/jobs/1 sent side by side;
3. counts the callers' status codes.

``unbounded`` lets every thread wait (as before issue #13); ``slots-only`` bounds waiters per
process but not per client; ``default`` is the shipped WAIT_SLOTS / WAIT_SLOTS_PER_CLIENT.
The last line is JSON. Everything is bounded in time and stops by itself.

    python bench/waiting.py [--callers 20] [--seed-wait 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack, suppress
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.faults import free_port, wait_until  # noqa: E402
from tests.support.processes import (  # noqa: E402
    VENV_BIN,
    ManagedProcess,
    start_embedded_broker,
    upgrade_database,
)

CONFIGURATIONS = {
    "unbounded": {"WAIT_SLOTS": "1000", "WAIT_SLOTS_PER_CLIENT": "1000"},
    "slots-only": {"WAIT_SLOTS": "4", "WAIT_SLOTS_PER_CLIENT": "1000"},
    "default": {},
}


def start_gunicorn(settings: dict[str, str], log_dir: Path, name: str) -> tuple[ManagedProcess,
                                                                                  str]:
    port = free_port()
    web = ManagedProcess(f"gunicorn-{name}", [
        str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--worker-class", "gthread", "--threads", "8", "webapp:create_app()"], settings, log_dir)
    base_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(f"{base_url}/api/jobs?per_page=1"), timeout=60,
               what="gunicorn answering")
    return web, base_url


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def timed_get(url: str, timeout: float) -> float:
    started = time.perf_counter()
    with suppress(requests.RequestException):
        requests.get(url, timeout=timeout)
    return time.perf_counter() - started


def run_configuration(base_url: str, callers: int, reads: int, seed_wait: float) -> dict:
    job_url = f"{base_url}/api/jobs/1"
    if requests.get(job_url, timeout=10).status_code == 404:
        requests.post(f"{base_url}/api/jobs", json={"hashtag": "python"}, timeout=10)
    idle = [timed_get(job_url, 10) for _ in range(reads)]
    statuses: Counter[int | str] = Counter()
    lock = threading.Lock()

    def call(index: int) -> None:
        try:
            status: int | str = requests.get(f"{base_url}/analyzehashtag?text=bench{index}",
                                              timeout=seed_wait + 30).status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(callers)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    # Reads side by side, each on its own connection: one stalled read must not delay the next.
    busy: list[float] = []
    readers = [threading.Thread(target=lambda: busy.append(timed_get(job_url, seed_wait + 30)),
                                daemon=True) for _ in range(reads)]
    for reader in readers:
        reader.start()
        time.sleep(0.1)
    for thread in threads + readers:
        thread.join(seed_wait + 60)
    return {
        "idle_get_ms": round(statistics.median(idle) * 1000, 1),
        "get_during_burst_median_ms": round(statistics.median(busy) * 1000, 1),
        "get_during_burst_max_ms": round(max(busy) * 1000, 1),
        "caller_statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--reads", type=int, default=5, help="GET /api/jobs/1 timed per phase")
    parser.add_argument("--seed-wait", type=float, default=20.0, help="SEED_WAIT_SECONDS")
    parser.add_argument("--only", choices=sorted(CONFIGURATIONS), action="append")
    args = parser.parse_args()

    results = {}
    with ExitStack() as stack:
        base_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tagpulse-wait-")))
        log_dir = base_dir / "logs"
        log_dir.mkdir()
        settings = {"TAGPULSE_INSTANCE_PATH": str(base_dir / "instance"),
                    "SEED_WAIT_SECONDS": str(args.seed_wait),
                    "JOB_SUBMIT_RATE_LIMIT": "1000000/minute"}
        upgrade_database(settings)
        broker = start_embedded_broker(settings, log_dir)
        stack.callback(broker.stop)
        for name in args.only or CONFIGURATIONS:
            web, base_url = start_gunicorn({**settings, **CONFIGURATIONS[name]}, log_dir, name)
            try:
                results[name] = run_configuration(base_url, args.callers, args.reads,
                                                  args.seed_wait)
            finally:
                web.stop()
            print(f"{name}: GET /api/jobs/1 idle {results[name]['idle_get_ms']} ms, during "
                  f"{args.callers} waiting callers median "
                  f"{results[name]['get_during_burst_median_ms']} ms, max "
                  f"{results[name]['get_during_burst_max_ms']} ms; callers got "
                  f"{results[name]['caller_statuses']}", flush=True)
    print(json.dumps({"callers": args.callers, "seed_wait_seconds": args.seed_wait,
                      "gunicorn": "2 processes x 8 gthread threads", **results}))


if __name__ == "__main__":
    main()
