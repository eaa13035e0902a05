"""The app on a fresh database, the one way every test suite builds it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from tests.support.env import embedded_env, patched_environ


@contextmanager
def fresh_app(instance: Path, config: Mapping[str, Any] | None = None, *,
              env: Mapping[str, str] | None = None) -> Iterator[Flask]:
    """``create_app`` on the embedded defaults in ``instance`` (``env`` on top, e.g. a
    DATABASE_URL), tables created; the engine is disposed afterwards.

    The environment is patched only while the app is created: settings are read then.
    """
    from webapp import create_app
    from webapp.extensions import db

    with patched_environ({**embedded_env(instance), **(env or {})}):
        app = create_app({"TESTING": True, **(config or {})})
    with app.app_context():
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
