"""Home: the hashtag form, its inline validation, and the submit-then-redirect."""

from __future__ import annotations

import re
from html import unescape

import pytest

from core.db import db
from core.models import Job
from tests.pages.conftest import csrf_token
from tests.pages.factories import make_job


def test_home_shows_the_form_with_source_choices(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<form class="analyse-form card" method="post"' in html
    assert 'name="hashtag"' in html and 'name="limit"' in html
    assert '<option selected value="sample">' in html
    assert 'value="x"' in html
    assert 'aria-current="page">Analyse</a>' in html


def test_home_lists_the_latest_jobs_newest_first(client, ctx):
    for minutes, tag in enumerate(["first", "second", "third"]):
        make_job(tag, minutes=minutes)
    html = client.get("/").get_data(as_text=True)
    assert html.index("#third") < html.index("#second") < html.index("#first")


def test_home_without_jobs_says_so(client):
    assert "Nothing analysed yet" in client.get("/").get_data(as_text=True)


def test_submit_creates_the_job_and_redirects_to_its_page(client, app):
    response = client.post("/", data={"hashtag": "#Python", "limit": "25", "source": "sample"})
    assert response.status_code == 303
    with app.app_context():
        job = db.session.scalars(db.select(Job)).one()
        assert (job.hashtag, job.hashtag_key, job.tweet_limit, job.source, job.status) == (
            "Python", "python", 25, "sample", "queued")
    assert response.headers["Location"] == f"/jobs/{job.id}"


def test_submit_with_only_a_hashtag_uses_the_defaults(client, app):
    assert client.post("/", data={"hashtag": "news"}).status_code == 303
    with app.app_context():
        job = db.session.scalars(db.select(Job)).one()
        assert (job.tweet_limit, job.source) == (100, "sample")


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"hashtag": ""}, "hashtag", "Enter a hashtag"),
        ({"hashtag": "   "}, "hashtag", "Enter a hashtag"),
        ({"hashtag": "#"}, "hashtag", "after the '#'"),
        ({"hashtag": "two words"}, "hashtag", "only letters, digits and underscores"),
        ({"hashtag": "<script>"}, "hashtag", "only letters"),
        ({"hashtag": "a" * 101}, "hashtag", "at most 100"),
        ({"hashtag": "ok", "limit": "0"}, "limit", "between 1 and 1000"),
        ({"hashtag": "ok", "limit": "1001"}, "limit", "between 1 and 1000"),
        ({"hashtag": "ok", "limit": "ten"}, "limit", "whole number"),
        ({"hashtag": "ok", "limit": "2.5"}, "limit", "whole number"),
        ({"hashtag": "ok", "source": "myspace"}, "source", "Unknown source"),
    ],
)
def test_invalid_input_is_explained_next_to_its_field(client, app, data, field, words):
    response = client.post("/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="field__error" id="{field}-error">' in html
    error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert words in unescape(error)
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="{field}-error"' in html or f'{field}-hint {field}-error' in html
    # The wrong field, and only it, takes the focus (the browser scrolls there).
    assert html.count("autofocus") == 1
    assert re.search(rf'<(input|select)[^>]*\bautofocus\b[^>]*id="{field}"|'
                     rf'<(input|select)[^>]*id="{field}"[^>]*\bautofocus\b', html)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_invalid_input_is_kept_in_the_form(client):
    html = client.post("/", data={"hashtag": "two words", "limit": "7"}).get_data(as_text=True)
    assert 'value="two words"' in html
    assert 'value="7"' in html


def test_hashtag_typed_as_markup_is_escaped_when_shown_back(client):
    html = client.post("/", data={"hashtag": '"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_submit_without_csrf_token_is_a_friendly_400(csrf_client, csrf_app):
    response = csrf_client.post("/", data={"hashtag": "python"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "security token" in html
    assert "<h1" in html and "Bad request" in html
    with csrf_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_submit_with_the_pages_csrf_token_works(csrf_client):
    token = csrf_token(csrf_client.get("/").get_data(as_text=True))
    response = csrf_client.post("/", data={"hashtag": "python", "csrf_token": token})
    assert response.status_code == 303


def test_submissions_are_rate_limited(tmp_path):
    from tests.support.apps import fresh_app

    config = {"WTF_CSRF_ENABLED": False, "JOB_SUBMIT_RATE_LIMIT": "2/minute"}
    with fresh_app(tmp_path / "instance", config, env={"RATELIMIT_ENABLED": "1"}) as app:
        client = app.test_client()
        codes = [client.post("/", data={"hashtag": "a"}).status_code for _ in range(3)]
        assert codes == [303, 303, 429]
        assert client.get("/").status_code == 200  # reading the page is not limited
