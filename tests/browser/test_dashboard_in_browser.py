"""The hashtag dashboard, the comparison, home, history and job pages in a real Chromium at two
phones', a small laptop's and a desktop's width: charts draw from the APIs, nothing overflows
sideways, the "Latest analyses" rows keep hashtags and dates whole, and a screenshot of each is
kept."""

from __future__ import annotations

import pytest

from core.models import utcnow
from tests.browser.conftest import chart_has_pixels, serving
from tests.browser.demo_data import seed_history, seed_story

pytestmark = pytest.mark.browser

# 320 px: the narrowest phones, and the width WCAG 1.4.10 (reflow) asks pages to fit.
WIDTHS = (320, 390, 900, 1366)


@pytest.fixture
def story_site(csrf_app):
    with csrf_app.app_context():
        done, _failed, _running = seed_history()
        seed_story(utcnow())
        done_id = done.id
    with serving(csrf_app) as base_url:
        yield base_url, done_id


@pytest.fixture
def sized_page(browser):
    contexts = []

    def make(width: int):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      device_scale_factor=1, locale="en-GB", timezone_id="UTC",
                                      reduced_motion="reduce", is_mobile=width < 500,
                                      has_touch=width < 500)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        return page, errors

    yield make
    for context in contexts:
        context.close()


def no_sideways_scroll(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_hashtag_dashboard(story_site, sized_page, screenshots, width):
    base_url, _ = story_site
    page, errors = sized_page(width)
    page.goto(f"{base_url}/tags/Python?range=7d&bucket=hour")
    page.wait_for_selector("#trend-chart[data-chart-ready]")
    assert chart_has_pixels(page, "#trend-chart")
    # Hourly buckets over 7 days (whole hours, so 169): one slot each, empty ones as gaps.
    assert page.evaluate("() => Chart.getChart(document.querySelector('#trend-chart'))"
                         ".data.datasets[2].data.length") == 7 * 24 + 1
    assert page.locator(".tile").count() == 4
    assert page.locator(".terms--positive .term").count() > 0
    assert page.locator(".post").count() > 0
    assert "with nothing new" in page.locator("#runs-title").locator("xpath=../..").inner_text()
    assert no_sideways_scroll(page) <= 0
    page.screenshot(path=screenshots / f"dashboard_{width}.png", full_page=True)
    page.locator(".trend-card").screenshot(path=screenshots / f"dashboard_chart_{width}.png")
    page.click("text=30 days")
    page.wait_for_url("**range=30d**")
    page.wait_for_selector("#trend-chart[data-chart-ready]")
    assert page.evaluate("() => Chart.getChart(document.querySelector('#trend-chart'))"
                         ".options.scales.volume.title.text") == "Posts per day"
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_page(story_site, sized_page, screenshots, width):
    base_url, _ = story_site
    page, errors = sized_page(width)
    page.goto(f"{base_url}/compare?tags=python,rust&range=7d")
    page.wait_for_selector("#compare-chart[data-chart-ready]")
    assert chart_has_pixels(page, "#compare-chart")
    assert page.evaluate("() => Chart.getChart(document.querySelector('#compare-chart'))"
                         ".data.datasets.map(d => d.label)") == ["#Python", "#rust"]
    assert page.locator(".compare-tiles__tag").count() == 2
    page.select_option("#compare-metric", "mean_score")
    assert page.evaluate("() => Chart.getChart(document.querySelector('#compare-chart'))"
                         ".options.scales.y.max") == 1
    assert no_sideways_scroll(page) <= 0
    page.screenshot(path=screenshots / f"compare_{width}.png", full_page=True)
    page.locator(".trend-card").screenshot(path=screenshots / f"compare_chart_{width}.png")
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_home_latest_analyses_keep_words_whole(story_site, sized_page, screenshots, width):
    base_url, _ = story_site
    page, errors = sized_page(width)
    page.goto(base_url + "/")
    rows = page.locator("#latest-list .job-row")
    assert rows.count() == 6
    assert "nothing new" not in page.locator("#latest-list").inner_text()
    # A hashtag is never cut mid-word, a date never broken one word per line.
    for i in range(rows.count()):
        tag = rows.nth(i).locator(".job-row__tag")
        box = tag.bounding_box()
        line = tag.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        assert box["height"] < 2 * line, f"hashtag wraps at {width}px"
        when = rows.nth(i).locator(".job-row__meta time")
        assert when.bounding_box()["height"] < 2 * line, f"date wraps at {width}px"
    assert no_sideways_scroll(page) <= 0
    page.screenshot(path=screenshots / f"home_{width}.png", full_page=True)
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_job_page(story_site, sized_page, screenshots, width):
    base_url, done_id = story_site
    page, errors = sized_page(width)
    page.goto(f"{base_url}/jobs/{done_id}")
    page.wait_for_selector("#donut[data-chart-ready]")
    assert page.locator('.site-nav a[aria-current="true"]').inner_text() == "History"
    # A tweet's author is never cut mid-word: the date goes under it instead.
    heights = page.locator(".tweet__user").evaluate_all(
        "names => names.map(n => n.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(n).lineHeight))")
    assert heights and max(heights) < 1.5, f"an author's name wraps at {width}px"
    assert no_sideways_scroll(page) <= 0
    page.screenshot(path=screenshots / f"job_{width}.png", full_page=True)
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_history_pages_and_their_pager(story_site, sized_page, screenshots, width):
    base_url, _ = story_site
    page, errors = sized_page(width)
    for number in (1, 2):
        page.goto(f"{base_url}/jobs?page={number}")
        pager = page.locator("nav.pagination")
        assert f"Page {number} of" in pager.inner_text()
        # Each button's label stays on one line: its content box is one line high.
        lines = pager.locator(".btn").evaluate_all("""buttons => buttons.map(b => {
            const style = getComputedStyle(b);
            return (b.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom))
                / parseFloat(style.lineHeight); })""")
        assert max(lines) < 1.5, f"a pager button's label wraps at {width}px"
        assert no_sideways_scroll(page) <= 0
    pager.screenshot(path=screenshots / f"history_pager_{width}.png")
    assert errors == []
