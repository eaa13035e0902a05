"""The app on a fresh database, the one way every test suite builds it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from tests.support.broker import unit_broker_env
from tests.support.env import embedded_env, patched_environ


@contextmanager
def fresh_app(instance: Path, config: Mapping[str, Any] | None = None, *,
              env: Mapping[str, str] | None = None) -> Iterator[Flask]:
    """``create_app`` on the embedded defaults in ``instance`` with the session's embedded Redis
    as broker (``env`` on top, e.g. a DATABASE_URL), tables created; its connections are closed
    afterwards.

    The environment is patched only while the app is created: settings are read then.
    """
    from core.db import close_database, db
    from webapp import create_app

    settings = {**embedded_env(instance), **unit_broker_env(), **(env or {})}
    with patched_environ(settings):
        app = create_app({"TESTING": True, **(config or {})})
    with app.app_context():
        db.create_all()
    try:
        yield app
    finally:
        close_database(app)
