"""Prepared reads: a Core ``select`` compiled once per engine, run on a raw driver connection.

For the few reads every page and poller repeats (a job's status, the API's history). On those,
SQLAlchemy's execution path (a ``Connection`` per call, the compiled-cache lookup, the driver's
description of every column, a ``Row`` per result) was two thirds of a job lookup's Python time,
for a statement that never changes. Here the statement is compiled once, its result columns get
SQLAlchemy's own converters once (SQLite's timestamps, the UTC type), and each call is the
driver's ``execute`` and ``fetchall`` (on PostgreSQL on the thread's own autocommit connection,
``core.thread_connections``; on SQLite on a pooled one). Statements stay Core expressions:
the SQL is SQLAlchemy's, per dialect, never written by hand.

The same path runs the one write every submission makes, a job's ``INSERT … RETURNING``
(``write``): through the ORM's unit of work it was 600 µs of a submission's 2 ms, here 80 µs.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert, Select
from sqlalchemy.engine import Engine

from core.thread_connections import ThreadConnections

Processor = Callable[[Any], Any] | None
Statement = Select | Insert
# ``select(...).execution_options(row_mixin=SomeClass)``: rows of that statement also inherit
# ``SomeClass`` (properties computed from the columns, with no state of their own).
ROW_MIXIN = "row_mixin"


@dataclass
class CompiledRead:
    statement: Statement  # held, so the id it is filed under stays unique
    sql: str
    # Values the statement carries itself (``.offset(5)``, an insert's column defaults), already
    # converted; the caller's parameters go on top.
    defaults: dict[str, Any]
    # SQLAlchemy's converter for each parameter that has one (the UTC type's), by name.
    converters: dict[str, Callable[[Any], Any]]
    # Parameter names in placeholder order for positional paramstyles (SQLite's ``?``); None
    # where the driver takes a mapping (psycopg's ``%(name)s``).
    positional: tuple[str, ...] | None
    row_type: type
    # From the first result's type codes (PostgreSQL's numeric types need them): the columns
    # that have a converter, by position (a few of a job row's 26 on PostgreSQL).
    processors: tuple[tuple[int, Processor], ...] | None = field(default=None)


def compile_read(statement: Statement, engine: Engine) -> CompiledRead:
    """``statement`` as ``engine``'s driver runs it, with the parameter conversions and column
    defaults SQLAlchemy's execution would apply."""
    dialect = engine.dialect
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or any(b.expanding for b in compiled.binds.values()):
        raise ValueError("expanding parameters (IN lists) are rendered per call; use one_of()")
    converters = {}
    for bind in compiled.binds.values():
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            converters[compiled.bind_names[bind]] = convert
    defaults = {compiled.bind_names[bind]: bind.value for bind in compiled.binds.values()
                if not bind.required}
    # An insert's columns left out of it get their defaults at execution time, which this path
    # does not have: a constant default is filled in here, a computed one must be given.
    for column in getattr(compiled, "insert_prefetch", ()):
        if not (column.default is not None and column.default.is_scalar):
            raise ValueError(f"give {column.key!r} a value: its default is computed per call")
        defaults[column.key] = column.default.arg
    defaults = {name: converters[name](value) if name in converters else value
                for name, value in defaults.items()}
    positional = tuple(compiled.positiontup) if compiled.positional else None
    # rename: an unlabelled column gets a positional name instead of failing.
    row_type = namedtuple("ReadRow", [column.key or "" for column in _result_columns(statement)],
                          rename=True)
    mixin = statement.get_execution_options().get(ROW_MIXIN)
    if mixin is not None:  # properties over the columns, e.g. a job's total
        row_type = type(f"{mixin.__name__}Row", (row_type, mixin), {"__slots__": ()})
    return CompiledRead(statement, compiled.string, defaults, converters, positional, row_type)


def _result_columns(statement: Statement):
    """What a statement returns: a select's columns, an insert's RETURNING columns."""
    if isinstance(statement, Select):
        return statement.selected_columns
    return statement.exported_columns


def result_processors(statement: Statement, engine: Engine,
                      description: Sequence[Sequence[Any]]) -> tuple[Processor, ...]:
    """SQLAlchemy's converter for each result column, None where the driver's value is final:
    the dialect's own form of each type first, as its execution path does (SQLite's timestamps
    arrive as text and need parsing before a TypeDecorator's step)."""
    dialect = engine.dialect
    return tuple(column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                 for column, described in zip(_result_columns(statement), description,
                                              strict=True))


# Statements are module constants; more than this many means one is being built per call.
MAX_STATEMENTS = 64
# Each thread's cursor holds its last result until the thread's next statement (PostgreSQL);
# a larger one (a job's texts for its words, up to thousands of rows) is freed at once.
KEPT_RESULT_ROWS = 200


