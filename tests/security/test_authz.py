"""Who may do what: every route of the URL map, for each role, in each AUTH_MODE.

Routes are read from the URL map (as in test_csrf.py), so a route added later is covered the
moment it exists: it fails here until webapp/authz.py's table names it, and once it does, its
answers to anonymous, viewer, analyst and admin are checked against the table below, which is
written out by hand rather than computed by the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.security.conftest import secured_app, seed_job
from tests.support.accounts import ROLE_USERS, make_token, make_user, sign_in
from webapp.authz import POLICY, permission_for

MODES = ("open", "login", "public-read")
ROLES = ("anonymous", "viewer", "analyst", "admin")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
JSON_BLUEPRINTS = ("api", "seed")

# permission -> mode -> the roles it lets in; everyone else: 401 when anonymous, 403 otherwise.
# own-tracker is checked on a tracker made by another analyst (the owner case is tested below).
EVERYONE = set(ROLES)
SIGNED_IN = {"viewer", "analyst", "admin"}
ANALYSTS = {"analyst", "admin"}
EXPECTED = {
    "public": dict.fromkeys(MODES, EVERYONE),
    "read": {"open": EVERYONE, "public-read": EVERYONE, "login": SIGNED_IN},
    "account": dict.fromkeys(MODES, SIGNED_IN),
    "analyse": {"open": EVERYONE, "public-read": ANALYSTS, "login": ANALYSTS},
    "own-tracker": {"open": EVERYONE, "public-read": {"admin"}, "login": {"admin"}},
    "admin": dict.fromkeys(MODES, {"admin"}),
}
FORM = {"hashtag": "python", "text": "hello", "limit": "10", "interval_minutes": "60",
        "username": "nobody", "password": "wrong password", "name": "a token", "role": "viewer",
        "current_password": "wrong", "new_password": "short"}
BODY = {"hashtag": "python", "texts": ["hello"], "enabled": False}


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route; signing out last (it ends the session)."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return sorted(found, key=lambda route: route[0] == "accounts.sign_out")


def concrete(rule: str, ids: dict[str, object]) -> str:
    for name, value in ids.items():
        rule = rule.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        rule = rule.replace(f"<path:{name}>", str(value))
    assert "<" not in rule, f"no value for a part of {rule}"
    return rule


def build(app: Flask) -> dict[str, object]:
    """Users of every role, a tracker owned by another analyst, a job, tokens."""
    for role, username in ROLE_USERS.items():
        make_user(app, username, role)
    owner = make_user(app, "owner", "analyst")
    target = make_user(app, "target", "viewer")
    from core.db import db
    from core.models import Tracker, utcnow

    with app.app_context():
        now = utcnow()
        tracker = Tracker(hashtag="python", hashtag_key="python", source="sample",
                          interval_minutes=60, tweet_limit=10, enabled=True, next_run_at=now,
                          created_at=now, updated_at=now, created_by=owner)
        db.session.add(tracker)
        db.session.commit()
        tracker_id = tracker.id
    make_token(app, "owner")
    from webapp import accounts

    with app.app_context():
        token_id = accounts.user_tokens(accounts.get_user(owner))[0].id
    return {"job_id": seed_job(app), "tracker_id": tracker_id, "tag": "python",
            "user_id": target, "token_id": token_id, "filename": "css/app.css"}


@pytest.fixture(params=MODES)
def mode_app(request, tmp_path) -> Iterator[tuple[str, Flask, dict]]:
    with secured_app(tmp_path / "instance", AUTH_MODE=request.param,
                     WTF_CSRF_ENABLED=False) as app:
        yield request.param, app, build(app)


def outcome(response, json_route: bool, public: bool = False) -> str:
    """allowed, sign-in (401 / redirect to the sign-in page) or forbidden (403). Signing out
    sends people to the sign-in page by design (``public``)."""
    if response.status_code == 401:
        assert json_route, "a page answers 401 instead of sending people to sign in"
        assert response.is_json and "WWW-Authenticate" in response.headers
        return "sign-in"
    if (response.status_code == 303 and "/sign-in" in response.headers.get("Location", "")
            and not public):
        assert not json_route, "a JSON endpoint redirects to the sign-in page"
        return "sign-in"
    if response.status_code == 403:
        assert response.is_json == json_route, response.get_data(as_text=True)[:200]
        return "forbidden"
    return "allowed"


def test_every_endpoint_has_a_permission(secure_app):
    """The table names every endpoint, and only endpoints that exist (no stale entries)."""
    endpoints = {rule.endpoint for rule in secure_app.url_map.iter_rules()}
    assert endpoints - set(POLICY) == set(), "endpoints missing from webapp/authz.py POLICY"
    assert set(POLICY) - endpoints == set(), "POLICY names endpoints that do not exist"
    for endpoint, method, rule in routes(secure_app):
        assert permission_for(endpoint, method) is not None, f"{method} {rule} has no permission"


def test_nothing_that_changes_data_is_readable_by_everyone(secure_app):
    """Writes and the seed endpoints (GETs that create jobs) never need only 'read'."""
    for endpoint, method, rule in routes(secure_app):
        permission = permission_for(endpoint, method)
        if method in UNSAFE or endpoint.startswith("seed."):
            assert permission != "read", f"{method} {rule} changes things but needs only read"


def test_an_unknown_endpoint_is_refused_to_everyone(secure_app):
    @secure_app.get("/not-in-the-table")
    def unlisted():
        return "should never be served"

    make_user(secure_app, "ada", "admin")
    client = secure_app.test_client()
    assert client.get("/not-in-the-table").status_code == 403
    sign_in(client, "ada")
    assert client.get("/not-in-the-table").status_code == 403


def test_every_route_answers_each_role_as_the_table_says(mode_app):
    mode, app, ids = mode_app
    mismatches = []
    for role in ROLES:
        client = app.test_client()
        token = None
        if role != "anonymous":
            assert sign_in(client, ROLE_USERS[role]).status_code == 303
            token = make_token(app, ROLE_USERS[role], name=f"matrix {mode}")
        for endpoint, method, rule in routes(app):
            json_route = endpoint.split(".")[0] in JSON_BLUEPRINTS
            path = concrete(rule, ids)
            if json_route:
                # Scripts: no cookie, a token (the session-cookie path is tested below).
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = app.test_client().open(
                    path, method=method, headers=headers, buffered=True,
                    **({"json": BODY} if method in UNSAFE else {"query_string": {"text": "hi"}}))
            else:
                response = client.open(path, method=method, buffered=True,
                                       data=FORM if method in UNSAFE else None)
            permission = permission_for(endpoint, method)
            got = outcome(response, json_route, public=permission == "public")
            allowed = role in EXPECTED[permission][mode]
            want = "allowed" if allowed else ("sign-in" if role == "anonymous" else "forbidden")
            if got != want:
                mismatches.append(f"{mode} {role} {method} {rule}: {got} "
                                  f"({response.status_code}), expected {want}")
    assert mismatches == []


@pytest.mark.parametrize("mode", ["login", "public-read"])
def test_an_analyst_changes_their_own_tracker_but_not_anothers(tmp_path, mode):
    with secured_app(tmp_path / "instance", AUTH_MODE=mode) as app:
        make_user(app, "ann", "analyst")
        make_user(app, "bob", "analyst")
        ann, bob = make_token(app, "ann"), make_token(app, "bob")
        client = app.test_client()
        created = client.post("/api/trackers", json={"hashtag": "python"},
                              headers={"Authorization": f"Bearer {ann}"})
        assert created.status_code == 201
        assert created.get_json()["created_by"] == "ann"
        url = f"/api/trackers/{created.get_json()['id']}"
        refused = client.patch(url, json={"enabled": False},
                               headers={"Authorization": f"Bearer {bob}"})
        assert refused.status_code == 403
        assert "creator or an admin" in refused.get_json()["error"]
        assert client.delete(url, headers={"Authorization": f"Bearer {bob}"}).status_code == 403
        assert client.patch(url, json={"enabled": False},
                            headers={"Authorization": f"Bearer {ann}"}).status_code == 200
        assert client.delete(url, headers={"Authorization": f"Bearer {ann}"}).status_code == 204


def test_jobs_record_who_submitted_them(tmp_path):
    with secured_app(tmp_path / "instance", AUTH_MODE="login") as app:
        make_user(app, "ann", "analyst")
        token = make_token(app, "ann")
        response = app.test_client().post("/api/jobs", json={"hashtag": "python"},
                                          headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 202
        from core.db import db
        from core.models import Job, User

        with app.app_context():
            job = db.session.get(Job, response.get_json()["id"])
            assert db.session.get(User, job.created_by).username == "ann"


def page_csrf(client, path: str) -> str:
    """The CSRF token a page hands its scripts (the csrf-token meta tag)."""
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf-token" content="')[1].split('"')[0]


class TestSessionCookiesOnTheApi:
    """A signed-in browser's cookie may read the API, but changes need the CSRF header."""

    @pytest.fixture
    def browser_client(self, tmp_path):
        with secured_app(tmp_path / "instance", AUTH_MODE="login") as app:
            make_user(app, "ann", "analyst")
            client = app.test_client()
            assert sign_in(client, "ann", csrf_token=page_csrf(client, "/sign-in")) \
                .status_code == 303
            # Signing in starts a new session, with a new token.
            client.csrf = page_csrf(client, "/")
            yield client

    def test_reads_need_no_header(self, browser_client):
        assert browser_client.get("/api/jobs").status_code == 200

    def test_a_change_without_the_header_is_refused(self, browser_client):
        response = browser_client.post("/api/jobs", json={"hashtag": "python"})
        assert response.status_code == 403
        assert "X-CSRFToken" in response.get_json()["error"]
        assert browser_client.get("/analyzehashtag?text=python").status_code == 403

    def test_a_change_with_the_header_is_accepted(self, browser_client):
        response = browser_client.post("/api/jobs", json={"hashtag": "python"},
                                       headers={"X-CSRFToken": browser_client.csrf})
        assert response.status_code == 202

    def test_a_forged_header_is_refused(self, browser_client):
        response = browser_client.post("/api/jobs", json={"hashtag": "python"},
                                       headers={"X-CSRFToken": "forged"})
        assert response.status_code == 403


