"""Who may do what: one table from endpoint to permission, checked before every request.

Every endpoint is listed in ``POLICY``; one that is not is refused (403) for everybody, so a new
route cannot slip through unprotected: add it here (tests/security/test_authz.py fails until
it is). A value is a permission, or a mapping from HTTP method to permission where one address
reads with GET and changes things with POST.

Permissions, weakest first:

- ``public``: anyone, in every mode (static files, signing in and out).
- ``read``: pages and API reads. Anyone in ``open`` and ``public-read``; signed in for ``login``.
- ``account``: the signed-in user's own account page and tokens, in every mode.
- ``analyse``: submit jobs, score text, create trackers: analysts and admins.
- ``own-tracker``: edit, pause, resume or delete a tracker: its creator (an analyst) or an admin.
- ``admin``: manage users, in every mode.

In ``open`` mode (the local default) everyone may ``read``, ``analyse`` and change any tracker,
as before accounts existed; ``account`` and ``admin`` still need a signed-in user.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from enum import Enum
from typing import Any

from flask import Flask, current_app, g, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.wrappers import Request

from core.db import db
from core.models import Tracker, TrackerListing, User
from webapp import accounts
from webapp.errors import error_response, wants_json
from webapp.security import has_cookies

MODES = ("open", "login", "public-read")
PUBLIC, READ, ACCOUNT, ANALYSE, OWN_TRACKER, ADMIN = (
    "public", "read", "account", "analyse", "own-tracker", "admin")

POLICY: dict[str, str | Mapping[str, str]] = {
    "static": PUBLIC,
    # Accounts: signing in and out, the user's own page, the admins' users page.
    "accounts.sign_in": PUBLIC,
    "accounts.sign_out": PUBLIC,
    "accounts.account": ACCOUNT,
    "accounts.change_password": ACCOUNT,
    "accounts.create_token": ACCOUNT,
    "accounts.revoke_token": ACCOUNT,
    "accounts.users": ADMIN,
    "accounts.create_user": ADMIN,
    "accounts.set_user_role": ADMIN,
    "accounts.set_user_active": ADMIN,
    # Pages.
    "pages.home": {"GET": READ, "POST": ANALYSE},
    "pages.history": READ,
    "pages.job": READ,
    "pages.export_csv": READ,
    "pages.export_json": READ,
    "pages.rerun": ANALYSE,
    "pages.tag": READ,
    "pages.tag_context": READ,
    "pages.compare": READ,
    # Scoring free text runs the model on a worker: analysts, like jobs.
    "pages.model": {"GET": READ, "POST": ANALYSE},
    "trackers_pages.index": READ,
    "trackers_pages.create": ANALYSE,
    "trackers_pages.edit": READ,
    "trackers_pages.update": OWN_TRACKER,
    "trackers_pages.pause": OWN_TRACKER,
    "trackers_pages.resume": OWN_TRACKER,
    "trackers_pages.remove": OWN_TRACKER,
    "trackers_pages.confirm_delete": OWN_TRACKER,
    # JSON API.
    "api.openapi_document": READ,
    "api.list_sources": READ,
    "api.list_jobs": READ,
    "api.get_job": READ,
    "api.get_job_tweets": READ,
    "api.create_job": ANALYSE,
    "api.predict": ANALYSE,
    "api.tag_trend": READ,
    "api.tag_trend_csv": READ,
    "api.compare": READ,
    "api.list_trackers": READ,
    "api.get_tracker": READ,
    "api.tracker_alerts": READ,
    "api.create_tracker": ANALYSE,
    "api.update_tracker": OWN_TRACKER,
    "api.delete_tracker": OWN_TRACKER,
    # The seed tutorial's endpoints: GETs, but two of them submit a job and one runs the model.
    "seed.analyze_hashtag": ANALYSE,
    "seed.get_tweets": ANALYSE,
    "seed.get_sentiment": ANALYSE,
}

# Blueprints exempt from the form CSRF check (cookie-less JSON): a session cookie alone must not
# be enough there to change anything, or any site could post to them with the user's cookie.
HEADER_CSRF_BLUEPRINTS = ("api", "seed")
CSRF_HEADER = "X-CSRFToken"


class Decision(Enum):
    ALLOW = "allow"
    SIGN_IN = "sign in"  # 401: no (valid) credentials
    FORBIDDEN = "forbidden"  # 403: signed in, but not allowed


login_manager = LoginManager()
login_manager.session_protection = "basic"


def permission_for(endpoint: str | None, method: str) -> str | None:
    """The permission an endpoint needs for this method; None: not in the table (refused)."""
    rule = POLICY.get(endpoint or "")
    if isinstance(rule, Mapping):
        method = "GET" if method in ("HEAD", "OPTIONS") else method
        return rule.get(method)
    return rule


def decide(permission: str | None, user: User | None, mode: str, subject: Any = None) -> Decision:
    """May ``user`` (None: anonymous) do what ``permission`` guards, on ``subject`` if given?"""
    if permission == PUBLIC:
        return Decision.ALLOW
    if permission is None:
        return Decision.FORBIDDEN
    if mode == "open" and permission in (READ, ANALYSE, OWN_TRACKER):
        return Decision.ALLOW
    if mode == "public-read" and permission == READ:
        return Decision.ALLOW
    if user is None:
        return Decision.SIGN_IN
    if permission in (READ, ACCOUNT):
        return Decision.ALLOW
    if permission == ADMIN:
        return Decision.ALLOW if user.has_role("admin") else Decision.FORBIDDEN
    if not user.has_role("analyst"):
        return Decision.FORBIDDEN
    # A tracker as the ORM loads it, or a row of a tracker list (TrackerListing).
    if (permission == OWN_TRACKER and isinstance(subject, Tracker | TrackerListing)
            and not user.has_role("admin") and subject.created_by != user.id):
        return Decision.FORBIDDEN
    return Decision.ALLOW


def signed_in_user() -> User | None:
    return current_user if current_user.is_authenticated else None


def acting_user_id() -> int | None:
    """Who to record as ``created_by``: the signed-in user, or None (anonymous, open mode)."""
    user = signed_in_user()
    return user.id if user is not None else None


def can(permission: str, subject: Any = None) -> bool:
    """For templates: show a form or button only to those the server would let use it."""
    return decide(permission, signed_in_user(), current_app.config["AUTH_MODE"],
                  subject) is Decision.ALLOW


def bearer_secret(req: Request) -> str | None:
    header = req.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


@login_manager.user_loader
def _load_session_user(user_id: str) -> User | None:
    if bearer_secret(request) is not None:
        return None  # a token was sent: it, not the cookie, says who this is
    ident, _, nonce = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_nonce != nonce:
        return None  # deactivated, or a new password since: this session is over
    g.auth_via = "session"
    return user


@login_manager.request_loader
def _load_token_user(req: Request) -> User | None:
    secret = bearer_secret(req)
    if secret is None:
        return None
    token = accounts.find_token(secret)
    if token is None:
        g.bad_token = True
        return None
    g.auth_via = "token"
    return token.user


def _subject() -> Any:
    tracker_id = (request.view_args or {}).get("tracker_id")
    return db.session.get(Tracker, tracker_id) if tracker_id is not None else None


MESSAGES = {
    ANALYSE: "Your account ({role}) may only read; submitting analyses, scoring text and "
             "creating trackers needs the analyst role.",
    OWN_TRACKER: "Only the tracker's creator or an admin may change it.",
    ADMIN: "Only admins may manage accounts.",
}


def _refuse(decision: Decision, permission: str | None, user: User | None):
    if decision is Decision.SIGN_IN:
        if getattr(g, "bad_token", False):
            response = error_response(401, "The API token is not valid: it was revoked, its "
                                           "account deactivated, or it never existed.")
            response.headers["WWW-Authenticate"] = 'Bearer realm="tagpulse", error="invalid_token"'
            return response
        if wants_json():
            response = error_response(401, "Sign in first: send an API token as "
                                           "'Authorization: Bearer <token>'.")
            response.headers["WWW-Authenticate"] = 'Bearer realm="tagpulse"'
            return response
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.sign_in", next=target), 303)
    if permission is None:
        message = "This address is not open to anyone yet."
    else:
        message = MESSAGES.get(permission, "You may not do this.").format(
            role=user.role if user else "anonymous")
    return error_response(403, message)


def _may_carry_credentials() -> bool:
    """False for a request with no Authorization header and no session or remember cookie:
    it is anonymous, and asking Flask-Login (session, remember cookie, token loader) to find
    that out was a tenth of a job lookup's time."""
    # The WSGI key itself: a missing header's lookup through ``request.headers`` raises and
    # catches a KeyError.
    if "HTTP_AUTHORIZATION" in request.environ:
        return True
    if not has_cookies(request):
        return False
    cookies, config = request.cookies, current_app.config
    return (config["SESSION_COOKIE_NAME"] in cookies
            or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies)


