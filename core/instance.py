"""The instance folder: local state of the embedded defaults (SQLite file, embedded broker,
generated secret key, beat's schedule)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# A unix socket's path must fit sockaddr_un (108 bytes on Linux, including the final NUL).
MAX_SOCKET_PATH = 107


class InstanceFolderError(RuntimeError):
    """The instance folder cannot hold tagpulse's local state; the message says what to fix."""


def instance_path() -> Path:
    """``TAGPULSE_INSTANCE_PATH``, else ``instance/`` in the checkout."""
    return Path(os.environ.get("TAGPULSE_INSTANCE_PATH", REPO_ROOT / "instance")).resolve()


def ensure_writable(instance: Path) -> Path:
    """Create the folder if needed; raise InstanceFolderError (not a traceback) if tagpulse
    cannot write there."""
    try:
        instance.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InstanceFolderError(
            _advice(instance, f"it cannot be created ({exc.strerror})")) from None
    if not os.access(instance, os.W_OK | os.X_OK):
        raise InstanceFolderError(_advice(instance, "this user cannot write to it"))
    return instance


def _advice(instance: Path, problem: str) -> str:
    return (f"tagpulse keeps its local state (SQLite database, embedded broker, secret key) in "
            f"{instance}, but {problem}. Make it writable (e.g. chmod u+w '{instance}'), or set "
            f"TAGPULSE_INSTANCE_PATH to a writable folder (or DATABASE_URL, REDIS_URL and "
            f"SECRET_KEY to use servers instead).")


def embedded_redis_socket(instance: Path) -> Path:
    """Where the embedded Redis listens: in the instance folder, or, when that path is too long
    for a unix socket, in the temp folder under a name derived from it."""
    path = instance / "redis.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(instance).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"tagpulse-{digest}.sock"
