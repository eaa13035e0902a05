"""Fixtures shared by the whole suite: an app on a throwaway SQLite, and running stacks."""

from __future__ import annotations

import pytest

from tests.support.apps import fresh_app
from tests.support.env import temporary_postgres_database
from tests.support.fake_mastodon import FakeMastodon
from tests.support.stack import STACK_KINDS, running_stack


@pytest.fixture
def app(tmp_path):
    """The app on a fresh SQLite database and the session's embedded Redis (nothing consumes
    it)."""
    with fresh_app(tmp_path / "instance", {"WTF_CSRF_ENABLED": False}) as app:
        yield app


@pytest.fixture(params=["sqlite", "postgresql"])
def database_app(request, tmp_path):
    """The app on a fresh database of each kind: SQLite, then a throwaway PostgreSQL one."""
    if request.param == "sqlite":
        with fresh_app(tmp_path / "instance") as app:
            yield app
    else:
        with temporary_postgres_database() as url, fresh_app(
                tmp_path / "instance", env={"DATABASE_URL": url}) as app:
            yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def fake_mastodon():
    """A Mastodon-shaped server on loopback (composed from the API docs), which every stack's
    MASTODON_INSTANCES names, so `mastodon` jobs run the real client code end to end."""
    with FakeMastodon() as server:
        yield server


@pytest.fixture(scope="session", params=STACK_KINDS)
def stack(request, tmp_path_factory, fake_mastodon):
    """A real stack with one worker process: embedded defaults, then Redis + PostgreSQL."""
    with running_stack(request.param, tmp_path_factory.mktemp(request.param),
                       extra_settings={"MASTODON_INSTANCES": fake_mastodon.url}) as running:
        yield running
