"""On PostgreSQL each thread runs the prepared reads on an autocommit connection of its own
(``core.thread_connections``): kept between reads, apart from the pool, replaced when lost or
dead after idling, and never shared with a forked child."""

from __future__ import annotations

import gc
import os
import threading
import time

import psycopg
import pytest
from sqlalchemy import func, literal_column, select

from core.models import Job
from tests.support.apps import fresh_app
from tests.support.env import temporary_postgres_database
from tests.support.faults import wait_until

BACKEND = select(func.pg_backend_pid())
NOW = select(func.now())
JOB_COUNT = select(func.count()).select_from(Job.__table__)
DIVIDE_BY_ZERO = select(literal_column("1 / 0"))
MANY_ROWS = select(func.generate_series(1, 1000))
FIVE_ROWS = select(func.generate_series(1, 5))


@pytest.fixture
def pg(tmp_path):
    def make(**config):
        return fresh_app(tmp_path / "instance", env={"DATABASE_URL": url}, config=config)

    with temporary_postgres_database() as url:
        yield url, make


def _backend_alive(url: str, pid: int) -> bool:
    with psycopg.connect(url, autocommit=True) as admin:
        return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                             (pid,)).fetchone()[0] == 1


def _terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_thread_keeps_its_connection_and_threads_do_not_share(pg):
    from core.db import db, prepared_reads

    url, make = pg
    with make() as app, app.app_context():
        first = prepared_reads().scalar(BACKEND)
        assert prepared_reads().scalar(BACKEND) == first
        # Autocommit: each read is a transaction of its own (now() is the transaction's start).
        before = prepared_reads().scalar(NOW)
        time.sleep(0.01)
        assert prepared_reads().scalar(NOW) > before
        assert db.engine.pool.checkedout() == 0

        seen = []
        held_by_thread = []

        def read_in_thread():
            with app.app_context():
                seen.append(prepared_reads().scalar(BACKEND))
                seen.append(prepared_reads().scalar(BACKEND))
                held_by_thread.append(prepared_reads()._threads.acquire().dbapi)

        thread = threading.Thread(target=read_in_thread)
        thread.start()
        thread.join()
        gc.collect()
        assert seen[0] == seen[1] != first
        # The thread is gone, and its connection was closed with it. The test still holds the
        # driver's connection object, so the driver's own finaliser cannot have closed it.
        assert held_by_thread[0].closed
        wait_until(lambda: not _backend_alive(url, seen[0]), timeout=5,
                   what="the ended thread's connection closed")
        assert _backend_alive(url, first)


def test_a_thread_keeps_one_cursor_and_a_failed_statement_leaves_it_usable(pg):
    from core.db import prepared_reads

    _url, make = pg
    with make() as app, app.app_context():
        reads = prepared_reads()
        backend = reads.scalar(BACKEND)
        cursor = reads._threads.acquire().cursor()
        with pytest.raises(psycopg.errors.DivisionByZero):
            reads.scalar(DIVIDE_BY_ZERO)
        # Not a lost connection: the same connection and cursor serve the next read.
        assert reads.scalar(BACKEND) == backend
        assert reads._threads.acquire().cursor() is cursor
        # ... and it is the cursor the reads run on.
        assert [row[0] for row in reads.all(FIVE_ROWS)] == [1, 2, 3, 4, 5]
        assert cursor.rowcount == 5
        assert not cursor.closed


def test_a_large_result_is_not_kept_by_the_threads_cursor(pg):
    from core.db import prepared_reads
    from core.reads import KEPT_RESULT_ROWS

    _url, make = pg
    with make() as app, app.app_context():
        reads = prepared_reads()
        reads.scalar(BACKEND)
        small = reads._threads.acquire().cursor()
        assert KEPT_RESULT_ROWS < 1000
        assert [row[0] for row in reads.all(MANY_ROWS)] == list(range(1, 1001))
        # Closed, with the 1,000 rows' result it held; the next read makes a new cursor.
        assert small.closed
        assert reads.scalar(BACKEND) is not None
        assert reads._threads.acquire().cursor() is not small


