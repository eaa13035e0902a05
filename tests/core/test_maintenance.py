"""The start-up check of the database server's maintenance settings (``core.maintenance``),
and the worker's log line when they are off."""

from __future__ import annotations

import logging

import psycopg
import pytest

from core.db import db
from core.maintenance import CHECKED, maintenance_warnings, server_maintenance_warnings
from tests.support.env import PG_ADMIN_URL


def test_no_warning_when_autovacuum_and_its_statistics_are_on() -> None:
    assert maintenance_warnings({"autovacuum": "on", "track_counts": "on"}) == []


@pytest.mark.parametrize("name", CHECKED)
def test_a_setting_turned_off_is_named_with_what_to_do(name: str) -> None:
    settings = {"autovacuum": "on", "track_counts": "on", name: "off"}
    [warning] = maintenance_warnings(settings)
    assert f"PostgreSQL's {name} is off" in warning
    assert f"Turn {name} on" in warning and "VACUUM ANALYZE" in warning


def test_both_off_gives_a_warning_each() -> None:
    warnings = maintenance_warnings({"autovacuum": "off", "track_counts": "off"})
    assert [w.split(" is off")[0] for w in warnings] == [
        "PostgreSQL's autovacuum", "PostgreSQL's track_counts"]


def server_settings() -> dict[str, str]:
    """The settings as the server reports them, read without tagpulse's code."""
    with psycopg.connect(PG_ADMIN_URL) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in CHECKED}


def test_reads_the_servers_own_settings(database_app) -> None:
    with database_app.app_context():
        found = server_maintenance_warnings(db.engine)
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        assert found == []
    else:
        # This machine's server runs with autovacuum off, so here this is a real warning.
        assert found == maintenance_warnings(server_settings())


def test_the_worker_logs_each_warning_when_it_starts(database_app, caplog) -> None:
    from worker.tasks import warn_about_database_maintenance

    with caplog.at_level(logging.INFO, logger="worker.tasks"):
        warn_about_database_maintenance()
    logged = [r.getMessage() for r in caplog.records
              if r.name == "worker.tasks" and r.levelno == logging.WARNING]
    with database_app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        assert logged == []
    else:
        assert logged == maintenance_warnings(server_settings())
