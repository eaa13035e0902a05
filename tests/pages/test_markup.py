"""Every page works under a strict CSP (scripts and styles from 'self' only) and is labelled."""

from __future__ import annotations

import re

import pytest

from core.db import db
from tests.pages.factories import add_tweets, make_job


@pytest.fixture
def pages(client, ctx):
    done = make_job("Python")
    add_tweets(done, [("positive", 0.9, "lovely"), ("negative", 0.1, "awful")])
    running = make_job("Python", status="running")
    failed = make_job("Python", status="failed", error="boom")
    return ["/", "/jobs", "/jobs?hashtag=python", f"/jobs/{done.id}", f"/jobs/{running.id}",
            f"/jobs/{failed.id}", "/tags/python", "/model", "/jobs/999999", "/tags/bad-tag"]


def test_no_inline_script_style_or_event_handler(client, pages):
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts, url
        assert all(" src=" in tag for tag in scripts), (url, scripts)
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), url
        assert "<style" not in html, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_nothing_is_loaded_from_another_host(client, pages):
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for attribute in re.findall(r'\s(?:src|href)="([^"]+)"', html):
            external = attribute.startswith(("http:", "https:", "//"))
            # Only outbound links to tweets are absolute; nothing is loaded from them.
            assert not external or "x.com/" in attribute, (url, attribute)
        assert "<link" not in html.replace('<link rel="icon"', "").replace(
            '<link rel="stylesheet" href="/static/', ""), url


def test_every_page_has_a_title_landmarks_and_the_nav(client, pages):
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert re.search(r"<title>[^<]+ · tagpulse</title>", html), url
        assert '<main id="main"' in html and '<nav class="site-nav" aria-label="Main">' in html
        assert ">Analyse</a>" in html and ">History</a>" in html and ">Try the model</a>" in html
        assert html.count("<h1") == 1, url


def test_form_fields_have_labels(client, pages):
    for url in ["/", "/jobs", "/model"]:
        html = client.get(url).get_data(as_text=True)
        visible = r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"'
        for field_id in re.findall(visible, html):
            assert f'<label class="field__label" for="{field_id}"' in html, (url, field_id)


def test_a_listed_job_line_follows_the_job_from_running_to_done(client, ctx):
    """Job lines are rendered once per state of the job (``job_row_html``): every change the
    line shows must show, on every page that lists the job."""
    job = make_job("Rowcache", status="running", scored=3, positive=2, neutral=1, negative=0)
    pages = ("/", "/jobs", "/tags/rowcache")
    running = [client.get(page).get_data(as_text=True) for page in pages]
    for html in running:
        assert "3 of 100 so far" in html and "Running" in html
    job.status, job.scored, job.positive, job.neutral, job.negative = "done", 4, 1, 1, 2
    job.tracker_id = None
    db.session.commit()
    for page in pages:
        html = client.get(page).get_data(as_text=True)
        assert "3 of 100 so far" not in html
        assert "4 tweets" in html and "50% neg" in html


def test_cached_job_lines_are_what_the_macro_renders(app, ctx):
    from flask import render_template_string

    job = make_job("Same", status="done", positive=3, neutral=1, negative=1)
    with app.test_request_context("/"):
        direct = render_template_string(
            '{% from "_macros.html" import job_row %}{{ job_row(job) }}', job=job)
        cached = render_template_string("{{ job_row_html(job) }}{{ job_row_html(job) }}",
                                        job=job)
    assert cached == direct + direct


def _direct(template, macro, form):
    from flask import render_template_string

    return render_template_string(
        f'{{% from "{template}" import {macro} %}}{{{{ {macro}(form) }}}}', form=form)


def test_cached_tracker_settings_are_what_the_macro_renders(app, ctx):
    from flask import current_app
    from werkzeug.datastructures import MultiDict

    from webapp.pages.form_fields import CACHE, form_fields_html
    from webapp.tracker_forms import TrackerForm

    def settings(form):
        return form_fields_html("tracker_settings", form)

    def direct(form):
        return _direct("trackers/_macros.html", "tracker_settings", form)

    with app.test_request_context("/tags/same"):
        fresh = TrackerForm(formdata=None, hashtag="same", source="sample")
        assert settings(fresh) == direct(fresh)
        assert settings(TrackerForm(formdata=None, hashtag="other", source="sample")) == \
            direct(fresh)
        assert len(current_app.extensions[CACHE].html) == 1
        # Other values, other HTML: what a form shows is part of the key.
        fifty = TrackerForm(formdata=None, hashtag="same", source="sample", limit="50")
        assert settings(fifty) == direct(fifty) != direct(fresh)
        assert 'value="50"' in settings(fifty)
        # A form with errors shows its own messages and is not kept.
        wrong = TrackerForm(formdata=MultiDict({"hashtag": "same", "limit": "many",
                                                "interval_minutes": "5"}), meta={"csrf": False})
        assert not wrong.validate()
        html = settings(wrong)
        assert html == direct(wrong)
        assert "field--invalid" in html and wrong.limit.errors[0] in html
        assert len(current_app.extensions[CACHE].html) == 2


def test_cached_analyse_fields_follow_the_form(client, app, ctx):
    from webapp.forms import AnalyseForm
    from webapp.pages.form_fields import form_fields_html

    with app.test_request_context("/"):
        for values in ({}, {"hashtag": "love", "source": "sample"}, {"limit": "7"}):
            form = AnalyseForm(formdata=None, **values)
            assert form_fields_html("analyse_fields", form) == \
                _direct("_macros.html", "analyse_fields", form)
    # Through the page: a suggested hashtag fills the form, the next visit's form is empty
    # again, and a refused submission shows its own error beside what was typed.
    assert 'value="love"' in client.get("/?hashtag=love").get_data(as_text=True)
    assert 'value="love"' not in client.get("/").get_data(as_text=True)
    refused = client.post("/", data={"hashtag": "no spaces allowed", "limit": "20"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'value="no spaces allowed"' in html and "field--invalid" in html
    assert 'value="no spaces allowed"' not in client.get("/").get_data(as_text=True)


def test_times_read_the_same_in_every_month_whatever_the_locale():
    from datetime import UTC, datetime

    from webapp.pages.display import format_time

    assert format_time(datetime(2026, 12, 5, 9, 4, tzinfo=UTC)) == "5 Dec 2026, 09:04 UTC"
    assert [format_time(datetime(2027, month, 28, 23, 59, tzinfo=UTC))[3:6]
            for month in range(1, 13)] == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                           "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert format_time(None) == ""
