"""The job lifecycle, owned here: states, the transitions between them, leases and attempts.

    queued ──claim──► running ──finish──► done
       ▲ ◄─retry / lost─┘ │ ▲
       │                  │ └─ takeover (its worker is gone)
       │                  └──fail──► failed ◄──fail── queued

Every change of a job's status is one conditional UPDATE whose WHERE clause is the transition's
precondition, so two processes racing for one job cannot both win. The API and tracker dispatch
create jobs here, the worker claims, heartbeats, finishes, fails and retries them here, and the
reaper finds lost and unpublished jobs here.

A running job is leased to one worker process (``lease_owner``: host, pid and the process's
start time) and the lease lives while ``heartbeat_at`` is renewed. A job whose holder is gone is
taken over at once when its holder ran on this host (the process is checked); elsewhere, when
the lease lapses.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import psutil
from sqlalchemy import Update, and_, bindparam, case, insert, or_, select, update
from sqlalchemy.engine import Engine

from core.db import db, prepared_reads
from core.hashtags import hashtag_key
from core.models import Job, utcnow
from core.queue import publish_job

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
TRANSITIONS: dict[str, frozenset[str]] = {
    QUEUED: frozenset({RUNNING, FAILED}),
    # running → running: the lease passes to another worker (a takeover) or back to its own.
    RUNNING: frozenset({QUEUED, RUNNING, DONE, FAILED}),
    DONE: frozenset(),
    FAILED: frozenset(),
}
FINISHED = (DONE, FAILED)
UNPUBLISHED_NOTE = ("Waiting for the task queue, which could not be reached; the job will be "
                    "handed to it as soon as it answers.")
LOST_NOTE = "The worker processing this job stopped; it was queued again."


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class LeaseHolder:
    """A worker process, named so another process on the same host can tell it is gone."""

    host: str
    pid: int
    started: float  # the process's start time: a reused pid is a different process

    @property
    def token(self) -> str:
        return f"{self.host}:{self.pid}:{self.started:.2f}"

    @classmethod
    def parse(cls, token: str | None) -> LeaseHolder | None:
        try:
            host, pid, started = (token or "").rsplit(":", 2)
            return cls(host, int(pid), float(started))
        except ValueError:
            return None

    @classmethod
    def current(cls) -> LeaseHolder:
        """This process (computed per call: a forked pool child is not its parent)."""
        pid = os.getpid()
        return cls(socket.gethostname(), pid, round(psutil.Process(pid).create_time(), 2))


def holder_is_gone(token: str | None) -> bool:
    """True when the lease's holder ran on this host and that process no longer exists.

    A holder on another host cannot be checked from here: its lease has to lapse instead.
    """
    holder = LeaseHolder.parse(token)
    if holder is None or holder.host != socket.gethostname():
        return False
    try:
        process = psutil.Process(holder.pid)
        # A killed process its parent has not reaped yet is a zombie: gone all the same.
        return (round(process.create_time(), 2) != holder.started
                or process.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # e.g. access denied: it exists
        return False


def holder_is_alive_here(token: str | None) -> bool:
    holder = LeaseHolder.parse(token)
    return (holder is not None and holder.host == socket.gethostname()
            and not holder_is_gone(token))


# --- creating -------------------------------------------------------------------------------

# A job someone submitted, as one statement (``queue_job``); the columns left out take their
# model defaults (zero counts), filled in when the statement is compiled.
_QUEUE_JOB = insert(Job.__table__).values(
    hashtag=bindparam("hashtag"), hashtag_key=bindparam("hashtag_key"),
    source=bindparam("source"), tweet_limit=bindparam("limit"), lang=bindparam("lang"),
    status=QUEUED, created_by=bindparam("created_by"), created_at=bindparam("now"),
    published_at=bindparam("now"),
).returning(Job.__table__.c.id)


def queue_job(*, hashtag: str, source: str, limit: int, now: datetime, lang: str = "en",
              created_by: int | None = None) -> int:
    """Record a queued job, committed at once, and return its id: the one statement of a
    submission (``core.reads``' prepared write, not the ORM's unit of work, which was a third
    of a submission's time). Publishing it is the caller's next step (``publish``)."""
    (row,) = prepared_reads().write(_QUEUE_JOB, {
        "hashtag": hashtag, "hashtag_key": hashtag_key(hashtag), "source": source,
        "limit": limit, "lang": lang, "created_by": created_by, "now": now})
    return row.id


def new_job(*, hashtag: str, source: str, limit: int, now: datetime,
            tracker_id: int | None = None, scheduled_for: datetime | None = None,
            since_id: str | None = None, lang: str = "en") -> Job:
    """A queued job added to the session (not committed: dispatch commits it with its slot;
    ``queue_job`` is the same row written and committed on its own)."""
    job = Job(hashtag=hashtag, hashtag_key=hashtag_key(hashtag), source=source,
              tweet_limit=limit, lang=lang, status=QUEUED, tracker_id=tracker_id,
              scheduled_for=scheduled_for, since_id=since_id, created_at=now, published_at=now)
    db.session.add(job)
    return job


def publish(job_id: int) -> bool:
    """Publish a committed, queued job. On failure the job says so (published_at None and a
    note) instead of sitting silently queued; the reaper publishes it once the broker answers."""
    if publish_job(job_id):
        return True
    db.session.rollback()
    _update_now(update(Job).where(Job.id == job_id, Job.status == QUEUED)
                .values(published_at=None, error=UNPUBLISHED_NOTE))
    return False


def mark_published(job_ids: Sequence[int], now: datetime) -> None:
    """Record that the reaper republished these jobs; the 'waiting for the queue' note goes."""
    if not job_ids:
        return
    _update_now(update(Job).where(Job.id.in_(list(job_ids)), Job.status == QUEUED)
                .values(published_at=now, reserved_by=None,
                        error=case((Job.error == UNPUBLISHED_NOTE, None), else_=Job.error)))


def reserve(job_id: int, holder: LeaseHolder) -> None:
    """Note that ``holder`` (a worker's main process) took the job's message off the broker.

    Between that and the start of the job the message lives only in that process: if it dies
    then, ``abandoned_reservations`` finds the job at once instead of after a grace period.
    """
    _update_now(update(Job).where(Job.id == job_id, Job.status == QUEUED)
                .values(reserved_by=holder.token))


def abandoned_reservations(*, batch: int = 500) -> list[int]:
    """Queued jobs whose message was taken by a worker process on this host that is gone."""
    rows = db.session.execute(
        select(Job.id, Job.reserved_by)
        .where(Job.status == QUEUED, Job.reserved_by.is_not(None))
        .order_by(Job.id).limit(batch)).all()
    return [row.id for row in rows if holder_is_gone(row.reserved_by)]


# --- running --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """The outcome of trying to take a job: ``job`` when taken, else why not."""

    job: Job | None
    reason: str  # "taken", "taken-over", "finished", "held", "missing", "gave-up"
    # Taken for the first time: no earlier attempt can have stored anything for it.
    first_attempt: bool = False


def claim(job_id: int, holder: LeaseHolder, now: datetime, *, lease: timedelta,
          max_losses: int) -> Claim:
    """Take the job for ``holder``: a queued job, a running job whose lease lapsed or whose
    holder is gone (a takeover, counted as a worker loss), or one ``holder`` itself held.

    A takeover that would be the job's ``max_losses``-th loss fails it instead: a job that
    kills its worker every time must end.
    """
    row = db.session.execute(
        select(Job.status, Job.lease_owner, Job.heartbeat_at, Job.worker_losses, Job.attempts,
               Job.started_at)
        .where(Job.id == job_id)).first()
    db.session.rollback()  # end the read; the UPDATE below decides
    if row is None:
        return Claim(None, "missing")
    if row.status in FINISHED:
        return Claim(None, "finished")
    takeover = lost = False
    if row.status == RUNNING:
        lapsed = row.heartbeat_at is None or row.heartbeat_at < now - lease
        if row.lease_owner == holder.token:
            pass  # our own earlier attempt (a retry after a database error)
        elif lapsed or holder_is_gone(row.lease_owner):
            takeover = True
            # A lapsed lease of a process that still exists here is not a lost worker (it
            # gave the job up after a database error); elsewhere we cannot tell, so it counts.
            lost = not holder_is_alive_here(row.lease_owner)
        else:
            return Claim(None, "held")
    if lost and row.worker_losses + 1 >= max_losses:
        failed = _transition(
            job_id, RUNNING, FAILED, now, _same_lease(row),
            error=f"The worker processing this job stopped {row.worker_losses + 1} times; "
                  "giving up.", finished_at=now, lease_owner=None)
        return Claim(None, "gave-up" if failed else "held")
    taken = _transition(
        job_id, row.status, RUNNING, now, _same_lease(row),
        lease_owner=holder.token, reserved_by=None, heartbeat_at=now, started_at=now,
        retry_at=None,
        attempts=Job.attempts + 1, worker_losses=Job.worker_losses + int(lost),
        fetched=0, scored=0, positive=0, neutral=0, negative=0, skipped_language=0,
        mean_score=None, error=None)
    if not taken:
        return Claim(None, "held")
    return Claim(db.session.get(Job, job_id), "taken-over" if takeover else "taken",
                 first_attempt=not row.attempts and row.started_at is None)


def _same_lease(row) -> list:
    """The claim's read still holds: nobody took or renewed the job since."""
    owner = (Job.lease_owner.is_(None) if row.lease_owner is None
             else Job.lease_owner == row.lease_owner)
    beat = (Job.heartbeat_at.is_(None) if row.heartbeat_at is None
            else Job.heartbeat_at <= row.heartbeat_at)
    return [owner, beat]


def _transition(job_id: int, current: str, new: str, now: datetime, conditions: list,
                **values) -> bool:
    if not can_move(current, new):
        raise ValueError(f"a job cannot go from {current} to {new}")
    return _update_now(update(Job).where(Job.id == job_id, Job.status == current, *conditions)
                       .values(status=new, **values)) == 1


def _update_now(statement: Update) -> int:
    """Run a job UPDATE and commit it; returns the rows it changed. The commit expires the
    session's objects anyway, so matching them to the new values first (the ORM's default
    "synchronize_session") would be work thrown away: about 0.6 ms of a job's claim."""
    result = db.session.execute(statement, execution_options={"synchronize_session": False})
    db.session.commit()
    return result.rowcount


def heartbeat(job_id: int, holder: LeaseHolder, now: datetime) -> bool:
    """Renew the lease; False when it is no longer ours (taken over, finished, failed)."""
    return _update_now(update(Job).where(Job.id == job_id, Job.status == RUNNING,
                                         Job.lease_owner == holder.token)
                       .values(heartbeat_at=now)) == 1


class LeaseKeeper:
    """Renews a running job's lease from a background thread, so a long fetch (a slow API, a
    wait for a rate limit) never lets it lapse while the worker is alive.

    Uses its own connection from the engine: the job's session belongs to the worker thread.
    """

    def __init__(self, engine: Engine, job_id: int, holder: LeaseHolder, every: float) -> None:
        self._engine = engine
        self._job_id = job_id
        self._holder = holder
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(timeout=self._every + 5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                with self._engine.begin() as connection:
                    connection.execute(
                        update(Job).where(Job.id == self._job_id, Job.status == RUNNING,
                                          Job.lease_owner == self._holder.token)
                        .values(heartbeat_at=utcnow()))
            except Exception as exc:  # the database is down: the job's own path handles it
                log.warning("could not renew the lease of job %s: %s", self._job_id, exc)


def finish(job_id: int, holder: LeaseHolder, now: datetime, *, status: str,
           error: str | None = None, **figures) -> bool:
    """Running → done or failed with its final figures, only while ``holder`` holds it."""
    if status not in FINISHED:
        raise ValueError(f"finish takes done or failed, not {status}")
    return _transition(job_id, RUNNING, status, now, [Job.lease_owner == holder.token],
                       error=error, finished_at=now, lease_owner=None, **figures)


def fail(job_id: int, reason: str, now: datetime | None = None) -> bool:
    """Fail a job that is not finished yet, saying why in words a person understands."""
    db.session.rollback()
    return _update_now(
        update(Job).where(Job.id == job_id, Job.status.in_((QUEUED, RUNNING)))
        .values(status=FAILED, error=reason, finished_at=now or utcnow(), lease_owner=None)) == 1


def schedule_retry(job_id: int, note: str, retry_at: datetime) -> bool:
    """Running → queued, its retry due at ``retry_at`` (a rate limit, a source outage).

    Not a worker loss: a job may wait for many retries without being failed for them.
    """
    db.session.rollback()
    return _update_now(
        update(Job).where(Job.id == job_id, Job.status.in_((QUEUED, RUNNING)))
        .values(status=QUEUED, error=note, retry_at=retry_at, lease_owner=None)) == 1


# --- recovering -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LostJob:
    job_id: int
    lease_owner: str | None
    worker_losses: int


def lost_jobs(now: datetime, *, lease: timedelta, batch: int = 500) -> list[LostJob]:
    """Running jobs whose lease lapsed or whose holder on this host is gone."""
    rows = db.session.execute(
        select(Job.id, Job.lease_owner, Job.heartbeat_at, Job.worker_losses)
        .where(Job.status == RUNNING).order_by(Job.id).limit(batch)).all()
    return [LostJob(r.id, r.lease_owner, r.worker_losses) for r in rows
            if r.heartbeat_at is None or r.heartbeat_at < now - lease
            or holder_is_gone(r.lease_owner)]


def recover_lost(lost: LostJob, now: datetime, *, lease: timedelta, max_losses: int) -> str:
    """Requeue a lost job (or fail it after ``max_losses``); 'requeued', 'failed' or 'alive'.

    The UPDATE re-checks what made it lost, so a job whose worker renewed its lease or that
    another process recovered meanwhile is left alone.
    """
    owner = (Job.lease_owner.is_(None) if lost.lease_owner is None
             else Job.lease_owner == lost.lease_owner)
    still_lost = [owner]
    if not holder_is_gone(lost.lease_owner):
        still_lost.append(or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now - lease))
    if holder_is_alive_here(lost.lease_owner):
        # Alive but silent past its lease (it gave the job up after a database error): hand
        # the job on without counting a lost worker.
        return "requeued" if _transition(
            lost.job_id, RUNNING, QUEUED, now, still_lost, lease_owner=None, retry_at=None,
            published_at=None, error=None) else "alive"
    losses = lost.worker_losses + 1
    if losses >= max_losses:
        failed = _transition(
            lost.job_id, RUNNING, FAILED, now, still_lost, finished_at=now, lease_owner=None,
            error=f"The worker processing this job stopped {losses} times; giving up.")
        return "failed" if failed else "alive"
    requeued = _transition(
        lost.job_id, RUNNING, QUEUED, now, still_lost, lease_owner=None, retry_at=None,
        worker_losses=Job.worker_losses + 1, published_at=None, error=LOST_NOTE)
    return "requeued" if requeued else "alive"


def unpublished_jobs(now: datetime, *, batch: int = 500) -> list[int]:
    """Queued jobs whose message never reached the broker (or was taken back on recovery)."""
    return list(db.session.scalars(
        select(Job.id).where(Job.status == QUEUED, Job.published_at.is_(None),
                             or_(Job.retry_at.is_(None), Job.retry_at <= now))
        .order_by(Job.id).limit(batch)))


def overdue_jobs(now: datetime, *, grace: timedelta, batch: int = 500) -> list[int]:
    """Queued jobs that should have started by now: published over ``grace`` ago, or whose
    scheduled retry is ``grace`` overdue. Only lost if the broker's queue is empty."""
    cutoff = now - grace
    return list(db.session.scalars(
        select(Job.id).where(
            Job.status == QUEUED, Job.published_at.is_not(None),
            or_(Job.retry_at < cutoff,
                and_(Job.retry_at.is_(None), Job.published_at < cutoff)))
        .order_by(Job.id).limit(batch)))
