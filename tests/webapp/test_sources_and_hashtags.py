"""The source registry at the edge; hashtags in any script."""

from __future__ import annotations

import json

import pytest

from core.hashtags import hashtag_key
from core.models import Job
from core.sources import SOURCE_NAMES
from webapp.api.openapi import SPEC_PATH


def jobs_in(app) -> int:
    with app.app_context():
        from core.db import db

        return db.session.query(Job).count()


@pytest.mark.parametrize(("source", "setting"), [
    ("x", "X_BEARER_TOKEN"), ("bluesky", "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")])
def test_a_job_on_an_unconfigured_source_is_422_naming_the_setting(client, app, source,
                                                                   setting):
    response = client.post("/api/jobs", json={"hashtag": "python", "source": source})
    assert response.status_code == 422
    assert response.get_json()["field"] == "source"
    assert setting in response.get_json()["error"]
    assert jobs_in(app) == 0  # nothing queued


def test_a_tracker_on_an_unconfigured_source_is_422_naming_the_setting(client):
    response = client.post("/api/trackers", json={"hashtag": "python", "source": "x"})
    assert response.status_code == 422
    assert "X_BEARER_TOKEN" in response.get_json()["error"]


def test_a_configured_source_is_accepted(client, app):
    app.config["X_BEARER_TOKEN"] = "token"
    assert client.post("/api/jobs", json={"hashtag": "python", "source": "x"}).status_code == 202


def test_the_sources_endpoint_says_what_is_configured(client):
    body = client.get("/api/sources").get_json()
    assert body["default"] == "sample"
    by_name = {s["name"]: s for s in body["results"]}
    assert list(by_name) == list(SOURCE_NAMES)
    assert by_name["sample"]["configured"] and by_name["mastodon"]["configured"]
    assert by_name["x"]["missing_settings"] == ["X_BEARER_TOKEN"]
    assert by_name["mastodon"]["capabilities"]["max_page_size"] == 40


def test_the_home_form_shows_unconfigured_sources_disabled_with_the_setting(client):
    page = client.get("/").get_data(as_text=True)
    assert '<option selected value="sample">' in page
    assert '<option value="mastodon">Mastodon</option>' in page
    assert '<option disabled value="x">X (set X_BEARER_TOKEN)</option>' in page


def test_the_home_form_refuses_an_unconfigured_source_with_the_setting(client, app):
    response = client.post("/", data={"hashtag": "python", "limit": "10", "source": "x"})
    assert response.status_code == 422
    assert "X_BEARER_TOKEN" in response.get_data(as_text=True)
    assert jobs_in(app) == 0


def test_the_openapi_source_enum_is_the_registry():
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for name in ("JobRequest", "TrackerRequest", "TrackerChanges"):
        assert schemas[name]["properties"]["source"]["enum"] == list(SOURCE_NAMES)


def test_an_unknown_default_source_stops_the_app_with_a_reason(tmp_path):
    from tests.support.apps import fresh_app

    with (pytest.raises(SystemExit, match="DEFAULT_SOURCE is 'myspace'"),
          fresh_app(tmp_path / "i", {"DEFAULT_SOURCE": "myspace"})):
        pass


@pytest.mark.parametrize("tag", ["café", "#東京", "españa", "हिन्दी", "Straße", "naïve_2026",
                                 "#Ελλάδα", "мир"])
def test_hashtags_in_any_script_are_accepted(client, tag):
    response = client.post("/api/jobs", json={"hashtag": tag})
    assert response.status_code == 202, response.get_json()


@pytest.mark.parametrize("tag", ["caf é", "tag!", "emoji😀", "a-b", "#", "²³", "\u200b"])
def test_symbols_spaces_and_punctuation_are_still_rejected_truthfully(client, tag):
    response = client.post("/api/jobs", json={"hashtag": tag})
    assert response.status_code == 422
    assert response.get_json()["field"] == "hashtag"


def test_hashtags_match_across_case_and_unicode_forms(client):
    for tag in ("Café", "CAFÉ", "cafe\u0301"):
        assert client.post("/api/jobs", json={"hashtag": tag}).status_code == 202
    history = client.get("/api/jobs?hashtag=caf%C3%A9").get_json()
    assert history["total"] == 3
    assert hashtag_key("ｐｙｔｈｏｎ") == hashtag_key("Python") == "python"


def test_a_job_takes_a_language_default_english(client):
    body = client.post("/api/jobs", json={"hashtag": "python"}).get_json()
    assert client.get(body["url"]).get_json()["lang"] == "en"
    body = client.post("/api/jobs", json={"hashtag": "python", "lang": "DE"}).get_json()
    assert client.get(body["url"]).get_json()["lang"] == "de"
    bad = client.post("/api/jobs", json={"hashtag": "python", "lang": "english"})
    assert (bad.status_code, bad.get_json()["field"]) == (422, "lang")


@pytest.mark.parametrize(("asked", "kept"), [("eng", "en"), ("en-GB", "en"), ("fra", "fr"),
                                              ("iw", "he")])
def test_a_job_keeps_the_code_its_posts_carry(client, asked, kept):
    """Posts carry "en": a job kept as "eng" scored none of them."""
    body = client.post("/api/jobs", json={"hashtag": "python", "lang": asked}).get_json()
    assert client.get(body["url"]).get_json()["lang"] == kept


@pytest.mark.parametrize("asked", ["zz", "xx", "und", "qme", 42])
def test_a_code_that_names_no_language_is_refused_and_nothing_is_queued(client, asked):
    before = client.get("/api/jobs").get_json()["total"]
    bad = client.post("/api/jobs", json={"hashtag": "python", "lang": asked})
    assert (bad.status_code, bad.get_json()["field"]) == (422, "lang")
    assert "ISO 639" in bad.get_json()["error"]
    assert client.get("/api/jobs").get_json()["total"] == before


def test_the_suggested_sample_hashtags_are_popular_in_the_corpus():
    from core.sources import SAMPLE_EXAMPLE_HASHTAGS
    from worker.sources.sample_corpus import popular_hashtags

    popular = {tag for tag, _count in popular_hashtags(12)}
    assert set(SAMPLE_EXAMPLE_HASHTAGS) <= popular


def test_the_home_page_lists_sample_hashtags_that_fill_the_form(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/?hashtag=love">#love</a>' in page
    filled = client.get("/?hashtag=love").get_data(as_text=True)
    assert 'value="love"' in filled


def test_a_tracker_keeps_its_language_for_its_runs(client, app):
    from datetime import timedelta

    from core.models import utcnow
    from worker.tracking import dispatch_due_trackers

    body = client.post("/api/trackers", json={"hashtag": "café", "lang": "fra"}).get_json()
    assert body["lang"] == "fr"
    bad = client.post("/api/trackers", json={"hashtag": "thé", "lang": "zz"})
    assert (bad.status_code, bad.get_json()["field"]) == (422, "lang")
    with app.app_context():
        report = dispatch_due_trackers(utcnow() + timedelta(seconds=1), publish=lambda _id: True)
        from core.db import db

        job = db.session.get(Job, report.created[0])
        assert (job.hashtag, job.hashtag_key, job.lang) == ("café", "café", "fr")
