"""Celery tasks: thin wrappers that load ids, call the pipeline and decide retry versus failure."""

from __future__ import annotations

import contextlib
import gc
import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_received, worker_init, worker_process_init, worker_ready
from flask import current_app
from kombu.exceptions import ChannelError
from sqlalchemy import select

from core import lifecycle
from core.celery_config import ANALYZE_JOB_TASK, PREDICT_TEXTS_TASK, REAP_STALE_JOBS_TASK
from core.db import db, is_database_unavailable
from core.maintenance import server_maintenance_warnings
from core.models import Job, utcnow
from core.queue import publish_job
from core.sources import SOURCE_SETTINGS
from worker import message_guard, model_runtime, pipeline, reaper, tracking
from worker.sources import SourceError, SourceRateLimited, SourceUnavailable, get_source
from worker.sources.sample_corpus import load_corpus

log = logging.getLogger(__name__)
message_guard.install()

SOURCE_RETRIES = 4
RATE_LIMIT_RETRIES = 8


def source_settings() -> dict[str, str]:
    """Every setting a source declares in the registry, as the worker's configuration has it."""
    config = current_app.config
    return {key: str(config[key]) for key in SOURCE_SETTINGS if config.get(key) is not None}


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])


@shared_task(name=ANALYZE_JOB_TASK, bind=True, max_retries=None)
def analyze_job(self, job_id: int) -> str | None:
    retries = self.request.retries
    try:
        # Inside the try: the database may still be down. Two columns, not the ORM's whole
        # Job: the claim reads and loads the job itself, and between two jobs a pool slot
        # waits for every statement here (an ORM load was 2-3 ms of it).
        job = db.session.execute(
            select(Job.source, Job.tracker_id).where(Job.id == job_id)).first()
        if job is None:
            log.warning("job %s does not exist; dropping its message", job_id)
            return None
        source = get_source(job.source, settings=source_settings())
        outcome = pipeline.run_job(
            job_id, source=source, score=model_runtime.predict,
            model_version=model_runtime.model_version(), lease=lease(),
            max_losses=current_app.config["JOB_MAX_ATTEMPTS"],
            renew_every=lease().total_seconds() / 3)
        # Only a tracker's run can raise an alert (a job never gains a tracker).
        if outcome and outcome.status == "done" and job.tracker_id is not None:
            tracking.after_tracked_run(job_id)
        return outcome.status if outcome else None
    except SourceRateLimited as exc:
        if retries >= RATE_LIMIT_RETRIES:
            lifecycle.fail(job_id, "The tweet source kept rate-limiting us; try again later.")
            return "failed"
        wait = max(1.0, (exc.reset_at - utcnow()).total_seconds())
        lifecycle.schedule_retry(job_id, f"Rate-limited by the source; retrying in {wait:.0f} s.",
                                 retry_at=utcnow() + timedelta(seconds=wait))
        raise self.retry(countdown=wait, exc=exc) from None
    except SourceUnavailable as exc:
        if retries >= SOURCE_RETRIES:
            lifecycle.fail(job_id, f"The tweet source is unavailable: {exc}")
            return "failed"
        lifecycle.schedule_retry(job_id, f"The tweet source is unavailable; retry {retries + 1}.",
                                 retry_at=utcnow() + timedelta(seconds=2 ** retries))
        raise self.retry(countdown=2 ** retries, exc=exc) from None
    except SourceError as exc:
        lifecycle.fail(job_id, str(exc))
        return "failed"
    except SoftTimeLimitExceeded:
        limit = current_app.config["CELERY"]["task_soft_time_limit"]
        lifecycle.fail(job_id, f"The job took longer than its {limit} s time limit.")
        return "failed"
    except Exception as exc:
        if is_database_unavailable(exc):
            # The database went away mid-job: retry the whole job later; storage is idempotent.
            # This process still holds the lease, so its retry takes the job back at once; if
            # another worker gets the message first, the reaper requeues the job once the
            # lease lapses.
            log.warning("database unavailable during job %s: %s", job_id, type(exc).__name__)
            with contextlib.suppress(Exception):
                db.session.rollback()
            raise self.retry(countdown=min(30, 2 ** retries), exc=exc) from None
        log.exception("job %s failed unexpectedly", job_id)
        lifecycle.fail(job_id, "An internal error stopped this job; it has been logged.")
        return "failed"


