"""``flask users`` on a database that is not at this code's schema says what to run, instead of
failing on a missing table with a traceback (``flask users create --admin`` before the first
``make run`` on a new server)."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import text

from core.db import db
from tests.support.apps import fresh_app
from tests.support.env import REPO_ROOT
from webapp import accounts

# The newest migration, which the messages name as the one this code expects.
HEAD = ScriptDirectory(str(REPO_ROOT / "migrations")).get_current_head()

CREATE_ADMIN = ["users", "create", "--admin", "--password-stdin"]


@pytest.fixture(autouse=True)
def keep_logging(monkeypatch):
    """Alembic's env.py configures logging from alembic.ini, which disables every logger that
    exists; in-process that would silence the log checks of later tests."""
    monkeypatch.setattr("logging.config.fileConfig", lambda *args, **kwargs: None)


@pytest.fixture
def bare_app(tmp_path):
    """The app on a database with no tables at all, as a new server's is."""
    with fresh_app(tmp_path / "instance", {"AUTH_MODE": "login"}) as app:
        with app.app_context():
            db.drop_all()
        yield app


def create_admin(app):
    return app.test_cli_runner().invoke(args=CREATE_ADMIN, input="a long admin password\n")


def test_a_database_without_tables_is_told_to_upgrade_first(bare_app):
    result = create_admin(bare_app)
    assert result.exit_code == 1
    assert "The database has no tagpulse tables yet" in result.output
    assert "flask --app webapp db upgrade" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


def test_an_older_schema_is_told_to_upgrade_then_the_command_works(bare_app):
    with bare_app.app_context():
        upgrade(revision="0004")  # before accounts existed
    refused = create_admin(bare_app)
    assert refused.exit_code == 1
    assert f"at revision 0004, older than this code's {HEAD}" in refused.output
    with bare_app.app_context():
        upgrade()
    created = create_admin(bare_app)
    assert created.exit_code == 0, created.output
    with bare_app.app_context():
        assert accounts.find_user("admin").role == "admin"


def test_a_schema_from_a_newer_tagpulse_is_named(bare_app):
    with bare_app.app_context():
        upgrade()
        db.session.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        db.session.commit()
    result = create_admin(bare_app)
    assert result.exit_code == 1
    assert f"revision 0099, which this code does not know (it expects {HEAD})" in result.output
    with bare_app.app_context():
        assert accounts.find_user("admin") is None