def test_a_page_that_needs_sign_in_redirects_there_and_back(tmp_path):
    with secured_app(tmp_path / "instance", AUTH_MODE="login", WTF_CSRF_ENABLED=False) as app:
        make_user(app, "vera", "viewer")
        client = app.test_client()
        response = client.get("/jobs?hashtag=python")
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/sign-in?next=")
        signed = client.post("/sign-in?next=x", data={"username": "vera", "password":
                                                      "correct horse battery staple",
                                                      "next": "/jobs?hashtag=python"})
        assert signed.headers["Location"] == "/jobs?hashtag=python"


def test_a_forbidden_page_is_a_friendly_page(tmp_path):
    with secured_app(tmp_path / "instance", AUTH_MODE="login", WTF_CSRF_ENABLED=False) as app:
        make_user(app, "vera", "viewer")
        client = app.test_client()
        sign_in(client, "vera")
        response = client.post("/", data={"hashtag": "python", "limit": "10"})
        assert response.status_code == 403
        text = response.get_data(as_text=True)
        assert "Not allowed" in text and "analyst role" in text


def test_a_request_without_credentials_is_anonymous_without_looking_for_them(tmp_path,
                                                                             monkeypatch):
    """No Authorization header and no cookie: the policy tells Flask-Login so before any view,
    and nothing looks for a session user, remember cookie or token afterwards."""
    from webapp.authz import login_manager

    looked = []
    real_load = login_manager._load_user
    monkeypatch.setattr(login_manager, "_load_user", lambda: (looked.append(1), real_load())[1])
    with secured_app(tmp_path / "instance", AUTH_MODE="open") as app:
        client = app.test_client()
        for path in ("/", "/tags/python", "/jobs", "/trackers"):
            response = client.get(path)
            assert response.status_code == 200, path
            client.delete_cookie(app.config["SESSION_COOKIE_NAME"])  # stay without credentials
            assert "Sign out" not in response.get_data(as_text=True), path  # anonymous
        submitted = client.post("/api/jobs", json={"hashtag": "python"})
        assert submitted.status_code == 202
        assert looked == []
        with app.app_context():
            from core.db import db
            from core.models import Job

            assert db.session.get(Job, submitted.get_json()["id"]).created_by is None
        # With a credential, Flask-Login looks, as before.
        make_user(app, "ann", "analyst")
        token = make_token(app, "ann")
        assert client.get("/api/jobs", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 200
        assert looked == [1]
