"""Every page in a real Chromium, over a seeded database: charts draw, forms work, nothing
is fetched from anywhere but this server, and a screenshot of each page is kept."""

from __future__ import annotations

import pytest

from tests.browser.conftest import chart_has_pixels, serving
from tests.browser.demo_data import seed_history

pytestmark = pytest.mark.browser


@pytest.fixture
def site(csrf_app):
    with csrf_app.app_context():
        done, failed, running = seed_history()
        ids = {"done": done.id, "failed": failed.id, "running": running.id}
    with serving(csrf_app) as base_url:
        yield base_url, ids


def test_job_page_draws_the_doughnut_and_lists_tweets(site, page, requests_made, screenshots):
    base_url, ids = site
    page.goto(f"{base_url}/jobs/{ids['done']}")
    page.wait_for_selector("#donut[data-chart-ready]")
    assert chart_has_pixels(page, "#donut")
    assert page.locator(".tweet").count() == 15
    assert page.locator(".terms__group--positive .term").count() > 0
    page.screenshot(path=screenshots / "job_page_seeded.png", full_page=True)

    page.locator(".tab--negative").click()
    page.wait_for_url("**label=negative**")
    assert page.locator(".tweet--negative").count() == 4
    assert page.locator(".tweet--positive").count() == 0
    assert requests_made.external() == []
    assert requests_made.errors == []


def test_hashtag_page_draws_the_trend_from_the_api(site, page, requests_made, screenshots):
    base_url, _ = site
    page.goto(f"{base_url}/tags/python")
    page.wait_for_selector("#trend-chart[data-chart-ready]")
    assert chart_has_pixels(page, "#trend-chart")
    # The 15 stored posts were written within a quarter of an hour: one hourly bucket.
    assert page.evaluate(
        "() => Chart.getChart(document.querySelector('#trend-chart')).data.datasets[2].data"
        ".map(p => p.y).reduce((a, b) => a + b, 0)") == 15
    assert page.locator(".job-row").count() == 6
    page.screenshot(path=screenshots / "hashtag_page.png", full_page=True)
    assert any("/api/tags/Python/trend?" in url for url in requests_made.urls)
    assert requests_made.external() == []
    assert requests_made.errors == []


def test_home_history_model_and_error_pages_render(site, page, requests_made, screenshots):
    base_url, ids = site
    page.goto(base_url + "/")
    assert page.locator(".job-row").count() == 6
    page.keyboard.press("Tab")  # the first stop is the skip link, visible once focused
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0
    page.screenshot(path=screenshots / "home.png", full_page=True)

    page.fill("#hashtag", "two words")
    page.click("button[type=submit]")
    assert "only letters, digits and underscores" in page.locator(".field__error").inner_text()
    page.screenshot(path=screenshots / "home_invalid.png", full_page=True)

    page.goto(f"{base_url}/jobs")
    assert page.locator(".job-row").count() == 8
    page.screenshot(path=screenshots / "history.png", full_page=True)

    page.goto(f"{base_url}/jobs/{ids['failed']}")
    assert "X_BEARER_TOKEN" in page.locator(".failure-reason").inner_text()
    page.screenshot(path=screenshots / "job_failed.png", full_page=True)

    page.goto(f"{base_url}/model")
    page.screenshot(path=screenshots / "model.png", full_page=True)

    page.goto(f"{base_url}/jobs/424242")
    assert "Page not found" in page.locator("h1").inner_text()
    page.screenshot(path=screenshots / "not_found.png", full_page=True)
    assert requests_made.external() == []
    assert requests_made.errors == []


def test_pages_fit_a_phone(site, browser, screenshots):
    base_url, ids = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="en-GB",
                                  timezone_id="UTC", reduced_motion="reduce")
    try:
        page = context.new_page()
        for name, path in [("home", "/"), ("job", f"/jobs/{ids['done']}"), ("history", "/jobs"),
                           ("hashtag", "/tags/python"), ("model", "/model")]:
            page.goto(base_url + path)
            if name in ("job", "hashtag"):
                page.wait_for_selector("canvas[data-chart-ready]")
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow}px"
            page.screenshot(path=screenshots / f"phone_{name}.png")
    finally:
        context.close()


def test_running_job_updates_itself(site, page, requests_made, screenshots, csrf_app):
    """A running job's page polls the API and reloads itself into the results when done."""
    base_url, ids = site
    page.goto(f"{base_url}/jobs/{ids['running']}")
    page.wait_for_selector("#donut[data-chart-ready]")
    page.wait_for_function("() => document.querySelectorAll('#tweet-list .tweet').length === 6")
    page.screenshot(path=screenshots / "job_running_seeded.png", full_page=True)
    with csrf_app.app_context():
        from core.db import db
        from core.models import Job

        job = db.session.get(Job, ids["running"])
        job.status = "done"
        db.session.commit()
    page.wait_for_selector(".terms", timeout=15_000)
    assert page.locator("#job-progress").count() == 0
    polls = [url for url in requests_made.urls if url.endswith(f"/api/jobs/{ids['running']}")]
    assert polls
    assert requests_made.external() == []
    assert requests_made.errors == []