class PreparedReads:
    """Compiled statements for one engine (each app has its own), and the raw-connection call
    that runs them.

    On PostgreSQL each thread runs them on a connection of its own that stays in autocommit
    mode (``core.thread_connections``): the statement goes without BEGIN and ROLLBACK around it
    (three round trips instead of one), and without a pool checkout or a mode switch either.
    On SQLite they run on a connection from the engine's pool: its driver begins no transaction
    for a read anyway; for a ``write`` it does, and the write commits it.
    """

    def __init__(self, engine: Engine, *, ping_idle_seconds: float = 1.0):
        self.engine = engine
        self._threads = (ThreadConnections(engine, ping_idle_seconds)
                         if engine.dialect.name == "postgresql" else None)
        self._compiled: dict[int, CompiledRead] = {}

    def close(self) -> None:
        """Close the per-thread connections (PostgreSQL); the pool's are the engine's to close."""
        if self._threads is not None:
            self._threads.close_all()

    def _compile(self, statement: Statement) -> CompiledRead:
        read = self._compiled.get(id(statement))
        if read is None:
            if len(self._compiled) >= MAX_STATEMENTS:
                raise RuntimeError("prepared reads take constant statements, built once; "
                                   "pass varying values as bindparam() parameters")
            read = self._compiled[id(statement)] = compile_read(statement, self.engine)
        return read

    def all(self, statement: Select, params: Mapping[str, Any] | None = None) -> list:
        return self._run(statement, params, commit=False)

    def write(self, statement: Insert, params: Mapping[str, Any] | None = None) -> list:
        """Run one write statement (an ``INSERT … RETURNING``) as a transaction of its own,
        committed before this returns, on a connection beside the request's session: it sees
        nothing the session has not committed. Returns the RETURNING rows."""
        return self._run(statement, params, commit=True)

    def _run(self, statement: Statement, params: Mapping[str, Any] | None, *,
             commit: bool) -> list:
        read = self._compile(statement)
        values = read.defaults
        if params:
            converters = read.converters
            if converters:  # only statements with such parameters pay for the lookups
                params = {name: converters[name](value) if name in converters else value
                          for name, value in params.items()}
            values = {**values, **params}
        if read.positional is not None:
            values = tuple(values[name] for name in read.positional)
        if self._threads is not None:
            raw_rows = self._on_thread_connection(statement, read, values)
        else:
            raw_rows = self._on_pooled_connection(statement, read, values, commit=commit)
        make, converted = read.row_type._make, read.processors
        if not converted:
            return [make(row) for row in raw_rows]
        # Only the columns with a converter: one step per column per row was a tenth of a
        # page's reading.
        rows = []
        for raw in raw_rows:
            values = list(raw)
            for i, process in converted:
                values[i] = process(values[i])
            rows.append(make(values))
        return rows

    def _on_thread_connection(self, statement: Statement, read: CompiledRead, values) -> list:
        """PostgreSQL: this thread's autocommit connection, so a write is committed as it runs."""
        held = self._threads.acquire()
        cursor = None
        try:
            cursor = held.cursor()
            cursor.execute(read.sql, values)
            self._learn_processors(statement, read, cursor)
            rows = cursor.fetchall()
            if len(rows) > KEPT_RESULT_ROWS:
                # The kept cursor would hold this result until the thread's next statement.
                held.discard_cursor()
        except self.engine.dialect.loaded_dbapi.Error as exc:
            # As SQLAlchemy's own path does on a lost connection: drop it rather than use it for
            # the next read. After any other error the cursor serves the next statement as is.
            if self.engine.dialect.is_disconnect(exc, held.dbapi, cursor):
                self._threads.drop(held)
            raise
        finally:
            self._threads.release(held)
        return rows

    def _on_pooled_connection(self, statement: Statement, read: CompiledRead, values, *,
                              commit: bool) -> list:
        dialect = self.engine.dialect
        fairy = self.engine.raw_connection()
        try:
            cursor = fairy.cursor()
            try:
                cursor.execute(read.sql, values)
                self._learn_processors(statement, read, cursor)
                rows = cursor.fetchall()
                if commit:
                    fairy.dbapi_connection.commit()
            except dialect.loaded_dbapi.Error as exc:
                # As on the thread's connection: a lost one is dropped, not handed to the next
                # request.
                if dialect.is_disconnect(exc, fairy.dbapi_connection, cursor):
                    fairy.invalidate(exc)
                raise
            finally:
                cursor.close()
        finally:
            fairy.close()
        return rows

    def _learn_processors(self, statement: Statement, read: CompiledRead, cursor) -> None:
        if read.processors is None:
            read.processors = tuple(
                (i, process) for i, process in enumerate(result_processors(
                    statement, self.engine, cursor.description)) if process)

    def first(self, statement: Select, params: Mapping[str, Any] | None = None):
        rows = self.all(statement, params)
        return rows[0] if rows else None

    def scalar(self, statement: Select, params: Mapping[str, Any] | None = None):
        row = self.first(statement, params)
        return row[0] if row else None
