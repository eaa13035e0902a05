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
    # Past the last page there is no run to read the spelling from: it is read on its own.
    past = client.get("/tags/PYTHON?page=3").get_data(as_text=True)
    assert '<h1 class="page-title">#Python</h1>' in past


def test_tag_page_says_when_runs_were_scored_by_different_models(client, ctx):
    make_job("python", minutes=0, model_version="conv1d-old")
    html = client.get("/tags/python").get_data(as_text=True)
    assert "data-model-note" not in html  # one model: nothing to say
    make_job("python", minutes=5, model_version="ensemble-new")
    html = client.get("/tags/python").get_data(as_text=True)
    assert "scored by 2 model versions" in html
    assert "conv1d-old, ensemble-new" in html


def test_tag_page_points_the_chart_at_the_trend_api(client):
    html = client.get("/tags/python").get_data(as_text=True)
    url = re.search(r'data-trend-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert url.startswith("/api/tags/python/trend?")
    assert "bucket=" in url and "from=" in url and "to=" in url
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


@pytest.fixture
def story(ctx):
    """#Python over two days of posts (factories space posts a minute apart from 1 March)."""
    job = make_job("Python")
    add_tweets(job, [("positive", 0.95, "wonderful release, love it"),
                     ("positive", 0.9, "love the new release"),
                     ("negative", 0.05, "crash crash bug again"),
                     ("negative", 0.1, "another crash and bug"),
                     ("neutral", 0.5, "python release notes")] * 3)
    return job


def test_dashboard_shows_tiles_top_posts_and_distinctive_terms(client, story):
    html = client.get("/tags/python?range=all").get_data(as_text=True)
    assert re.search(r'data-tile="posts">15<', html)
    assert re.search(r'data-tile="positive">40%<', html)
    assert re.search(r'data-tile="negative">40%<', html)
    assert "wonderful release, love it" in html.split('id="top-posts-title"')[1]
    terms = html.split('id="terms-title"')[1]
    negative = re.search(r'class="terms terms--negative">(.*?)</ul>', terms, re.S).group(1)
    assert "crash" in negative and "python" not in negative
    assert "release" not in negative


def test_kept_top_posts_and_words_follow_new_posts(client, story):
    """The section is rendered once per version of the range's posts: a new post shows at once."""
    def section(url):
        html = client.get(url).get_data(as_text=True)
        return html.split('id="top-posts-title"')[1].split('id="runs-title"')[0]

    before = section("/tags/python?range=all")
    assert section("/tags/python?range=all") == before  # kept, and the same
    add_tweets(story, [("positive", 0.99, "glorious sunshine sunshine sunshine")] * 3)
    after = section("/tags/python?range=all")
    assert "glorious sunshine" in after and "glorious sunshine" not in before
    # Another range of the same tag, or another tag, is its own entry.
    assert "No positive post in this range" in section(
        "/tags/python?range=custom&from=2026-02-01&to=2026-02-01")
    assert "No positive post in this range" in section("/tags/ruby?range=all")


def test_dashboard_defaults_to_all_time_when_the_last_30_days_are_empty(client, story):
    html = client.get("/tags/python").get_data(as_text=True)
    assert re.search(r'aria-current="true">All<', html)


def test_range_picker_offers_presets_and_a_custom_range(client, story):
    html = client.get("/tags/python?range=custom&from=2026-03-01&to=2026-03-01&bucket=hour"
                      ).get_data(as_text=True)
    assert 'value="2026-03-01" required' in html
    assert re.search(r'<option value="hour" selected>', html)
    for name in ("24 h", "7 days", "30 days", "All"):
        assert f">{name}</a>" in html


def test_tiles_compare_with_the_previous_period(client, story):
    html = client.get("/tags/python?range=custom&from=2026-03-01&to=2026-03-01"
                      ).get_data(as_text=True)
    assert "no earlier period to compare" in html


def test_bad_range_is_a_422_page(client):
    assert client.get("/tags/python?range=week").status_code == 422


def test_compare_page_shows_tiles_side_by_side_and_one_chart(client, story):
    html = client.get("/compare?tags=python,rust&range=all").get_data(as_text=True)
    assert "#Python" in html and "#rust" in html
    assert html.count('class="mini-tiles"') == 2
    url = re.search(r'data-compare-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert url.startswith("/api/compare?tags=Python,rust&")


def test_compare_page_explains_bad_tags(client):
    response = client.get("/compare?tags=a,b,c,d,e")
    assert response.status_code == 422
    assert "at most 4" in response.get_data(as_text=True)


def test_hashtag_and_history_pages_link_to_compare(client, story):
    assert 'href="/compare?tags=Python"' in client.get("/tags/python").get_data(as_text=True)
    assert "/compare?tags=" in client.get("/jobs?hashtag=python").get_data(as_text=True)


def test_model_versions_are_listed_once_each_oldest_first_on_both_databases(database_app):
    from webapp.trends import model_versions

    with database_app.app_context():
        # Versions in an order their names do not have; running and failed runs do not count.
        for minutes, version, status in [(0, "zeta-1", "done"), (1, "alpha-2", "done"),
                                         (2, "zeta-1", "done"), (3, "mid-3", "failed"),
                                         (4, "beta-4", "running"), (5, "mid-3", "done")]:
            make_job("Versions", minutes=minutes, model_version=version, status=status)
        make_job("Other", minutes=6, model_version="other-9")
        assert model_versions("VERSIONS") == ["zeta-1", "alpha-2", "mid-3"]
        assert model_versions("nothing") == []
