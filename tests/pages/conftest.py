"""Page tests: the ``app``/``client`` of tests/conftest.py (CSRF off), and a CSRF-on variant."""

from __future__ import annotations

import re

import pytest

from tests.support.apps import fresh_app


@pytest.fixture
def csrf_app(tmp_path):
    """The app with CSRF protection on, as it runs for people."""
    with fresh_app(tmp_path / "instance", {"WTF_CSRF_ENABLED": True}) as app:
        yield app


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


@pytest.fixture
def ctx(app):
    """An app context for writing rows with tests.pages.factories."""
    with app.app_context():
        yield


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)
