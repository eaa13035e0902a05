"""Error responses: JSON under the API and seed endpoints, friendly pages elsewhere.

Nothing here ever shows a stack trace; unexpected errors are logged with one.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, jsonify, make_response, render_template, request
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException

from core.db import db, is_database_unavailable
from webapp.validation import ValidationError

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/analyzehashtag", "/gettweets", "/getsentiment")

FRIENDLY = {
    400: "The request could not be understood.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request is too large (the limit is 1 MB).",
    429: "Too many requests; slow down and try again in a moment.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The service is briefly unavailable; try again shortly.",
}


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.path == "/api"


def _message(error: HTTPException) -> str:
    # Werkzeug's default descriptions are fine for people; ours replace the generic ones.
    default = type(error).description
    if error.description and error.description != default:
        return error.description
    return FRIENDLY.get(error.code or 500, error.description or "Error")


def error_response(status: int, message: str, field: str | None = None):
    if wants_json():
        body = {"error": message}
        if field is not None:
            body["field"] = field
        response = jsonify(body)
        response.status_code = status
        return response
    try:
        return make_response(
            render_template("errors/error.html", status=status, message=message), status)
    except TemplateNotFound:
        return make_response(f"{status}: {message}", status,
                             {"Content-Type": "text/plain; charset=utf-8"})


def register(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def handle_validation(error: ValidationError):
        return error_response(error.status, error.message, error.field)

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        message = _message(error)
        if error.code == 429:
            message = f"Too many requests (limit: {error.description}); try again in a moment."
        response = error_response(error.code or 500, message)
        # Keep headers the error carries (Allow on 405, Retry-After on 429).
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http(error)
        with contextlib.suppress(Exception):  # the session may be as broken as the database
            db.session.rollback()
        # Only "cannot reach the database" is a 503: a bad query, a broken constraint or a bug
        # is a 500 with its traceback in the log, not a misleading "try again shortly".
        if is_database_unavailable(error):
            log.warning("database unavailable: %s: %s", type(error).__name__, error)
            return error_response(503, "The database is unavailable right now; try again shortly.")
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, FRIENDLY[500])

