"""JSON API under /api. Errors under it are JSON everywhere (see webapp.errors)."""

from flask import Blueprint

from webapp.extensions import csrf

api_bp = Blueprint("api", __name__, url_prefix="/api")
# The API is cookie-less JSON; CSRF protects the HTML forms, not this.
csrf.exempt(api_bp)

from webapp.api import jobs, openapi, predict, sources, tags, trackers  # noqa: E402,F401  (routes on import)
