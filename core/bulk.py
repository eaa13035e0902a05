"""Many rows in one INSERT that skips rows already there, in few round trips on every backend.

PostgreSQL gets ``INSERT … SELECT … FROM json_populate_recordset(NULL::table, :rows) ON
CONFLICT DO NOTHING``: the rows as one JSON parameter (encoded by orjson, parsed in C by the
server), so the statement's text is the same whatever the row count.
SQLAlchemy's default for PostgreSQL ("insertmanyvalues") writes the rows into a long VALUES
list instead, a new text per batch size that psycopg parses in Python on every call: with
1,000-post jobs that parsing was a quarter of the worker's time (``bench/pipeline.py``).
SQLite keeps insertmanyvalues, which is fast there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import orjson
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
    # Only the columns whose type converts values (UTC datetimes) are touched row by row; the
    # rest go to json.dumps as they are. With 500-post batches this loop runs per post.
    converted = [(name, process) for name in names
                 if (process := table.c[name].type.bind_processor(dialect)) is not None]
    records = rows
    if converted:
        records = [dict(row) for row in rows]
        for record in records:
            for name, process in converted:
                record[name] = process(record[name])
    # orjson writes a 500-post batch about six times faster than the standard library, and
    # datetimes as ISO 8601 with their offset, as PostgreSQL reads them.
    rows_json = orjson.dumps(records, default=_json_value).decode()
    result = db.session.execute(_recordset_insert(table, names, tuple(returning)),
                                {"rows": rows_json})
    # all(): one fetch of every returned row, not one driver call per row.
    return result.all() if returning else []


def _json_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()  # PostgreSQL reads ISO 8601 with its offset
    raise TypeError(f"cannot send {type(value).__name__} in a bulk insert")


@cache
def _recordset_insert(table: Table, names: tuple[str, ...], returning: tuple[str, ...]):
    # Only names of the table's own columns get here (``table.c[name]`` above raises otherwise);
    # the rows travel as one bound parameter.
    columns = ", ".join(names)
    sql = (f"INSERT INTO {table.name} ({columns}) SELECT {columns} "  # noqa: S608
           f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json)) "
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

