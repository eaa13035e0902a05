"""Fault injection for the slow tests: a private Redis to kill, a TCP proxy to cut PostgreSQL.

The shared Redis and PostgreSQL on 127.0.0.1 serve other test runs too, so nothing here ever
stops them: the Redis that gets killed is our own child process, and the database is "cut" by
closing a proxy that only our processes connect through.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

from tests.support.env import patched_environ, temporary_postgres_database
from tests.support.processes import ManagedProcess, start_beat, start_worker, upgrade_database
from tests.support.stack import Stack

FAKE_X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAFaultTestTokenNeverLogged%2Fkk3kk3kk3kk3"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll ``condition()`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


class PrivateRedis:
    """A redis-server child on its own port, without persistence: a kill loses every message."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._log_path = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self._log_path, "ab")  # noqa: SIM115 - the child holds it; closed with it
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: self._pings(client), timeout=10, what="redis-server start")

    @staticmethod
    def _pings(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown save, no goodbye to clients."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def queue_length(self, queue: str = "celery") -> int:
        return redis.Redis.from_url(self.url).llen(queue)


class TcpProxy:
    """Forwards 127.0.0.1:port to a target; ``cut()`` drops every connection and refuses new
    ones (a database that went away), ``restore()`` listens again."""

    def __init__(self, target_host: str, target_port: int, port: int | None = None) -> None:
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._stalling = threading.Event()
        self._held: list[socket.socket] = []
        self.connections_made = 0

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._stopping.clear()
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by cut()
            if self._stalling.is_set():
                self._held.append(client)  # accepted, never answered: a black hole
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._stopping.is_set():
                    client.close()
                    upstream.close()
                    return
                self._sockets.update((client, upstream))
                self.connections_made += 1
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            self._close(a, b)

    def _close(self, *sockets: socket.socket) -> None:
        with self._lock:
            for sock in sockets:
                self._sockets.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self) -> None:
        """Refuse new connections and reset the open ones."""
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None
        with self._lock:
            open_sockets = list(self._sockets)
        self._close(*open_sockets)

    def stall(self) -> None:
        """Reset the open connections; accept new ones but never answer (packets dropped
        somewhere on the way: the failure that hangs clients without timeouts)."""
        self._stalling.set()
        with self._lock:
            open_sockets = list(self._sockets)
        self._close(*open_sockets)

    def restore(self) -> None:
        if self._stalling.is_set():
            self._stalling.clear()
            held, self._held = self._held, []
            self._close(*held)
        if self._listener is None:
            self.start()

    def url_for(self, url: str) -> str:
        """``url`` with its host and port replaced by this proxy's."""
        parts = urlsplit(url)
        credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{credentials}127.0.0.1:{self.port}"))


@dataclass
class FaultStack(Stack):
    """A Redis + PostgreSQL stack whose broker and database can be broken on purpose."""

    redis: PrivateRedis | None = None
    db_proxy: TcpProxy | None = None
    beat: ManagedProcess | None = None
    others: list[ManagedProcess] = field(default_factory=list)

    def add_worker(self, name: str, concurrency: int = 1) -> ManagedProcess:
        worker = start_worker(self.settings, self.log_dir, name=name, concurrency=concurrency)
        self.workers.append(worker)
        return worker

    def add_beat(self) -> ManagedProcess:
        self.beat = start_beat(self.settings, self.log_dir)
        return self.beat

    def logs(self) -> str:
        processes = [*self.workers, *([self.beat] if self.beat else []), *self.others]
        return "\n".join(p.log_text() for p in processes)

    def query(self, statement: str, **params):
        from sqlalchemy import text

        from core.db import db

        with self.app.app_context():
            try:
                return db.session.execute(text(statement), params).all()
            finally:
                db.session.remove()


@contextmanager
def fault_stack(base_dir: Path, *, proxy_database: bool = False,
                **overrides: str) -> Iterator[FaultStack]:
    """Redis (a private server) + PostgreSQL (a fresh database, optionally behind a proxy),
    migrated, with an app for the test to call. Workers and beat are added by the test."""
    from webapp import create_app

    with ExitStack() as stack:
        log_dir = base_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        private_redis = PrivateRedis(log_dir)
        private_redis.start()
        stack.callback(private_redis.kill)
        database_url = stack.enter_context(temporary_postgres_database())
        proxy = None
        if proxy_database:
            target = urlsplit(database_url)
            proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
            proxy.start()
            stack.callback(proxy.cut)
            database_url = proxy.url_for(database_url)
        settings = {
            "TAGPULSE_INSTANCE_PATH": str(base_dir / "instance"),
            "DATABASE_URL": database_url,
            "REDIS_URL": private_redis.url,
            "RATELIMIT_ENABLED": "0",
            "X_BEARER_TOKEN": FAKE_X_TOKEN,
            "STALE_JOB_SECONDS": "6",
            "BROKER_VISIBILITY_TIMEOUT": "20",
            **overrides,
        }
        upgrade_database(settings)
        stack.enter_context(patched_environ(settings))
        app = create_app({"TESTING": True})
        running = FaultStack("redis_pg", settings, log_dir, app, redis=private_redis,
                             db_proxy=proxy)

        def stop_processes() -> None:
            for process in [*running.workers, *([running.beat] if running.beat else []),
                            *running.others]:
                process.stop()

        stack.callback(stop_processes)
        try:
            yield running
        finally:
            from core.db import close_database

            close_database(app)
