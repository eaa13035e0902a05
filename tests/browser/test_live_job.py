"""The whole path in a real browser against a real stack: type a hashtag, watch a real worker
score it, read the results; then the hashtag's trend, the history and the model page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import chart_has_pixels, serving

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def popular_sample_hashtag() -> str:
    from worker.sources.sample import popular_hashtags

    # The second most common: plenty of tweets, and a tag people recognise (#maga today).
    return popular_hashtags(2)[-1][0]


@pytest.fixture
def live_site(stack):
    app = stack.app
    saved = app.config["WIKIPEDIA_ENABLED"]
    app.config["WIKIPEDIA_ENABLED"] = False  # no network here; the context is tested elsewhere
    try:
        with serving(app) as base_url:
            yield base_url
    finally:
        app.config["WIKIPEDIA_ENABLED"] = saved


# One stack kind is enough for the browser: the pages read the same API on both.
@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_submit_a_hashtag_and_watch_it_get_scored(live_site, page, requests_made, screenshots):
    hashtag = popular_sample_hashtag()
    page.goto(live_site + "/")
    # A job of 150 tweets can finish within a second, and the page then reloads itself into its
    # results; a screenshot taken across that reload hangs. So the job's polls are held until
    # the live state is captured, then let through.
    held_polls = []

    def hold(route):
        held_polls.append(route)

    page.route("**/api/jobs/*", hold)
    page.fill("#hashtag", f"#{hashtag}")
    page.fill("#limit", "150")
    page.click("button[type=submit]")
    page.wait_for_url("**/jobs/*")
    job_url = page.url
    # The job was queued a moment ago, so the page starts in its live state.
    assert page.locator("#job-progress").count() == 1
    page.screenshot(path=screenshots / "job_page_live_progress.png", full_page=True)
    page.unroute("**/api/jobs/*")
    for poll in held_polls:
        poll.continue_()

    # Live: progress, then tweets appearing, then the page turns into the results by itself.
    page.wait_for_selector("#donut[data-chart-ready]", timeout=30_000)
    page.wait_for_selector(".terms", timeout=90_000)
    assert page.locator("#job-progress").count() == 0
    assert chart_has_pixels(page, "#donut")
    assert page.locator(".tweet").count() == 20
    counts = [int(page.locator(f'[data-count-for="{label}"]').inner_text())
              for label in ("positive", "neutral", "negative")]
    assert sum(counts) == 150
    assert page.locator(".status--done").count() == 1
    page.screenshot(path=screenshots / "job_page.png", full_page=True)

    api_url = job_url.replace("/jobs/", "/api/jobs/")
    polls = [url for url in requests_made.urls if url.startswith(api_url)]
    assert polls, "the page never polled the API"

    page.locator(".tab--negative").click()
    page.wait_for_url("**label=negative**")
    assert page.locator(".tweet").count() == page.locator(".tweet--negative").count() > 0

    page.goto(f"{live_site}/tags/{hashtag}")
    page.wait_for_selector("#trend-chart[data-chart-ready]")
    assert chart_has_pixels(page, "#trend-chart")
    page.screenshot(path=screenshots / "hashtag_page_live.png", full_page=True)

    page.goto(f"{live_site}/jobs")
    assert page.locator(".job-row").count() >= 1
    page.screenshot(path=screenshots / "history_live.png", full_page=True)

    page.goto(f"{live_site}/model")
    page.fill("#text", "What a wonderful morning, the coffee here is perfect!")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-prediction]", timeout=30_000)
    assert page.locator(".prediction .chip").inner_text() in ("Positive", "Neutral", "Negative")
    assert page.locator(".probs__value").count() == 3
    page.screenshot(path=screenshots / "model_page.png", full_page=True)

    page.goto(live_site + "/")
    page.screenshot(path=screenshots / "home_live.png", full_page=True)

    assert requests_made.external() == []
    assert requests_made.errors == []
