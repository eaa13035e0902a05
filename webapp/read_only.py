"""Requests that only read run on a PostgreSQL connection in autocommit mode.

In a transaction each read request paid three round trips to the database: BEGIN, the query,
and the ROLLBACK that returns the connection to the pool. Under load these round trips, not
Python, were most of a job lookup's time (py-spy: two thirds of it waiting on psycopg). In
autocommit mode the query goes alone. What each query sees is unchanged: PostgreSQL's default
isolation, READ COMMITTED, takes a new snapshot for every statement either way.

Only endpoints listed here, only for GET and HEAD, and only on PostgreSQL (SQLite begins no
transaction for a read anyway). A view that writes must not be listed: its statements would
commit one by one instead of together.
"""

from __future__ import annotations

from flask import Flask, g, request

from core.db import AUTOCOMMIT, db

# Most of these read through core.reads, outside the session, in autocommit mode already;
# listed, whatever they still read through the session goes in autocommit mode too. A view
# that never touches the session pays nothing for being here (core.db.Session).
READ_ONLY_ENDPOINTS = frozenset({
    "api.get_job",
    "api.list_jobs",
    "api.get_job_tweets",
    "pages.home",
    "pages.job",
    "pages.history",
    "pages.tag",
})


# Views that write with one statement each, so that each statement committing on its own
# changes nothing: submitting a job is one INSERT (its count is a trigger of that INSERT), and
# only if the broker is down one UPDATE that says so. In a transaction that was three round
# trips (BEGIN, INSERT, COMMIT) instead of one.
SINGLE_STATEMENT_WRITES = frozenset({"api.create_job"})


def _choose_autocommit() -> None:
    if (request.endpoint in READ_ONLY_ENDPOINTS and request.method in ("GET", "HEAD")) or (
            request.endpoint in SINGLE_STATEMENT_WRITES and request.method == "POST"):
        # Taken up by core.db.Session when the session first needs a connection.
        g.setdefault(AUTOCOMMIT, True)


def init_read_only(app: Flask) -> None:
    """Register the hook; call it before anything else that may read the database in a
    before-request hook (the limiter's and the policy's user lookup): the connection's mode
    can only be chosen before its first statement."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            app.before_request(_choose_autocommit)
