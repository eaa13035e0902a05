"""Server settings a PostgreSQL instance needs to stay fast over days, checked at start-up.

tagpulse leans on autovacuum twice: the counter rows kept by triggers (``job_counts``,
``hashtag_job_counts``) are rewritten on every submission and pile up dead versions until
vacuumed, and the worker's lookups of stored tweets need the planner's statistics (without any,
a 500-post page is looked up by scanning all of a source's tweets: 110 ms per page at 17,000
tweets, growing with the table). Both are on by default; an operator who turned them off should
hear it from the worker's log rather than from a slowly degrading instance.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.engine import Engine

# What autovacuum needs on: itself, and the statistics collector that tells it what changed.
CHECKED = ("autovacuum", "track_counts")


def maintenance_warnings(settings: Mapping[str, str]) -> list[str]:
    """A sentence for each of ``CHECKED`` that is off in ``settings`` (PostgreSQL's values,
    by name); none when all are on."""
    warnings = []
    for name in CHECKED:
        if settings.get(name, "on") != "on":
            warnings.append(
                f"PostgreSQL's {name} is off: tagpulse's counters pile up dead rows and the "
                "planner loses its statistics, so history pages and the worker's lookups slow "
                f"down as the tables grow. Turn {name} on (its default), or VACUUM ANALYZE "
                "the database regularly.")
    return warnings


def server_maintenance_warnings(engine: Engine) -> list[str]:
    """``maintenance_warnings`` for the server behind ``engine``; none on SQLite, which
    keeps no dead rows of that kind and plans these lookups by its indexes alone."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        settings = {name: connection.execute(text("SELECT current_setting(:name)"),
                                             {"name": name}).scalar_one()
                    for name in CHECKED}
    return maintenance_warnings(settings)
