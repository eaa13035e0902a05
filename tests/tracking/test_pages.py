"""Tracker pages: the home and hashtag partials, and the form posts behind their buttons."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Alert, Job, Tracker
from tests.tracking.conftest import T0, add_tracker


def form(**fields) -> dict[str, str]:
    base = {"hashtag": "python", "source": "sample", "interval_minutes": "30", "limit": "50",
            "negative_alert_percent": "", "enabled": "y", "next": "/tags/python"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def trackers(app) -> list[Tracker]:
    with app.app_context():
        found = list(db.session.scalars(select(Tracker).order_by(Tracker.id)))
        db.session.expunge_all()
        return found


def with_alert(app, hashtag: str = "python") -> int:
    with app.app_context():
        tracker_id = add_tracker(hashtag, negative_alert_threshold=0.4)
        job = Job(hashtag=hashtag, hashtag_key=hashtag, source="sample", tweet_limit=10,
                  status="done", negative=7, neutral=3, tracker_id=tracker_id,
                  scheduled_for=T0, finished_at=T0)
        db.session.add(job)
        db.session.flush()
        db.session.add(Alert(tracker_id=tracker_id, job_id=job.id, hashtag_key=hashtag,
                             negative_share=0.7, threshold=0.4, created_at=T0))
        db.session.commit()
        return tracker_id


def test_home_page_summarises_trackers_and_recent_alerts(client, app):
    with_alert(app, "python")
    with app.app_context():
        add_tracker("rust", enabled=False)
    page = client.get("/").get_data(as_text=True)
    assert "Tracked hashtags" in page
    assert "#python" in page and "#rust" in page
    assert "Paused" in page and "Active" in page
    assert "70% negative" in page and "threshold 40%" in page


def test_home_page_without_trackers_explains_them(client):
    page = client.get("/").get_data(as_text=True)
    assert "No hashtag is tracked yet" in page


def test_hashtag_page_shows_only_that_tags_trackers_and_a_create_form(client, app):
    with_alert(app, "python")
    with app.app_context():
        add_tracker("rust")
    page = client.get("/tags/Python").get_data(as_text=True)
    section = page[page.index('id="tag-trackers-title"'):]
    assert "Every hour, up to 100" in section
    assert "Alerts at 40% negative" in section
    assert "70% negative" in section
    assert "#rust" not in section
    assert 'action="/trackers"' in section
    assert '<input type="hidden" name="hashtag" value="python">' in section


def test_the_tracker_form_starts_on_the_default_source_and_falls_back_to_it(client, app):
    app.config["DEFAULT_SOURCE"] = "mastodon"
    page = client.get("/tags/python").get_data(as_text=True)
    section = page[page.index('id="tag-trackers-title"'):]
    assert re.search(r'<option selected value="mastodon">|<option value="mastodon" selected>',
                     section)
    assert client.post("/trackers", data=form(source="")).status_code == 303
    assert trackers(app)[0].source == "mastodon"


class TrackerFormFields(HTMLParser):
    """What a browser submits from the page's first ``tracker-form``, left as shown."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action: str | None = None
        self._inside = self._done = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and "tracker-form" in (attributes.get("class") or "") \
                and not self._done:
            self._inside, self.action = True, attributes["action"]
        if not self._inside or not attributes.get("name") and tag != "option":
            return
        if tag == "input":
            if attributes.get("type") != "checkbox" or "checked" in attributes:
                self.fields[attributes["name"]] = attributes.get("value") or (
                    "y" if attributes.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = attributes["name"]
        elif tag == "option" and self._select and "selected" in attributes:
            self.fields[self._select] = attributes["value"]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form" and self._inside:
            self._inside, self._done = False, True


def test_the_hashtag_pages_form_posted_as_shown_tracks_the_tag_with_the_defaults(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    parser = TrackerFormFields()
    parser.feed(client.get("/tags/Python?range=7d").get_data(as_text=True))
    assert parser.fields["csrf_token"]
    assert parser.fields["next"] == "/tags/Python?range=7d"
    response = client.post(parser.action, data=parser.fields)
    assert (response.status_code, response.headers["Location"]) == (303, "/tags/Python?range=7d")
    (tracker,) = trackers(app)
    assert (tracker.hashtag, tracker.source, tracker.interval_minutes, tracker.tweet_limit,
            tracker.enabled, tracker.negative_alert_threshold) == (
        "Python", app.config["DEFAULT_SOURCE"], 60, 100, True, None)
    # Shown again: the tracker is listed with its buttons, and the form is fresh again.
    page = client.get("/tags/python").get_data(as_text=True)
    assert f'action="/trackers/{tracker.id}/pause"' in page
    parser = TrackerFormFields()
    parser.feed(page)
    assert (parser.fields["hashtag"], parser.fields["interval_minutes"]) == ("python", "60")


def test_creating_from_the_hashtag_page_redirects_back_with_a_message(client, app):
    response = client.post("/trackers", data=form(negative_alert_percent="35"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/tags/python"
    (tracker,) = trackers(app)
    assert (tracker.hashtag, tracker.interval_minutes, tracker.tweet_limit, tracker.enabled,
            tracker.negative_alert_threshold) == ("python", 30, 50, True, 0.35)
    page = client.get("/tags/python").get_data(as_text=True)
    assert "#python is tracked every 30 minutes" in page


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"interval_minutes": "0"}, "between 1 and 10080"),
        ({"limit": "lots"}, "whole number"),
        ({"hashtag": "no spaces"}, "only letters"),
        ({"negative_alert_percent": "120"}, "percentage between 0 and 100"),
        ({"source": "myspace"}, "Unknown source"),
    ],
)
def test_invalid_create_shows_the_form_again_saying_what_is_wrong(client, app, fields, words):
    response = client.post("/trackers", data=form(**fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The tracker was not created" in html
    assert words in html
    assert "field--invalid" in html and 'aria-invalid="true"' in html
    assert trackers(app) == []


def test_invalid_create_keeps_what_was_typed_and_reports_every_error(client, app):
    response = client.post("/trackers", data=form(interval_minutes="0", limit="lots",
                                                  negative_alert_percent="35",
                                                  alert_email="nope"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "between 1 and 10080" in html and "whole number" in html
    assert "Enter one e-mail address" in html
    assert html.count("field--invalid") == 3
    assert 'value="35"' in html and 'value="lots"' in html and 'value="nope"' in html


def test_delete_asks_for_confirmation_on_a_page_of_its_own(client, app):
    with app.app_context():
        tracker_id = add_tracker("python")
    row = client.get("/trackers").get_data(as_text=True)
    assert f'href="/trackers/{tracker_id}/delete?next=/trackers"' in row
    page = client.get(f"/trackers/{tracker_id}/delete?next=/trackers").get_data(as_text=True)
    assert "Delete the tracker for #python?" in page
    assert f'action="/trackers/{tracker_id}/delete"' in page
    assert "<script" not in page.split("<main", 1)[1]
    assert len(trackers(app)) == 1  # asking deletes nothing


def test_duplicate_create_says_it_is_tracked_already(client, app):
    client.post("/trackers", data=form())
    page = client.post("/trackers", data=form(hashtag="PYTHON"),
                       follow_redirects=True).get_data(as_text=True)
    assert "already tracked" in page
    assert len(trackers(app)) == 1


def test_unchecked_active_box_creates_a_paused_tracker(client, app):
    client.post("/trackers", data=form(enabled=None))
    assert trackers(app)[0].enabled is False


def test_pause_resume_and_delete_buttons(client, app):
    with app.app_context():
        tracker_id = add_tracker("python")
    back = {"next": "/tags/python"}
    response = client.post(f"/trackers/{tracker_id}/pause", data=back)
    assert (response.status_code, response.headers["Location"]) == (303, "/tags/python")
    assert trackers(app)[0].enabled is False
    assert "Tracking of #python is paused" in client.get("/tags/python").get_data(as_text=True)
    client.post(f"/trackers/{tracker_id}/resume", data=back)
    assert trackers(app)[0].enabled is True
    client.post(f"/trackers/{tracker_id}/delete", data=back)
    assert trackers(app) == []
    assert client.post(f"/trackers/{tracker_id}/pause", data=back).status_code == 404


def test_edit_page_is_prefilled_and_saves(client, app):
    with app.app_context():
        tracker_id = add_tracker("python", interval_minutes=45, negative_alert_threshold=0.25)
    page = client.get(f"/trackers/{tracker_id}?next=/tags/python").get_data(as_text=True)
    assert 'value="45"' in page and 'value="25"' in page
    assert 'name="next" value="/tags/python"' in page
    response = client.post(f"/trackers/{tracker_id}",
                           data=form(interval_minutes="5", negative_alert_percent=""))
    assert (response.status_code, response.headers["Location"]) == (303, "/tags/python")
    (tracker,) = trackers(app)
    assert (tracker.interval_minutes, tracker.negative_alert_threshold) == (5, None)


def test_invalid_edit_shows_the_form_again_with_the_error(client, app):
    with app.app_context():
        tracker_id = add_tracker("python", interval_minutes=45)
        add_tracker("rust")
    response = client.post(f"/trackers/{tracker_id}", data=form(interval_minutes="99999"))
    assert response.status_code == 422
    assert "between 1 and 10080" in response.get_data(as_text=True)
    taken = client.post(f"/trackers/{tracker_id}", data=form(hashtag="Rust"))
    assert taken.status_code == 422
    assert "already tracked" in taken.get_data(as_text=True)
    assert trackers(app)[0].interval_minutes == 45


def test_unknown_tracker_pages_are_404(client):
    assert client.get("/trackers/999").status_code == 404
    assert client.post("/trackers/999", data=form()).status_code == 404


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x",
                                    "/\\evil.example", ""])
def test_redirects_only_go_back_to_this_site(client, target):
    response = client.post("/trackers", data=form(next=target))
    assert response.headers["Location"] == "/trackers"


def test_forms_need_their_csrf_token(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/trackers", data=form()).status_code == 400
    assert trackers(app) == []
    page = client.get("/tags/python").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/trackers", data=form(csrf_token=token))
    assert response.status_code == 303
    (tracker,) = trackers(app)
    assert client.post(f"/trackers/{tracker.id}/delete", data={"next": "/"}).status_code == 400
    assert len(trackers(app)) == 1


def test_tracker_markup_has_no_inline_scripts_or_styles(client, app):
    with_alert(app, "python")
    for url in ("/", "/tags/python", "/trackers", "/trackers/1"):
        page = client.get(url).get_data(as_text=True)
        assert " style=" not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"<[^>]+\son[a-z]+=", page), url


def test_an_alert_at_its_threshold_never_reads_under_it(client, app):
    with app.app_context():
        tracker_id = add_tracker("python", negative_alert_threshold=0.025)
        job = Job(hashtag="python", hashtag_key="python", source="sample", tweet_limit=200,
                  status="done", negative=5, positive=195, tracker_id=tracker_id,
                  scheduled_for=T0, finished_at=T0)
        db.session.add(job)
        db.session.flush()
        db.session.add(Alert(tracker_id=tracker_id, job_id=job.id, hashtag_key="python",
                             negative_share=0.025, threshold=0.025, created_at=T0))
        db.session.commit()
    section = client.get("/tags/python").get_data(as_text=True)
    section = section[section.index('id="tag-trackers-title"'):]
    assert "Alerts at 2.5% negative" in section
    assert "2.5% negative</span>" in section and "(threshold 2.5%)" in section
