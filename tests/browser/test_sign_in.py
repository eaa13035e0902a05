"""Sign in with a real browser on a real stack (AUTH_MODE=login), submit a hashtag and watch a
real worker score it; the model page's script calls the API with the session and its CSRF
header; signing out ends it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serving
from tests.browser.test_live_job import popular_sample_hashtag
from tests.support.accounts import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.stack]


@pytest.fixture
def login_site(stack):
    app = stack.app
    saved = {key: app.config[key] for key in ("AUTH_MODE", "WIKIPEDIA_ENABLED")}
    app.config.update(AUTH_MODE="login", WIKIPEDIA_ENABLED=False)
    try:
        with serving(app) as base_url:
            yield base_url
    finally:
        app.config.update(saved)


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_sign_in_and_submit_a_hashtag(login_site, stack, page, requests_made, screenshots):
    make_user(stack.app, "browser-analyst", "analyst")
    hashtag = popular_sample_hashtag()

    page.goto(login_site + "/")
    page.wait_for_url("**/sign-in?next=**")
    page.screenshot(path=screenshots / "sign_in.png", full_page=True)
    page.fill("#username", "browser-analyst")
    page.fill("#password", "not the password")
    page.click(".account-form button[type=submit]")
    assert page.locator(".form-alert").inner_text() == "Wrong username or password."

    page.fill("#password", PASSWORD)
    page.click(".account-form button[type=submit]")
    page.wait_for_url(login_site + "/")
    assert page.locator(".site-nav--account").inner_text().count("browser-analyst") == 1

    page.fill("#hashtag", f"#{hashtag}")
    page.fill("#limit", "50")
    page.click(".analyse-form button[type=submit]")
    page.wait_for_url("**/jobs/*")
    page.wait_for_selector(".status--done", timeout=90_000)
    page.screenshot(path=screenshots / "signed_in_job_page.png", full_page=True)
    job_id = int(page.url.rsplit("/", 1)[1].split("?")[0])
    from core.db import db
    from core.models import Job

    with stack.app.app_context():
        job = db.session.get(Job, job_id)
        assert job.created_by is not None and job.status == "done"

    # The model page's script posts to the API with the session cookie and the CSRF header.
    page.goto(login_site + "/model")
    page.fill("#text", "What a wonderful morning!")
    page.click(".model-form button[type=submit]")
    page.wait_for_selector("[data-prediction]", timeout=30_000)

    page.click(".site-nav--account button[type=submit]")
    page.wait_for_url("**/sign-in")
    page.goto(login_site + "/jobs")
    page.wait_for_url("**/sign-in?next=**")
    assert requests_made.external() == []
    assert requests_made.errors == []