def authorize():
    """The before-request check: every endpoint, by the table."""
    if request.endpoint is None:
        return None  # no route matched: the 404 or 405 follows
    permission = permission_for(request.endpoint, request.method)
    if permission == PUBLIC:
        return None  # static files and signing in: no account lookup
    if _may_carry_credentials():
        user = signed_in_user()
    else:
        # Anonymous, and said so to Flask-Login now: the pages' ``current_user`` and ``can``
        # and a submission's ``acting_user_id`` would otherwise each make it look for the
        # session, remember cookie and token this request does not carry (3 % of a hashtag's
        # page, 4 % of a submission).
        login_manager._update_request_context_with_user(None)
        user = None
    if getattr(g, "bad_token", False):
        return _refuse(Decision.SIGN_IN, None, None)
    mode = current_app.config["AUTH_MODE"]
    subject = _subject() if permission == OWN_TRACKER else None
    decision = decide(permission, user, mode, subject)
    if decision is not Decision.ALLOW:
        return _refuse(decision, permission, user)
    if (user is not None and getattr(g, "auth_via", None) == "session"
            and request.blueprint in HEADER_CSRF_BLUEPRINTS and permission not in (PUBLIC, READ)
            and current_app.config.get("WTF_CSRF_ENABLED", True)):
        try:
            validate_csrf(request.headers.get(CSRF_HEADER))
        except Exception:  # noqa: BLE001  (wtforms' ValidationError: missing, expired, forged)
            return error_response(403, "A signed-in browser's call that changes something needs "
                                       f"the {CSRF_HEADER} header (the page's csrf-token meta "
                                       "tag); scripts should send an API token instead.")
    return None