def test_closing_the_database_closes_every_threads_connection(pg):
    from core.db import close_database, prepared_reads

    url, make = pg
    with make(DB_PING_IDLE_SECONDS=3600) as app, app.app_context():
        mine = prepared_reads().scalar(BACKEND)
        read, may_end = threading.Event(), threading.Event()
        theirs = []

        def read_and_stay():  # a live thread: its connection is only reachable through close
            with app.app_context():
                theirs.append(prepared_reads().scalar(BACKEND))
                read.set()
                may_end.wait(10)

        thread = threading.Thread(target=read_and_stay)
        thread.start()
        try:
            assert read.wait(10)
            close_database(app)
            for pid in (mine, theirs[0]):
                wait_until(lambda pid=pid: not _backend_alive(url, pid), timeout=5,
                           what=f"backend {pid} closed")
        finally:
            may_end.set()
            thread.join()
        # The next read opens a new connection rather than failing on the closed one.
        assert prepared_reads().scalar(BACKEND) not in (mine, theirs[0])


def test_an_idle_connection_the_database_dropped_is_replaced_without_an_error(pg):
    from core.db import prepared_reads

    url, make = pg
    with make(DB_PING_IDLE_SECONDS=0) as app, app.app_context():
        pid = prepared_reads().scalar(BACKEND)
        _terminate(url, pid)
        # Tested before use (it was idle for at least 0 s): replaced, and the read succeeds.
        assert prepared_reads().scalar(JOB_COUNT) == 0
        assert prepared_reads().scalar(BACKEND) != pid


def test_a_connection_lost_mid_use_fails_that_read_only(pg):
    from core.db import prepared_reads

    url, make = pg
    with make(DB_PING_IDLE_SECONDS=3600) as app, app.app_context():
        pid = prepared_reads().scalar(BACKEND)
        _terminate(url, pid)
        with pytest.raises(psycopg.OperationalError):
            prepared_reads().scalar(JOB_COUNT)
        assert prepared_reads().scalar(JOB_COUNT) == 0
        assert prepared_reads().scalar(BACKEND) != pid


def test_a_forked_child_opens_its_own_and_leaves_the_parents_open(pg):
    from core.db import prepared_reads

    _url, make = pg
    with make(DB_PING_IDLE_SECONDS=3600) as app, app.app_context():
        parent_backend = prepared_reads().scalar(BACKEND)
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # the child: report its backend, then leave without cleaning up
            code = 1
            try:
                os.close(read_end)
                os.write(write_end, str(prepared_reads().scalar(BACKEND)).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            child_backend = int(pipe.read() or 0)
        _pid, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert child_backend not in (0, parent_backend)
        # The child neither used nor closed the parent's connection.
        assert prepared_reads().scalar(BACKEND) == parent_backend


def test_the_reads_run_on_generic_plans_not_planned_afresh_each_time(pg):
    """PostgreSQL plans a prepared statement's first five runs for their parameters, and may go
    on doing so for good; these connections take the generic plan from the first run."""
    from sqlalchemy import column, table

    from core.db import prepared_reads
    from webapp import jobs as job_service

    prepared = table("pg_prepared_statements", column("statement"), column("generic_plans"),
                     column("custom_plans"))
    plans = select(prepared.c.generic_plans, prepared.c.custom_plans).where(
        prepared.c.statement.like("%jobs.hashtag_key = $%"))
    url, make = pg
    with make() as app, app.app_context():
        for _ in range(8):
            job_service.list_jobs(hashtag="python")
        # psycopg prepares a statement on its sixth run; the runs since then were all generic.
        [(generic, custom)] = prepared_reads().all(plans)
        assert generic > 0 and custom == 0
