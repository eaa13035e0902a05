"""The pages hide what a visitor may not do: no form or button the server would refuse."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.security.conftest import secured_app, seed_job
from tests.support.accounts import make_user, sign_in


class PostForms(HTMLParser):
    """The actions of every method="post" form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.actions.append(attributes.get("action") or "")


def post_actions(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    parser = PostForms()
    parser.feed(response.get_data(as_text=True))
    return [action for action in parser.actions if action != "/sign-out"]


@pytest.fixture
def site(tmp_path):
    with secured_app(tmp_path / "instance", AUTH_MODE="public-read",
                     WTF_CSRF_ENABLED=False) as app:
        owner = make_user(app, "owner", "analyst")
        for name, role in (("vera", "viewer"), ("ann", "analyst"), ("ada", "admin")):
            make_user(app, name, role)
        job_id = seed_job(app)
        from core.db import db
        from core.models import Job, Tracker, utcnow

        with app.app_context():
            db.session.get(Job, job_id).status = "failed"  # its page offers "Run it again"
            now = utcnow()
            tracker = Tracker(hashtag="python", hashtag_key="python", source="sample",
                              interval_minutes=60, tweet_limit=10, enabled=True,
                              next_run_at=now, created_at=now, updated_at=now, created_by=owner)
            db.session.add(tracker)
            db.session.commit()
            tracker_id = tracker.id
        pages = ["/", "/model", f"/jobs/{job_id}", "/tags/python", "/trackers",
                 f"/trackers/{tracker_id}"]
        yield app, pages


@pytest.mark.parametrize("who", [None, "vera"], ids=["anonymous", "viewer"])
def test_readers_see_no_form_that_changes_anything(site, who):
    app, pages = site
    client = app.test_client()
    if who:
        sign_in(client, who)
    for path in pages:
        assert post_actions(client, path) == [], path
    home = client.get("/").get_data(as_text=True)
    assert ("Sign in</a> to analyse" in home) if who is None else ("analyst role" in home)


def test_an_analyst_sees_the_forms_but_not_the_buttons_of_anothers_tracker(site):
    app, pages = site
    client = app.test_client()
    sign_in(client, "ann")
    assert "/" in post_actions(client, "/")
    assert "/trackers" in post_actions(client, "/trackers")
    tracker_actions = [a for a in post_actions(client, "/trackers") if a != "/trackers"]
    assert tracker_actions == []
    # The lists read trackers as rows with the creator's name (one query, no lazy load).
    for path in ("/", "/trackers", "/tags/python"):
        assert "by owner" in client.get(path).get_data(as_text=True), path
    assert not re.search(r'href="/trackers/\d+/delete', client.get("/trackers").get_data(
        as_text=True))
    assert "Only\n        owner (who made it) or an admin" in client.get(pages[-1]).get_data(
        as_text=True)


def test_an_admin_sees_every_button_and_the_users_page_link(site):
    app, pages = site
    client = app.test_client()
    sign_in(client, "ada")
    actions = post_actions(client, "/trackers")
    assert any(a.endswith("/pause") for a in actions)
    # Deleting starts from a link to the confirmation page, whose form then posts.
    assert re.search(r'href="/trackers/\d+/delete', client.get("/trackers").get_data(as_text=True))
    assert 'href="/users"' in client.get("/").get_data(as_text=True)


def pages_seen_by(instance, who: str | None, paths: tuple[str, ...], *,
                  with_job: bool = False) -> dict[str, str]:
    """Each page's HTML as ``who`` (None: anonymous) reads it on a fresh public-read site
    without trackers, with one finished #python run or none."""
    with secured_app(instance, AUTH_MODE="public-read", WTF_CSRF_ENABLED=False) as app:
        for name, role in (("vera", "viewer"), ("ann", "analyst")):
            make_user(app, name, role)
        if with_job:
            seed_job(app)
        client = app.test_client()
        if who:
            sign_in(client, who)
        return {path: client.get(path).get_data(as_text=True) for path in paths}


# Who reads, and whether they may analyse (and so track).
READERS_AND_ANALYST = pytest.mark.parametrize(
    ("who", "offered"), [(None, False), ("vera", False), ("ann", True)],
    ids=["anonymous", "viewer", "analyst"])


@READERS_AND_ANALYST
def test_the_pages_offer_to_track_only_to_those_who_may(tmp_path, who, offered):
    pages = pages_seen_by(tmp_path / "instance", who, ("/", "/tags/python"), with_job=True)
    home, tag_page = pages["/"], pages["/tags/python"]
    assert "No hashtag is tracked yet." in home
    assert ("Track a hashtag →" in home) is offered
    assert ("start one from a hashtag's page" in home) is offered
    assert ("All trackers →" in home) is not offered
    assert "#python is not tracked." in tag_page
    assert ("Track it to re-analyse it" in tag_page) is offered


@pytest.mark.parametrize(("who", "link"), [(None, "All trackers →"), ("vera", "All trackers →"),
                                           ("ann", "Manage trackers →")],
                         ids=["anonymous", "viewer", "analyst"])
def test_the_home_pages_link_to_existing_trackers_says_what_the_reader_may_do(site, who, link):
    app, _pages = site
    client = app.test_client()
    if who:
        sign_in(client, who)
    home = client.get("/").get_data(as_text=True)
    assert f'href="/trackers">{link}</a>' in home


@READERS_AND_ANALYST
def test_empty_lists_point_to_an_action_only_for_those_who_may_take_it(tmp_path, who, offered):
    pages = pages_seen_by(tmp_path / "instance", who, ("/", "/jobs", "/tags/nothingyet"))
    assert "Nothing analysed yet." in pages["/"]
    assert ("Your first analysis will appear here." in pages["/"]) is offered
    assert "No analyses match." in pages["/jobs"]
    assert ('<a href="/">Analyse a hashtag</a>' in pages["/jobs"]) is offered
    assert "#nothingyet has not been analysed yet." in pages["/tags/nothingyet"]
    assert ("Use the button above to start." in pages["/tags/nothingyet"]) is offered


@pytest.mark.parametrize(("who", "offered"), [("vera", False), ("ann", False), ("owner", True),
                                              ("ada", True)],
                         ids=["viewer", "another-analyst", "its-creator", "admin"])
def test_a_trackers_page_suggests_alert_delivery_only_to_who_may_edit_it(site, who, offered):
    app, pages = site
    client = app.test_client()
    sign_in(client, who)
    tracker_page = client.get(pages[-1]).get_data(as_text=True)
    assert "Alerts are shown on the pages only" in tracker_page
    assert ("add a webhook or an e-mail address" in tracker_page) is offered