def is_loopback(host: str) -> bool:
    if host in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(config: Mapping[str, Any]) -> None:
    """Refuse to start (SystemExit, one paragraph) in open mode on a non-loopback address."""
    mode, host = config["AUTH_MODE"], config["HOST"]
    if mode not in MODES:
        raise SystemExit(f"tagpulse cannot start: AUTH_MODE={mode!r} is not one of "
                         f"{', '.join(MODES)}.")
    if mode == "open" and not is_loopback(host) and not config["ALLOW_OPEN"]:
        raise SystemExit(
            f"tagpulse cannot start: HOST={host} makes it reachable from other machines, and "
            "AUTH_MODE=open (the default) lets anyone who reaches it submit jobs, create "
            "trackers with alert webhooks, pause or delete them and read every analysis. Set "
            "AUTH_MODE=login (everything needs sign-in) or AUTH_MODE=public-read (anyone reads, "
            "only signed-in users change things), create the first admin with "
            "`flask users create --admin`, and start again; or set ALLOW_OPEN=1 if something "
            "in front of tagpulse (a VPN, a proxy with its own sign-in) already decides who "
            "gets in.")


def init_authz(app: Flask) -> None:
    """Flask-Login and the policy hook; the template helper ``can``."""
    login_manager.init_app(app)
    app.before_request(authorize)
    app.add_template_global(can, "can")
    app.add_template_global(signed_in_user, "signed_in_user")

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):  # pages' own handlers answer first on their blueprints
        return error_response(
            400, "This form could not be verified: its security token was missing or did not "
                 "match. Go back, reload the page and submit it again.")
