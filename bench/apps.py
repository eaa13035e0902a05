"""The app on a throwaway database of either kind, for the benchmarks that call it in-process."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from flask import Flask

from tests.support.apps import fresh_app
from tests.support.env import temporary_postgres_database


@contextmanager
def app_on(dialect: str) -> Iterator[Flask]:
    """``create_app`` with its tables, on a fresh SQLite file or a temporary PostgreSQL
    database (``dialect``), in a temporary instance folder; all of it gone afterwards."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        env = {}
        if dialect == "postgresql":
            env["DATABASE_URL"] = stack.enter_context(temporary_postgres_database())
        yield stack.enter_context(fresh_app(tmp / "instance", env=env))
