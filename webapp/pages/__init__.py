"""HTML pages: one module per area, all on the ``pages`` blueprint.

Views stay thin (validate, call a service, render). Every page works without JavaScript; the
scripts in ``webapp/static/js`` only add live progress, charts and the topic context.
"""

from __future__ import annotations

from flask import Blueprint
from flask_wtf.csrf import CSRFError

from webapp.errors import error_response

pages_bp = Blueprint("pages", __name__)


@pages_bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    return error_response(
        400, "This form could not be verified: its security token was missing or did not match. "
             "Go back, reload the page and submit it again.")


from webapp.pages import (  # noqa: E402,F401  (routes register on import)
    display,
    form_fields,
    home,
    jobs,
    model,
    tags,
)
