"""A few web threads may wait for a worker's answer; the rest always serve other requests.

Each web process has a handful of threads (gunicorn gthread: 8). A request that waits for a job
or a prediction holds one for up to tens of seconds, so unbounded waiting let twenty callers
stall every other page and API call. Waiting needs a slot here instead: at most ``WAIT_SLOTS``
per process, at most ``WAIT_SLOTS_PER_CLIENT`` of them for one client (``client_key``). A caller
that finds none is answered at once (202 with the job's URL, or 503 with Retry-After).

Counted per process, in memory: a killed process cannot leave a slot taken forever, and the
bound that matters, threads, is per process too.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app

from webapp.extensions import client_key

# Seconds a refused caller is told to wait: a slot frees as soon as one wait ends, and most
# waits (a prediction) take well under that.
RETRY_AFTER_SECONDS = 2

_EXTENSION = "waiters"
_create_lock = threading.Lock()


@dataclass(frozen=True)
class Slot:
    """The outcome of asking for a waiting slot: ``held`` or why not."""

    held: bool
    reason: str = ""


class Waiters:
    """A bounded number of waiting slots, with a cap per client; thread-safe."""

    def __init__(self, slots: int, per_client: int) -> None:
        self.slots = max(0, slots)
        self.per_client = max(0, per_client)
        self._lock = threading.Lock()
        self._by_client: Counter[str] = Counter()

    @property
    def in_use(self) -> int:
        with self._lock:
            return self._by_client.total()

    def try_acquire(self, client: str) -> Slot:
        """Take a slot for ``client`` if one is free; never blocks."""
        with self._lock:
            if self._by_client.total() >= self.slots:
                return Slot(False, "Every waiting slot is taken.")
            if self._by_client[client] >= self.per_client:
                return Slot(False, "This client already has as many requests waiting as it may.")
            self._by_client[client] += 1
            return Slot(True)

    def release(self, client: str) -> None:
        with self._lock:
            self._by_client[client] -= 1
            if self._by_client[client] <= 0:
                del self._by_client[client]

    @contextmanager
    def slot(self, client: str) -> Iterator[Slot]:
        """A slot for the ``with`` block if one is free (``Slot.held``), released after it."""
        slot = self.try_acquire(client)
        try:
            yield slot
        finally:
            if slot.held:
                self.release(client)


def app_waiters(app: Flask) -> Waiters:
    """The app's waiters, created on first use from its settings (one set per process)."""
    waiters = app.extensions.get(_EXTENSION)
    if waiters is None:
        with _create_lock:
            waiters = app.extensions.get(_EXTENSION)
            if waiters is None:
                waiters = Waiters(app.config["WAIT_SLOTS"], app.config["WAIT_SLOTS_PER_CLIENT"])
                app.extensions[_EXTENSION] = waiters
    return waiters


@contextmanager
def waiting_slot() -> Iterator[Slot]:
    """A waiting slot for the current request's client, if one is free."""
    with app_waiters(current_app._get_current_object()).slot(client_key()) as slot:  # type: ignore[attr-defined]
        yield slot
