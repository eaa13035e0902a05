"""A hashtag's page: its runs, the trend chart's data source, and the tracker partial."""

from __future__ import annotations

import re

import pytest

from tests.pages.factories import add_tweets, make_job
from webapp.authz import POLICY


def test_tag_page_lists_every_run_of_the_hashtag_in_any_case(client, ctx):
    first = make_job("python", minutes=0)
    add_tweets(first, [("positive", 0.9, "nice")])
    second = make_job("Python", minutes=5)
    make_job("rust", minutes=6)
    response = client.get("/tags/PYTHON")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 class="page-title">#Python</h1>' in html  # as last typed, not as in the URL
    runs = re.findall(r'href="/jobs/(\d+)"', html.split('id="runs-title"', 1)[1])
    assert runs == [str(second.id), str(first.id)]
    assert "2 analyses so far" in html


def test_tag_page_says_when_runs_were_scored_by_different_models(client, ctx):
    make_job("python", minutes=0, model_version="conv1d-old")
    html = client.get("/tags/python").get_data(as_text=True)
    assert "data-model-note" not in html  # one model: nothing to say
    make_job("python", minutes=5, model_version="ensemble-new")
    html = client.get("/tags/python").get_data(as_text=True)
    assert "scored by 2 model versions" in html
    assert "conv1d-old, ensemble-new" in html
    points = client.get("/api/tags/python/trend").get_json()["points"]
    assert all("model_version" in point for point in points)


def test_tag_page_points_the_chart_at_the_trend_api(client):
    html = client.get("/tags/python").get_data(as_text=True)
    assert 'data-trend-url="/api/tags/python/trend"' in html
    assert '<canvas id="trend-chart"' in html
    assert 'src="/static/vendor/chart.umd.min.js"' in html
    assert 'src="/static/vendor/chartjs-adapter-date-fns.bundle.min.js"' in html


def test_tag_page_loads_the_topic_context_later(client):
    html = client.get("/tags/python").get_data(as_text=True)
    assert 'data-context-url="/tags/python/context"' in html
    assert "topic__extract" not in html  # never fetched while rendering the page


def test_tag_page_of_an_unanalysed_hashtag_offers_to_analyse_it(client):
    html = client.get("/tags/brandnew").get_data(as_text=True)
    assert "has not been analysed yet" in html
    assert '<input type="hidden" name="hashtag" value="brandnew">' in html
    assert "Analyse #brandnew now" in html


def test_tag_page_hands_the_tracker_partial_its_hashtag(client, app, tmp_path):
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader([
        DictLoader({"trackers/_for_tag.html": "<p id=probe>{{ hashtag }}|{{ hashtag_key }}</p>"}),
        app.jinja_env.loader,
    ])
    html = client.get("/tags/MachineLearning").get_data(as_text=True)
    assert "<p id=probe>MachineLearning|machinelearning</p>" in html


@pytest.mark.parametrize("tag", ["bad-tag", "two%20words", "a" * 101, "%3Cscript%3E"])
def test_bad_hashtag_is_a_friendly_422_page(client, tag):
    response = client.get(f"/tags/{tag}")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "only letters" in response.get_data(as_text=True) or "at most 100" in (
        response.get_data(as_text=True))


def test_missing_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html and "There is nothing at this address." in html
    assert 'href="/"' in html


def test_unexpected_error_is_a_friendly_500_without_details(app, client, monkeypatch):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", view_func=explode)
    monkeypatch.setitem(POLICY, "explode", "read")  # unlisted endpoints are refused (403)
    response = client.get("/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html
