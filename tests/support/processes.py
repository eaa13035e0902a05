"""Real tagpulse processes for tests: migrations, Celery workers and beat, gunicorn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.env import REPO_ROOT

VENV_BIN = Path(sys.executable).parent


def child_env(settings: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "TAGPULSE_INSTANCE_PATH")}
    env.update(settings)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def upgrade_database(settings: dict[str, str]) -> None:
    subprocess.run([str(VENV_BIN / "flask"), "--app", "webapp", "db", "upgrade"],
                   cwd=REPO_ROOT, env=child_env(settings), check=True, capture_output=True)


class ManagedProcess:
    """A child process whose output goes to a log file; stopped (and reaped) on exit."""

    def __init__(self, name: str, args: list[str], settings: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            args, cwd=REPO_ROOT, env=child_env(settings), stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log_text():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_text()[-3000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not log {needle!r} in {timeout}s:\n"
                           f"{self.log_text()[-3000:]}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (a Celery worker and its pool children)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._log.close()


def start_worker(settings: dict[str, str], log_dir: Path, *, name: str = "worker",
                 concurrency: int = 1, extra: tuple[str, ...] = ()) -> ManagedProcess:
    worker = ManagedProcess(
        name,
        [str(VENV_BIN / "celery"), "-A", "make_celery", "worker", "--loglevel", "INFO",
         "--concurrency", str(concurrency), "--hostname", f"{name}-{os.getpid()}@%h",
         "--without-gossip", "--without-mingle", *extra],
        {**settings, "WORKER_CONCURRENCY": str(concurrency)}, log_dir)
    # "ready." means the consumer is up; "model ... loaded" that a pool child holds the model.
    worker.wait_for_log("ready.", timeout=90)
    worker.wait_for_log("loaded in pid", timeout=120)
    return worker


def start_embedded_broker(settings: dict[str, str], log_dir: Path) -> ManagedProcess:
    """``python -m core.embedded_redis`` for the instance folder in ``settings``, answering."""
    from core.instance import embedded_redis_socket
    from tests.support.broker import wait_for_socket

    broker = ManagedProcess("broker", [sys.executable, "-m", "core.embedded_redis"],
                            settings, log_dir)
    socket = embedded_redis_socket(Path(settings["TAGPULSE_INSTANCE_PATH"]).resolve())
    wait_for_socket(socket, broker.process)
    return broker


def start_beat(settings: dict[str, str], log_dir: Path) -> ManagedProcess:
    beat = ManagedProcess(
        "beat", [str(VENV_BIN / "celery"), "-A", "make_beat", "beat", "--loglevel", "INFO"],
        settings, log_dir)
    beat.wait_for_log("beat: Starting", timeout=60)
    return beat
