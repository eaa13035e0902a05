"""Security headers on every kind of response, and pages that need no inline script or style."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.security.conftest import seed_job
from webapp.security import CONTENT_SECURITY_POLICY

EXPECTED_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def page_paths(app) -> list[str]:
    job_id = seed_job(app, "Python")
    return ["/", "/jobs", f"/jobs/{job_id}", "/model", "/tags/python"]


def assert_security_headers(response) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]


def test_policy_allows_only_our_own_scripts_and_styles():
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "*" not in CONTENT_SECURITY_POLICY


def test_every_page_carries_the_security_headers(secure_app, secure_client):
    for path in page_paths(secure_app):
        response = secure_client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert_security_headers(response)


@pytest.mark.parametrize("path", [
    "/api/jobs", "/api/openapi.json", "/api/jobs/999999", "/no/such/page",
    "/static/vendor/chart.umd.min.js", "/jobs/999999", "/api/jobs?page=abc",
])
def test_api_static_and_error_responses_carry_them_too(secure_client, path):
    with secure_client.get(path) as response:  # a static file's response holds the file open
        assert_security_headers(response)


def test_an_unexpected_error_page_carries_them(secure_app, secure_client, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("webapp.jobs.list_jobs", explode)
    response = secure_client.get("/api/jobs")
    assert response.status_code == 500
    assert_security_headers(response)
    assert "boom" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes and elements,
    event-handler attributes and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self._in_inline_script = True
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>: {value}")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if value and re.match(r"\s*javascript:", value, re.IGNORECASE):
                self.problems.append(f"javascript: URL in {name} of <{tag}>")

    def handle_data(self, data):
        # <script type="application/json"> would be data, but none is used today either.
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def test_pages_need_no_inline_script_or_style(secure_app, secure_client):
    for path in page_paths(secure_app):
        finder = InlineCodeFinder()
        finder.feed(secure_client.get(path).get_data(as_text=True))
        assert finder.problems == [], path


def test_page_scripts_and_styles_come_from_our_own_static_folder(secure_app, secure_client):
    external = re.compile(r'<(?:script|link)\b[^>]*(?:src|href)="(?:https?:)?//', re.IGNORECASE)
    for path in page_paths(secure_app):
        html = secure_client.get(path).get_data(as_text=True)
        assert not external.search(html), path
