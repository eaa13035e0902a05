"""Errors from the database layer: only "cannot reach it" is a 503; a bug is a logged 500."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from core.db import db
from core.models import Job
from webapp import authz


@pytest.fixture(autouse=True)
def policy(monkeypatch):
    """A copy of the authorization table that this module's test routes are added to."""
    monkeypatch.setattr(authz, "POLICY", dict(authz.POLICY))


def add_route(app, path, view):
    app.add_url_rule(path, view.__name__, view)
    authz.POLICY[view.__name__] = authz.PUBLIC  # unlisted endpoints are refused (403)


def test_a_broken_constraint_is_a_500_with_the_traceback_logged(app, caplog):
    # Before: every SQLAlchemy error was "database unavailable" (503) with a one-line warning,
    # which hid bugs and told people to retry something that would fail the same way.
    def breaks_a_constraint():
        db.session.add(Job(hashtag=None, hashtag_key="x", source="sample", tweet_limit=1))
        db.session.commit()

    add_route(app, "/api/test-integrity", breaks_a_constraint)
    with caplog.at_level(logging.ERROR, logger="webapp.errors"):
        response = app.test_client().get("/api/test-integrity")
    assert response.status_code == 500
    assert "went wrong on our side" in response.get_json()["error"]
    assert "IntegrityError" in caplog.text and "Traceback" in caplog.text


def test_an_unreachable_database_is_a_503(app, tmp_path):
    def unreachable():
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///{tmp_path}/missing-folder/none.sqlite3")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    add_route(app, "/api/test-unreachable", unreachable)
    response = app.test_client().get("/api/test-unreachable")
    assert response.status_code == 503
    assert "database is unavailable" in response.get_json()["error"]


def test_a_database_error_on_a_page_is_a_friendly_page(app):
    def page_bug():
        db.session.execute(text("SELECT nope FROM jobs"))

    add_route(app, "/test-page-bug", page_bug)
    response = app.test_client().get("/test-page-bug")
    assert response.mimetype == "text/html"
    assert response.status_code in (500, 503)
    assert "Traceback" not in response.get_data(as_text=True)