@worker_init.connect
def share_the_sample_corpus(**_kwargs) -> None:
    """In the worker's main process, before it forks its pool: read the bundled corpus when the
    sample source is the default, then freeze what the process holds out of the garbage
    collector's reach (``gc.freeze``). The pool processes then share it: their collections
    never write to its objects, so its pages stay shared instead of being copied. Without this
    each pool process read its own on its first sample job: half a second of CPU (in a burst
    of jobs, 5 % of the pool's busy time) and 28 MB apiece."""
    from celery import current_app as celery_app

    if celery_app.flask_app.config["DEFAULT_SOURCE"] != "sample":
        return
    corpus = load_corpus()
    gc.freeze()
    log.info("sample corpus read before the pool starts: %s lines", len(corpus.lines))


@worker_process_init.connect
def fresh_database_connections(**_kwargs) -> None:
    """A pool process forked after the main process used the database (noting reservations)
    would share its connections' sockets: drop them, without closing the parent's."""
    from celery import current_app as celery_app

    with celery_app.flask_app.app_context():
        db.engine.dispose(close=False)


@worker_ready.connect
def warn_about_database_maintenance(sender=None, **_kwargs) -> None:
    """Once per worker start, in the main process: say so in the log if the database server
    will not vacuum and analyze tagpulse's tables (``core.maintenance``)."""
    from celery import current_app as celery_app

    try:
        with celery_app.flask_app.app_context():
            warnings = server_maintenance_warnings(db.engine)
    except Exception as exc:  # the database may still be starting; jobs wait for it anyway
        log.info("could not read the database's maintenance settings: %s", type(exc).__name__)
        return
    for warning in warnings:
        log.warning(warning)


@task_received.connect
def note_reservation(request=None, **_kwargs) -> None:
    """In the worker's main process, as a job's message arrives: record who holds it, so the
    reaper republishes it at once if this process dies before a pool process starts the job."""
    if request is None or request.name != ANALYZE_JOB_TASK or not request.args:
        return
    app = request.task.app.flask_app
    try:
        with app.app_context():
            lifecycle.reserve(int(request.args[0]), lifecycle.LeaseHolder.current())
    except Exception as exc:  # never stop a delivery over bookkeeping; the grace path remains
        log.warning("could not note the reservation of job %s: %s", request.args[0], exc)
    finally:
        with app.app_context():
            db.session.remove()


@shared_task(name=PREDICT_TEXTS_TASK, ignore_result=False)
def predict_texts(texts: list[str]) -> list[dict]:
    """Score free text for the web process, which never loads the model itself."""
    return [{"label": p.label, "score": p.score, "probs": p.probs}
            for p in model_runtime.predict(texts)]


@shared_task(name=REAP_STALE_JOBS_TASK)
def reap_stale_jobs() -> dict:
    config = current_app.config
    report = reaper.reap(
        now=utcnow(), lease=lease(), max_losses=config["JOB_MAX_ATTEMPTS"],
        grace=timedelta(seconds=config["STALE_JOB_SECONDS"]),
        queue_is_empty=broker_queue_is_empty, publish=publish_job)
    if report.republished or report.failed:
        log.info("reaper: %s", report)
    return {"republished": len(report.republished), "requeued": len(report.requeued),
            "failed": len(report.failed)}


def broker_queue_is_empty() -> bool:
    celery = current_app.extensions["celery"]
    queue = celery.conf.task_default_queue
    try:
        with celery.connection_for_write() as connection:
            declared = connection.default_channel.queue_declare(queue=queue, passive=True)
            return declared.message_count == 0
    except ChannelError as exc:
        # Redis deletes an empty list, so an empty queue "does not exist" (404): that is the
        # very moment lost jobs must be republished, not a reason to skip it.
        if "NOT_FOUND" in str(exc):
            return True
        log.warning("could not read the broker queue length", exc_info=True)
        return False
    except Exception:
        log.warning("could not read the broker queue length", exc_info=True)
        return False
