"""A running tagpulse stack for end-to-end tests: database, broker, a real worker, an app."""

from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from tests.support.env import (
    embedded_env,
    patched_environ,
    temporary_postgres_database,
    temporary_redis_db,
)
from tests.support.processes import (
    ManagedProcess,
    start_embedded_broker,
    start_worker,
    upgrade_database,
)

STACK_KINDS = ("embedded", "redis_pg")


@dataclass
class Stack:
    kind: str
    settings: dict[str, str]
    log_dir: Path
    app: Flask
    broker: ManagedProcess | None = None  # the embedded Redis, on the embedded defaults
    workers: list[ManagedProcess] = field(default_factory=list)

    def client(self):
        return self.app.test_client()

    def job(self, job_id: int) -> dict:
        response = self.client().get(f"/api/jobs/{job_id}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def wait_for_job(self, job_id: int, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.1)
        logs = "\n".join(w.log_text()[-2000:] for w in self.workers)
        raise TimeoutError(f"job {job_id} not finished after {timeout}s: {job}\n{logs}")

    def submit(self, hashtag: str, **fields) -> int:
        response = self.client().post("/api/jobs", json={"hashtag": hashtag, **fields})
        assert response.status_code == 202, response.get_data(as_text=True)
        return response.get_json()["id"]


@contextmanager
def running_stack(kind: str, base_dir: Path, *, with_worker: bool = True,
                  extra_settings: dict[str, str] | None = None):
    """Bring up a stack of the given kind; tear all of it down afterwards. ``extra_settings``
    (e.g. MASTODON_INSTANCES of a loopback server) reach the app and every process."""
    from webapp import create_app

    with ExitStack() as stack:
        instance = base_dir / "instance"
        log_dir = base_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        settings = {**embedded_env(instance), **(extra_settings or {})}
        if kind == "redis_pg":
            settings["DATABASE_URL"] = stack.enter_context(temporary_postgres_database())
            settings["REDIS_URL"] = stack.enter_context(temporary_redis_db())
        upgrade_database(settings)
        running_broker = None
        if kind == "embedded":
            running_broker = start_embedded_broker(settings, log_dir)
            stack.callback(running_broker.stop)
        stack.enter_context(patched_environ(settings))
        app = create_app({"TESTING": True})
        running = Stack(kind, settings, log_dir, app, broker=running_broker)
        if with_worker:
            worker = start_worker(settings, log_dir)
            stack.callback(worker.stop)
            running.workers.append(worker)
        yield running
        from core.db import close_database

        close_database(app)
