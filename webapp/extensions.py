"""The web app's Flask extensions, created unbound here and bound to the app in the factory.

The database handle is shared with the worker and lives in ``core.db``.
"""

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_login import current_user
from flask_migrate import Migrate
from flask_wtf import CSRFProtect


def client_key() -> str:
    """Who a rate limit counts: the account where signed in (session or API token), else the
    client address. A team behind one NAT address then does not share one budget."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_key, default_limits=[])


def _job_submit_limit() -> str:
    return current_app.config["JOB_SUBMIT_RATE_LIMIT"]


def limit_job_submissions(methods: list[str] | None = None):
    """Everything that creates a job (the API, the home form, "run it again", the seed
    endpoints) draws on one budget per client (account, else address: ``client_key``): one
    scope shared by those views, counted in the broker's Redis so every web process sees the
    same counters. ``methods``: the ones that create a job, where a view also answers others
    (the home page's GET)."""
    return limiter.shared_limit(_job_submit_limit, scope="job-submissions", methods=methods)


# The answers whose Retry-After asks the client to come back later.
RETRY_AFTER_STATUSES = frozenset({429, 503})


def init_limiter(app: Flask) -> None:
    """Bind the limiter, with its Retry-After kept to the answers that refuse (429, 503)."""
    if app.config.get("RATELIMIT_ENABLED", True) and app.config.get("RATELIMIT_HEADERS_ENABLED"):
        # Registered before the limiter's own hook, so it runs after it (Flask runs
        # after-request hooks last-registered first).
        app.after_request(_retry_after_only_when_refused)
    limiter.init_app(app)


def _retry_after_only_when_refused(response):
    """Flask-Limiter writes Retry-After (the seconds until its window resets) on every answer of
    a limited view, beside the X-RateLimit-* figures. On a 202 a client that polls the job's
    Location reads it as when to look again (up to a minute, for a job done in under a second),
    on a form's redirect as how long to wait before following it, on a 422 as "try the same
    again later". Only a refusal means that; the X-RateLimit-* figures stay on every answer."""
    if response.status_code not in RETRY_AFTER_STATUSES and "Retry-After" in response.headers:
        del response.headers["Retry-After"]
    return response


LIMITED_ENDPOINTS = "tagpulse.limited_endpoints"
ANY_METHOD = None


@limiter.request_filter
def _has_no_limits() -> bool:
    """Requests to a view without a limit (or with limits on other methods only, like the home
    page's GET beside its limited POST) skip Flask-Limiter's per-request work.

    It resolves every request's limits from scratch (decorators, blueprints, exemptions): about
    a tenth of a job lookup's time, spent on views that have no limit at all. Registered once
    here, since ``limiter`` outlives each app; the map comes from ``record_limited_endpoints``.
    """
    limited = current_app.extensions.get(LIMITED_ENDPOINTS)
    if limited is None:
        return False
    if request.endpoint not in limited:
        return True
    methods = limited[request.endpoint]
    return methods is not ANY_METHOD and request.method.lower() not in methods


def record_limited_endpoints(app: Flask) -> None:
    """Note which endpoints carry a limit, and for which methods, once their blueprints are
    registered. Without default or application-wide limits (tagpulse has none) every other
    request is free; if such limits are ever configured, nothing is skipped."""
    manager = limiter.limit_manager
    limited: dict[str, frozenset[str] | None] = {}
    with app.app_context():
        if manager.default_limits or manager.application_limits:
            return
        for endpoint, view in app.view_functions.items():
            limits = manager.decorated_limits(get_qualified_name(view))
            if not limits:
                continue
            if any(not limit.methods for limit in limits):
                limited[endpoint] = ANY_METHOD
            else:
                limited[endpoint] = frozenset(m for limit in limits for m in limit.methods)
    app.extensions[LIMITED_ENDPOINTS] = limited
