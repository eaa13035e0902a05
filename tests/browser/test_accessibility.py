"""Every kind of page, checked by axe-core (Deque's accessibility engine, the one browsers'
dev tools use) in a real Chromium at a phone's and a desktop's width: no WCAG 2.x A/AA rule
it can check automatically is broken (names, labels, contrast, landmarks, ARIA, lists...).

axe finds perhaps half of what a person with a screen reader would; the other half (reading
order, focus after an action, what a chart says) is covered by the pages' own tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.models import Tracker, utcnow
from tests.browser.conftest import serving
from tests.browser.demo_data import seed_history, seed_story
from tests.support.accounts import PASSWORD, make_user

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def login_site(csrf_app):
    """A signed-in-only instance with history, trends, a tracker with an alert rule and two
    accounts; an admin sees every form there is."""
    csrf_app.config.update(AUTH_MODE="login")
    make_user(csrf_app, "ada", "admin")
    make_user(csrf_app, "vera", "viewer")
    with csrf_app.app_context():
        from core.db import db

        done, failed, _running = seed_history()
        seed_story(utcnow())
        now = utcnow()
        tracker = Tracker(hashtag="Python", hashtag_key="python", source="sample",
                          interval_minutes=60, tweet_limit=100, enabled=True,
                          negative_alert_threshold=0.3, next_run_at=now, created_at=now,
                          updated_at=now)
        db.session.add(tracker)
        db.session.flush()
        # Two of the history's jobs as the tracker's runs, the failed one last: its page lists
        # them, and every list of trackers says why the last one failed.
        for minutes_ago, job in ((60, done), (0, failed)):
            job.tracker_id, job.scheduled_for = tracker.id, now - timedelta(minutes=minutes_ago)
        db.session.commit()
        ids = {"done": done.id, "failed": failed.id, "tracker": tracker.id}
    with serving(csrf_app) as base_url:
        yield base_url, ids


def violations(axe, page) -> list[str]:
    """Each broken rule with the elements that break it, readable in a failed assertion."""
    found = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [f"{rule['id']} ({rule['impact']}): {rule['help']} — "
            + "; ".join(str(node["target"]) for node in rule["nodes"][:5])
            for rule in found.response["violations"]]


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_break_no_rule_axe_can_check(login_site, browser, axe, width):
    base_url, ids = login_site
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                  timezone_id="UTC", reduced_motion="reduce",
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    page.set_default_timeout(15_000)
    broken: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        if found := violations(axe, page):
            broken[name] = found

    try:
        page.goto(base_url + "/sign-in")
        check("sign-in")
        page.fill("#username", "ada")
        page.fill("#password", "not the password")
        page.click("main button[type=submit]")
        check("sign-in, wrong password")
        page.fill("#username", "ada")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(base_url + "/")
        check("home")
        pages = {
            "history (first of two pages)": "/jobs",
            "history, second page": "/jobs?page=2",
            "a done job": f"/jobs/{ids['done']}",
            "a failed job": f"/jobs/{ids['failed']}",
            "a hashtag": "/tags/Python?range=7d",
            "an unanalysed hashtag": "/tags/nothinghere",
            "compare": "/compare?tags=python,rust&range=7d",
            "trackers": "/trackers",
            "a tracker": f"/trackers/{ids['tracker']}",
            "deleting a tracker": f"/trackers/{ids['tracker']}/delete",
            "model": "/model",
            "account": "/account",
            "users": "/users",
            "not found": "/jobs/424242",
        }
        for name, path in pages.items():
            page.goto(base_url + path)
            check(name)
            if name in ("trackers", "a tracker"):  # the failed last run's note was checked too
                assert page.locator(".tracker-failure").count() == 1, name
        page.goto(base_url + "/")
        page.fill("#hashtag", "two words")
        page.click("form.analyse-form button[type=submit]")
        check("home, invalid hashtag")
        page.goto(base_url + "/users")
        page.click("form.account-form button[type=submit]")
        check("users, empty new account")
    finally:
        context.close()
    assert broken == {}, "\n".join(f"{name}: {rule}" for name, rules in broken.items()
                                   for rule in rules)


@pytest.fixture
def open_site(csrf_app):
    with csrf_app.app_context():
        seed_history()
    with serving(csrf_app) as base_url:
        yield base_url


def test_a_refused_form_takes_a_phone_to_its_first_error(open_site, browser, screenshots):
    """A tracker asked for from a hashtag's page and refused comes back on the trackers page,
    where the form is below the list on a phone: the first wrong field has the focus and is on
    screen, not a screen's height below what the person sees."""
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="en-GB",
                                  timezone_id="UTC", is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(open_site + "/tags/Python")
        form = page.locator("details.tracker-new form")
        form.locator("input[name=interval_minutes]").fill("0")
        form.locator("input[name=limit]").fill("5000")
        form.locator("button[type=submit]").click()
        page.wait_for_url(open_site + "/trackers")
        focused = page.evaluate("() => document.activeElement.id")
        assert focused == "interval_minutes"  # the first of the two wrong fields
        box = page.locator("#interval_minutes").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800
        page.screenshot(path=screenshots / "refused_tracker_phone.png")
    finally:
        context.close()
