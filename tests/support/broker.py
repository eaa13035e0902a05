"""One embedded Redis server (``python -m core.embedded_redis``, as ``make run`` starts it) for the
in-process test apps of a whole test session: they publish real messages to it and no worker
consumes them. Each app built by ``fresh_app`` starts it empty.

Stacks with real workers start their own, in their own instance folder (``running_stack``).
"""

from __future__ import annotations

import atexit
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

import redis

from core.instance import embedded_redis_socket
from tests.support.env import REPO_ROOT


def wait_for_socket(socket: Path, process: subprocess.Popen | None, timeout: float = 20) -> None:
    client = redis.Redis(unix_socket_path=str(socket))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"embedded redis exited with {process.returncode}")
        try:
            if client.ping():
                return
        except (redis.exceptions.ConnectionError, FileNotFoundError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"embedded redis did not answer on {socket} in {timeout}s")


@cache
def session_broker() -> Path:
    """The session's server; its socket path. Stopped when the test process exits."""
    instance = Path(tempfile.mkdtemp(prefix="tagpulse-unit-broker-")) / "instance"
    process = subprocess.Popen(
        [sys.executable, "-m", "core.embedded_redis"], cwd=REPO_ROOT,
        env={"TAGPULSE_INSTANCE_PATH": str(instance), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(_stop, process)
    socket = embedded_redis_socket(instance)
    wait_for_socket(socket, process)
    return socket


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def unit_broker_env() -> dict[str, str]:
    """Settings pointing an in-process app at the session's server, emptied first."""
    socket = session_broker()
    redis.Redis(unix_socket_path=str(socket)).flushall()
    url = f"redis+socket://{socket}"
    return {"CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url,
            "RATELIMIT_STORAGE_URI": f"redis+unix://{socket}"}


def queue_length(queue: str = "celery") -> int:
    return redis.Redis(unix_socket_path=str(session_broker())).llen(queue)
