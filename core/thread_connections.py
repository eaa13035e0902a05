"""One autocommit PostgreSQL connection per thread, for the prepared reads (``core.reads``).

The hot reads (a job's status, the history, a page's few figures) each took a connection from
the app's pool and switched it to autocommit and back: 24 µs of a 59 µs read, a tenth of a job
lookup's CPU in one process. A gunicorn thread serves one request at a time, so a connection of
its own, in autocommit for good, needs neither. It is made through the app's engine (same URL,
connect arguments and driver set-up) and then detached from the pool, which stays as it was for
the ORM's sessions. The cost is one more PostgreSQL connection per web thread that reads
(8 per gunicorn process with the Procfile's settings), opened on its first read. Its cursor
is kept too, for the same reason (``HeldConnection.cursor``).

Kept as the pool keeps its own: tested before use when it sat idle longer than
``DB_PING_IDLE_SECONDS`` (the database may have restarted meanwhile) and replaced if dead;
dropped when a statement finds it lost, so the next read opens a new one. After a fork (Celery's
pool) a child never uses, nor closes, its parent's connection: closing would end the parent's
session on the server too.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

# Connections a forked child inherited from its parent: held, never closed, never used (the
# parent's thread that made them is not in the child).
_INHERITED: list[Any] = []

# The reads are constant statements that psycopg prepares, each answered by an index whatever
# its parameters. PostgreSQL still planned some of them afresh on every run, its custom plan
# looking cheaper than the generic one (a hashtag's page of runs, the history, a tag's model
# versions): 35–100 µs of the server's CPU per statement for planning alone (bench/RESULTS.md).
GENERIC_PLANS = "SET plan_cache_mode = force_generic_plan"


@dataclass(eq=False)  # compared and hashed by identity: kept in a WeakSet
class HeldConnection:
    fairy: Any  # SQLAlchemy's detached pool proxy: closing it closes the connection
    pid: int
    used_at: float = field(default_factory=time.monotonic)
    _cursor: Any = field(default=None, repr=False)

    @property
    def dbapi(self):
        return self.fairy.dbapi_connection

    def cursor(self):
        """The connection's cursor, made on its first statement and kept for the next ones:
        psycopg sets a new one up each time, 14 µs of a job lookup's 115 in one process. It
        holds its last result until the next statement runs (``discard_cursor`` frees a big
        one at once)."""
        if self._cursor is None:
            self._cursor = self.dbapi.cursor()
        return self._cursor

    def discard_cursor(self) -> None:
        """Close the kept cursor, and with it the result it holds; the next statement makes a
        new one."""
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            cursor.close()

    def __del__(self):
        # The thread ended (its ``threading.local`` is freed) or the app went away: close it
        # rather than leave it to the driver's finaliser, which warns. A parent's connection
        # freed in a forked child is left alone.
        if self.pid == os.getpid():
            with contextlib.suppress(Exception):
                self.fairy.close()


class ThreadConnections:
    def __init__(self, engine: Engine, ping_idle_seconds: float):
        self.engine = engine
        self.ping_idle_seconds = ping_idle_seconds
        self._local = threading.local()
        # Every thread's, to close them all when the app's database is closed (``close_all``);
        # weak, so that a thread's ending still frees and closes its own.
        self._every: weakref.WeakSet[HeldConnection] = weakref.WeakSet()
        self._every_lock = threading.Lock()

    def acquire(self) -> HeldConnection:
        """This thread's connection, opened or replaced as needed."""
        held: HeldConnection | None = getattr(self._local, "held", None)
        if held is not None and held.pid != os.getpid():
            _INHERITED.append(held)
            held = self._local.held = None
        if held is not None and held.dbapi is None:  # closed by ``close_all``
            held = self._local.held = None
        if held is not None and time.monotonic() - held.used_at >= self.ping_idle_seconds \
                and not self._answers(held):
            self.drop(held)
            held = None
        if held is None:
            fairy = self.engine.raw_connection()
            fairy.detach()  # ours for good: the pool forgets it (and may open another later)
            fairy.dbapi_connection.autocommit = True
            fairy.dbapi_connection.execute(GENERIC_PLANS)
            held = self._local.held = HeldConnection(fairy, os.getpid())
            with self._every_lock:
                self._every.add(held)
        return held

    def release(self, held: HeldConnection) -> None:
        held.used_at = time.monotonic()

    def drop(self, held: HeldConnection) -> None:
        """Close this thread's connection (lost, or failed its ping); the next read opens one."""
        if getattr(self._local, "held", None) is held:
            self._local.held = None
        # It is being thrown away because it is broken: closing it may fail too.
        with contextlib.suppress(Exception):
            held.fairy.close()

    def close_all(self) -> None:
        """Close every thread's connection made in this process (the app's database is being
        closed, as ``Engine.dispose`` closes the pool's); a thread that reads again opens one."""
        with self._every_lock:
            every = [held for held in self._every if held.pid == os.getpid()]
        for held in every:
            with contextlib.suppress(Exception):
                held.fairy.close()

    def _answers(self, held: HeldConnection) -> bool:
        try:
            return bool(self.engine.dialect.do_ping(held.dbapi))
        except Exception:  # noqa: BLE001 - any failure means "do not use it"
            return False
