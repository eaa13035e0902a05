"""Runs that found nothing new are not results: out of "Latest analyses", folded in lists,
explained on their own page; and the menu marks where a page belongs."""

from __future__ import annotations

import re

from tests.pages.factories import add_tweets, make_job


def tracked_empty(minutes: int, hashtag: str = "python"):
    return make_job(hashtag, minutes=minutes, since_id="1000")


def test_latest_analyses_leave_out_runs_with_nothing_new(client, ctx):
    result = make_job("python", minutes=0)
    add_tweets(result, [("positive", 0.9, "nice")])
    for minutes in (10, 20, 30):
        tracked_empty(minutes)
    html = client.get("/").get_data(as_text=True)
    latest = html.split('id="latest-list"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'href="/jobs/(\d+)"', latest) == [str(result.id)]
    assert "no tweets found" not in latest


def test_lists_fold_consecutive_empty_runs_of_a_hashtag_into_one_line(client, ctx):
    result = make_job("python", minutes=0)
    add_tweets(result, [("positive", 0.9, "nice")])
    tracked_empty(10)
    tracked_empty(20)
    tracked_empty(25, "rust")
    tracked_empty(30)
    html = client.get("/jobs").get_data(as_text=True)
    assert html.count("with nothing new") == 3
    assert "2 runs with nothing new" in html
    assert "1 run with nothing new" in html
    tag_page = client.get("/tags/python").get_data(as_text=True)
    runs = tag_page.split('id="runs-title"', 1)[1]
    assert "3 runs with nothing new" in runs


def test_menu_has_trackers_and_marks_the_section_of_sub_pages(client, ctx):
    job = make_job("python")
    checks = {
        "/trackers": 'aria-current="page">Trackers<',
        f"/jobs/{job.id}": 'aria-current="true">History<',
        "/tags/python": 'aria-current="true">History<',
        "/compare?tags=python": 'aria-current="true">History<',
        "/jobs": 'aria-current="page">History<',
    }
    for url, marker in checks.items():
        html = client.get(url).get_data(as_text=True)
        nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
        assert marker in nav, url
        assert nav.count("aria-current=") == 1, url


def test_csv_export_names_its_charset_once(client, ctx):
    job = make_job("python")
    add_tweets(job, [("positive", 0.9, "nice")])
    response = client.get(f"/jobs/{job.id}/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_lists_that_go_stale_refresh_quietly(client, ctx):
    for url in ("/", "/jobs", "/trackers"):
        html = client.get(url).get_data(as_text=True)
        assert 'src="/static/js/refresh.js"' in html, url
        assert "data-refresh" in html, url
