"""CSRF: every HTML form that changes something carries a token, and a post without one is 400."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from core.db import db
from core.models import Job, Tracker
from tests.security.conftest import seed_job

# JSON endpoints: cookie-less, so no CSRF token (they are exempt on purpose).
EXEMPT_BLUEPRINTS = ("api", "seed")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def form_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in EXEMPT_BLUEPRINTS or rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) & UNSAFE_METHODS):
            routes.append((method, rule.rule))
    return routes


def concrete(rule: str, ids: dict[str, object]) -> str:
    for name, value in ids.items():
        rule = rule.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in rule, f"no value for a part of {rule}"
    return rule


@pytest.fixture
def ids(secure_app):
    job_id = seed_job(secure_app)
    client = secure_app.test_client()
    tracker_id = client.post("/api/trackers", json={"hashtag": "python"}).get_json()["id"]
    with secure_app.app_context():
        from webapp import accounts

        user = accounts.create_user("someone", "a long password", "analyst")
        token, _ = accounts.create_token(user, "script")
        user_id, token_id = user.id, token.id
    return {"job_id": job_id, "tracker_id": tracker_id, "tag": "python", "user_id": user_id,
            "token_id": token_id}


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Job)),
                db.session.scalar(select(func.count()).select_from(Tracker)))


def test_there_are_forms_to_protect(secure_app):
    assert ("POST", "/") in form_routes(secure_app)
    assert len(form_routes(secure_app)) >= 4


@pytest.mark.parametrize("token", [None, "forged-token", ""], ids=["missing", "forged", "empty"])
def test_every_form_post_without_a_valid_token_is_refused(secure_app, ids, token):
    before = counts(secure_app)
    for method, rule in form_routes(secure_app):
        client = secure_app.test_client()
        client.get("/")  # a session, as a browser would have
        data = {"hashtag": "python", "text": "hello", "limit": "10", "interval_minutes": "60"}
        if token is not None:
            data["csrf_token"] = token
        response = client.open(concrete(rule, ids), method=method, data=data)
        assert response.status_code == 400, (method, rule, response.status_code)
        assert "security token" in response.get_data(as_text=True), (method, rule)
    assert counts(secure_app) == before


class PostForms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._current = {"action": attributes.get("action"), "token": False}
            self.forms.append(self._current)
        if tag == "input" and self._current is not None and attributes.get("name") == "csrf_token":
            self._current["token"] = bool(attributes.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def test_every_post_form_on_the_pages_carries_a_token(secure_app, ids):
    client = secure_app.test_client()
    pages = ["/", "/model", f"/jobs/{ids['job_id']}", "/tags/python", "/trackers",
             f"/trackers/{ids['tracker_id']}"]
    seen = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        parser = PostForms()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            assert form["token"], f"form posting to {form['action']} on {path} has no token"
        seen += len(parser.forms)
    assert seen >= 4


class FormFields(HTMLParser):
    """The hidden inputs of the form posting to ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.fields, self._inside = action, {}, False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._inside = attributes.get("action") == self.action
        if tag == "input" and self._inside and attributes.get("type") == "hidden":
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def test_a_hashtag_pages_analyse_button_posts_a_valid_form(secure_app, ids):
    """The button's form is written out in the template: posted as the page has it, with its
    token, it starts a run of the hashtag with the home form's defaults."""
    client = secure_app.test_client()
    parser = FormFields("/")
    parser.feed(client.get("/tags/python").get_data(as_text=True))
    assert set(parser.fields) == {"csrf_token", "hashtag", "limit", "source"}
    jobs_before, _ = counts(secure_app)
    response = client.post("/", data=parser.fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert counts(secure_app)[0] == jobs_before + 1
    with secure_app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert (job.hashtag_key, job.tweet_limit, job.source) == ("python", 100, "sample")
