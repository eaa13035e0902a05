"""Whether the database's schema is the one this code was written for, said in a sentence.

The processes `make run` and the systemd units start upgrade the database first; a command run
by hand before them (``flask users create --admin`` on a new server) must not end in "no such
table" and a traceback.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

UPGRADE = ("run `flask --app webapp db upgrade` first (`make run` and the web service do it "
           "as they start)")


def schema_problem(engine: Engine, migrations: Path) -> str | None:
    """Why the database behind ``engine`` cannot serve this code yet; None when it can.

    A database without Alembic's revision but with tagpulse's tables was made by
    ``db.create_all()`` (the tests do) and is taken as current.
    """
    # Alembic logs "Context impl …" at INFO when it looks: noise outside a migration.
    alembic_log = logging.getLogger("alembic.runtime.migration")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
            has_tables = inspect(connection).has_table("jobs")
    finally:
        alembic_log.setLevel(level)
    if not current:
        return None if has_tables else f"The database has no tagpulse tables yet: {UPGRADE}."
    script = ScriptDirectory(str(migrations))
    heads = set(script.get_heads())
    if current == heads:
        return None
    known = {revision.revision for revision in script.walk_revisions()}
    at, expected = ", ".join(sorted(current)), ", ".join(sorted(heads))
    if current - known:
        return (f"The database's schema is at revision {at}, which this code does not know "
                f"(it expects {expected}): it was upgraded by a newer tagpulse; run that one.")
    return (f"The database's schema is at revision {at}, older than this code's {expected}: "
            f"{UPGRADE}.")
