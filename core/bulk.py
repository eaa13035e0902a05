"""Many rows in one INSERT that skips rows already there, in few round trips on every backend.

PostgreSQL gets ``INSERT … SELECT … FROM json_populate_recordset(NULL::table, :rows) ON
CONFLICT DO NOTHING``: the rows as one JSON parameter (encoded by orjson, parsed in C by the
server), so the statement's text is the same whatever the row count.
SQLAlchemy's default for PostgreSQL ("insertmanyvalues") writes the rows into a long VALUES
list instead, a new text per batch size that psycopg parses in Python on every call: with
1,000-post jobs that parsing was a quarter of the worker's time (``bench/pipeline.py``).
SQLite keeps insertmanyvalues, which is fast there.

Counters kept by ``x = x + delta`` upserts (``add_on_conflict``) go the same way: one
``INSERT … SELECT … ON CONFLICT … DO UPDATE`` for all the rows, where an executemany of the
upsert sent one statement per row for PostgreSQL to parse, plan and run.
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
from core.models import UTCDateTime


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
    rows_json = _rows_json(table, rows, dialect)
    result = db.session.execute(_recordset_insert(table, tuple(rows[0]), tuple(returning)),
                                {"rows": rows_json})
    # all(): one fetch of every returned row, not one driver call per row.
    return result.all() if returning else []


def add_on_conflict(table: Table, rows: Sequence[Mapping[str, Any]], keys: Sequence[str],
                    added: Sequence[str]) -> None:
    """Insert ``rows`` (dicts with the same keys); where a row with the same ``keys`` exists
    already, add the row's ``added`` columns to it instead, atomically. ``keys`` must name a
    unique constraint, and no two rows may share their keys (one statement cannot update a row
    twice). Rows are written in the order of their keys, the same in every process, so two
    transactions adding to the same rows wait for each other instead of deadlocking."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect
    if dialect.name != "postgresql":
        statement = sqlite.insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: table.c[name] + statement.excluded[name] for name in added})
        ordered = sorted(rows, key=lambda row: tuple(row[name] for name in keys))
        db.session.execute(statement, ordered)
        return
    db.session.execute(_recordset_upsert(table, tuple(rows[0]), tuple(keys), tuple(added)),
                       {"rows": _rows_json(table, rows, dialect)})


def _rows_json(table: Table, rows: Sequence[Mapping[str, Any]], dialect) -> str:
    """The rows as one JSON array, each value as the column's type would bind it."""
    names = tuple(rows[0])
    # Only the columns whose type converts values are touched row by row; the rest go to orjson
    # as they are. UTC datetimes need no step here: orjson writes an aware one with its offset,
    # which PostgreSQL reads as the same moment, and a naive one as UTC (OPT_NAIVE_UTC), as
    # UTCDateTime would bind it. With 500-post batches this loop ran three times per post.
    converted = [(name, process) for name in names
                 if not isinstance(table.c[name].type, UTCDateTime)
                 and (process := table.c[name].type.bind_processor(dialect)) is not None]
    records = rows
    if converted:
        records = [dict(row) for row in rows]
        for record in records:
            for name, process in converted:
                record[name] = process(record[name])
    # orjson writes a 500-post batch about six times faster than the standard library, and
    # datetimes as ISO 8601 with their offset, as PostgreSQL reads them.
    return orjson.dumps(records, default=_json_value, option=orjson.OPT_NAIVE_UTC).decode()


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


@cache
def _recordset_upsert(table: Table, names: tuple[str, ...], keys: tuple[str, ...],
                      added: tuple[str, ...]):
    # As _recordset_insert: only the table's own column names reach the text.
    for name in (*names, *keys, *added):
        table.c[name]  # noqa: B018 - raises KeyError for a name that is not a column
    columns, key_list = ", ".join(names), ", ".join(keys)
    sums = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in added)
    return text(
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} "  # noqa: S608
        f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json)) "
        f"ORDER BY {key_list} ON CONFLICT ({key_list}) DO UPDATE SET {sums}")


def one_of(column: ColumnElement, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``: one parameter, so the
    statement's text does not grow (and get parsed again) with the number of values."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))

