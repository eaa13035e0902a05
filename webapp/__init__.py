"""tagpulse web application: the app factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from core.config import REPO_ROOT, Config
from core.db import db, init_reads, ping_after_idle
from core.instance import InstanceFolderError
from core.sources import SOURCE_NAMES
from webapp.accounts_cli import init_cli
from webapp.authz import check_exposure, init_authz
from webapp.extensions import csrf, init_limiter, migrate, record_limited_endpoints
from webapp.json_provider import OrjsonProvider
from webapp.read_only import init_read_only
from webapp.security import init_security
from webapp.urls import TagpulseFlask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults from the environment, then ``test_config`` on top."""
    try:
        config = Config()
    except InstanceFolderError as exc:
        # Said in one paragraph (gunicorn, celery and `flask db upgrade` all print it), not as
        # a traceback that hides what to do.
        raise SystemExit(f"tagpulse cannot start: {exc}") from None
    app = TagpulseFlask(
        __name__,
        instance_path=config.INSTANCE_PATH,
        template_folder="../templates",
        static_folder="static",
    )
    app.json = OrjsonProvider(app)
    app.config.from_mapping(config.as_dict())
    if test_config:
        app.config.from_mapping(test_config)
    # Before anything listens: exposed without sign-in is refused in one paragraph.
    check_exposure(app.config)
    if app.config["DEFAULT_SOURCE"] not in SOURCE_NAMES:
        default = app.config["DEFAULT_SOURCE"]
        raise SystemExit(f"tagpulse cannot start: DEFAULT_SOURCE is {default!r}, which is not a "
                         f"source; choose one of {', '.join(SOURCE_NAMES)}.")
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    with app.app_context():
        ping_after_idle(db.engine, app.config["DB_PING_IDLE_SECONDS"])
    init_reads(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"))
    # First of the before-request hooks: it picks the database connection's mode.
    init_read_only(app)
    csrf.init_app(app)
    init_limiter(app)
    init_security(app)
    # After CSRFProtect and the limiter: their checks run first, then the policy's.
    init_authz(app)
    init_cli(app)

    from webapp.celery_app import celery_init_app

    celery_init_app(app)

    from webapp import errors
    from webapp.api import api_bp
    from webapp.pages import pages_bp
    from webapp.pages.accounts import accounts_bp
    from webapp.pages.trackers import trackers_pages_bp
    from webapp.seed import seed_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(seed_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(trackers_pages_bp)
    app.register_blueprint(accounts_bp)
    errors.register(app)
    record_limited_endpoints(app)
    return app
