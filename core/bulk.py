"""Many rows in one INSERT that skips rows already there, in few round trips on every backend.

PostgreSQL gets ``INSERT … SELECT * FROM unnest(CAST(:col AS type[]), …) ON CONFLICT DO
NOTHING``: one array per column, so the statement's text is the same whatever the row count.
SQLAlchemy's default for PostgreSQL ("insertmanyvalues") writes the rows into a long VALUES
list instead, a new text per batch size that psycopg parses in Python on every call: with
1,000-post jobs that parsing was a quarter of the worker's time (``bench/pipeline.py``).
SQLite keeps insertmanyvalues, which is fast there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite

from core.db import db


def insert_ignoring_conflicts(table: Table, rows: Sequence[Mapping[str, Any]],
                              returning: Sequence[str] = ()) -> list[Row]:
    """Insert ``rows`` (dicts with the same keys), skipping any that would violate a unique
    constraint; returns the ``returning`` columns of the rows this call inserted."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect
    if dialect.name != "postgresql":
        statement = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect.name](
            table).on_conflict_do_nothing()
        if returning:
            statement = statement.returning(*(table.c[name] for name in returning))
            return list(db.session.execute(statement, list(rows)))
        db.session.execute(statement, list(rows))
        return []
    names = tuple(rows[0])
    arrays: dict[str, list[Any]] = {}
    for name in names:
        # The column type's own conversion (e.g. UTCDateTime's), as a bound parameter gets it.
        process = table.c[name].type.bind_processor(dialect)
        values = [row[name] for row in rows]
        arrays[name] = [process(value) for value in values] if process else values
    result = db.session.execute(_unnest_insert(table, names, tuple(returning)), arrays)
    return list(result) if returning else []


@cache
def _unnest_insert(table: Table, names: tuple[str, ...], returning: tuple[str, ...]):
    dialect = postgresql.dialect()
    arrays = ", ".join(f"CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[])"
                       for name in names)
    # Only names of the table's own columns get here (``table.c[name]`` above raises otherwise);
    # the values travel as bound parameters.
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "  # noqa: S608
           "ON CONFLICT DO NOTHING")
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return text(sql)


def one_of(column: ColumnElement, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``: one parameter, so the
    statement's text does not grow (and get parsed again) with the number of values."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))

