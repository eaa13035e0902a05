"""The default stack as ``make run`` starts it: ``honcho start`` on the Procfile in a fresh
instance folder (SQLite, the embedded Redis, gunicorn, a worker, beat), on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import redis
import requests

from core.instance import embedded_redis_socket
from tests.support.env import REPO_ROOT
from tests.support.faults import free_port, wait_until
from tests.support.processes import child_env

VENV_BIN = Path(sys.executable).parent


class DefaultStack:
    """``honcho start`` in a fresh instance folder, on a free port."""

    def __init__(self, base: Path, settings: dict[str, str] | None = None) -> None:
        self.instance = base / "instance"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = base / "honcho.log"
        self.env = child_env({"TAGPULSE_INSTANCE_PATH": str(self.instance),
                              "PORT": str(self.port), "TRACKER_DISPATCH_SECONDS": "5",
                              **(settings or {})})
        self.process: subprocess.Popen | None = None

    def start(self, wait_for_worker: bool = True) -> None:
        subprocess.run([str(VENV_BIN / "flask"), "--app", "webapp", "db", "upgrade"],
                       cwd=REPO_ROOT, env=self.env, check=True, capture_output=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child holds it
        self.process = subprocess.Popen([str(VENV_BIN / "honcho"), "start"], cwd=REPO_ROOT,
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        wait_until(self._answers, timeout=120, interval=0.5, what="web up")
        if wait_for_worker:
            wait_until(lambda: self.worker_main() is not None and "loaded in pid" in self.log(),
                       timeout=180, interval=0.5, what="worker up with its model")

    def _answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/api/jobs", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def processes(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def named(self, *words: str) -> list[psutil.Process]:
        found = []
        for process in self.processes():
            try:
                command = " ".join(process.cmdline())
            except psutil.Error:
                continue
            if all(word in command for word in words) and "respawn" not in command:
                found.append(process)
        return found

    def worker_main(self) -> psutil.Process | None:
        # The main process is the one whose parent is not a celery process (pool processes'
        # parent is the main process; the main process's is deploy/respawn's shell).
        mains = [p for p in self.named("celery", "worker") if p.parent().name() != p.name()]
        return mains[0] if mains else None

    def broker(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(embedded_redis_socket(self.instance)))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
