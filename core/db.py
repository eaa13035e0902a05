"""The database handle shared by the web app and the worker, and SQLite's tuning for both."""

import sqlite3
import time

import psycopg
from flask import Flask, current_app, g, has_app_context
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.reads import PreparedReads

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Set on ``flask.g`` by webapp.read_only: this request's session reads (or writes one statement
# at a time) in autocommit mode on PostgreSQL.
AUTOCOMMIT = "tagpulse_autocommit"
_AUTOCOMMIT_ENGINES = "tagpulse.autocommit_engines"


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, in autocommit mode on PostgreSQL when the request asked for
    it (``g.tagpulse_autocommit``).

    The mode is taken when the session first needs a connection, not up front: a view that
    never touches the session (its reads are ``core.reads``) checks out nothing. The
    autocommit engine shares the app's pool; ``init_reads`` makes it once per app.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and has_app_context() and g.get(AUTOCOMMIT):
            return current_app.extensions[_AUTOCOMMIT_ENGINES].get(engine, engine)
        return engine


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                session_options={"class_": Session})

# The driver's own errors too: a pool's pre-ping can raise them unwrapped.
_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, psycopg.OperationalError,
                psycopg.InterfaceError, sqlite3.OperationalError)


def is_database_unavailable(error: BaseException) -> bool:
    """True for "cannot reach or use the database right now" (retry later); False for a bad
    query, a broken constraint or a bug, which retrying would only repeat."""
    if isinstance(error, _UNAVAILABLE):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    """SQLite is shared by the web, worker and beat processes: WAL lets readers run beside the
    one writer, busy_timeout makes a writer wait for the lock instead of failing at once."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        # With WAL, NORMAL never corrupts the file; a power cut may lose the last commits only.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before use only when it sat unused for ``idle_seconds``.

    ``pool_pre_ping`` paid a round trip to the database on every checkout, i.e. on every
    request: under load it was a third of a job lookup. A connection back in the pool a moment
    ago is as good as a pinged one; one idle for longer (the database may have restarted
    meanwhile) is tested, and replaced if dead. A connection that breaks mid-use still
    invalidates the whole pool, as before (SQLAlchemy does that on any disconnect error).
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # new, or just used
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means "do not use it"
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the database did not answer the ping")


PREPARED_READS = "tagpulse.prepared_reads"


def init_reads(app: Flask) -> None:
    """The app's ``prepared_reads`` (``core.reads``: on PostgreSQL a connection per thread made
    through the app's engine, on SQLite the app's pool), and on PostgreSQL the autocommit view of
    the pool that ``Session`` uses (``execution_options`` registers event
    listeners: once per app, not per request)."""
    with app.app_context():
        engine = db.engine
        app.extensions[PREPARED_READS] = PreparedReads(
            engine, ping_idle_seconds=app.config["DB_PING_IDLE_SECONDS"])
        app.extensions[_AUTOCOMMIT_ENGINES] = (
            {engine: engine.execution_options(isolation_level="AUTOCOMMIT")}
            if engine.dialect.name == "postgresql" else {})


def close_database(app: Flask) -> None:
    """Close every connection the app holds: the session's, the pool's and the per-thread ones
    of the prepared reads (when an app is thrown away, e.g. at the end of a test)."""
    with app.app_context():
        db.session.remove()
        app.extensions[PREPARED_READS].close()
        db.engine.dispose()


def prepared_reads() -> PreparedReads:
    """The current app's compiled reads, for the statements pages and pollers repeat most."""
    return current_app.extensions[PREPARED_READS]
