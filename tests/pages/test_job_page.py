"""A job's page: live while it runs, results when done, the reason and a re-run when failed."""

from __future__ import annotations

import re

import pytest

from core.db import db
from core.models import Job
from tests.pages.conftest import csrf_token
from tests.pages.factories import add_tweets, make_job

MIXED = [
    ("positive", 0.91, "What a lovely launch, great work everyone #Python"),
    ("positive", 0.80, "Great docs and a lovely community"),
    ("neutral", 0.50, "Release notes are out"),
    ("negative", 0.10, "Packaging broke again, awful afternoon"),
]


def tweet_texts(html: str) -> list[str]:
    return re.findall(r'<p class="tweet__text">(.*?)</p>', html, re.S)


def test_unknown_job_is_a_friendly_404_page(client):
    response = client.get("/jobs/987654")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in html
    assert "no analysis number 987654" in html


def test_queued_job_shows_an_indeterminate_progress_bar_and_polls(client, ctx):
    job = make_job("Python", status="queued")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert re.search(r'<progress id="job-progress" class="progress" max="100" aria-', html)
    assert "Waiting for a worker" in html
    assert f'data-api-url="/api/jobs/{job.id}"' in html
    assert f'data-tweets-url="/api/jobs/{job.id}/tweets"' in html
    assert 'aria-live="polite"' in html
    # Without JavaScript the page refreshes itself instead.
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert "Tweets appear here as they are scored." in html


def test_a_job_waiting_for_the_task_queue_says_so(client, ctx):
    # Before: a job whose message never reached the broker sat "queued" with no word of why.
    from core.lifecycle import UNPUBLISHED_NOTE

    job = make_job("Python", status="queued", error=UNPUBLISHED_NOTE, published_at=None)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"Queued: {UNPUBLISHED_NOTE}" in html


def test_running_job_shows_progress_and_tweets_so_far(client, ctx):
    job = make_job("Python", status="running", limit=200)
    add_tweets(job, MIXED[:2])
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'max="200" value="2"' in html
    assert "2 of up to 200 tweets scored" in html
    assert len(tweet_texts(html)) == 2
    assert "data-live" in html
    assert "Export CSV" not in html  # exports appear once the job is done


def test_done_job_shows_counts_percentages_mean_and_tweets(client, ctx):
    job = make_job("Python")
    add_tweets(job, MIXED)
    response = client.get(f"/jobs/{job.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<progress" not in html and "noscript" not in html
    for attribute in ('data-positive="2"', 'data-neutral="1"', 'data-negative="1"'):
        assert attribute in html
    assert '<span class="legend__percent" data-percent-for="positive">50.0%</span>' in html
    assert '<span class="legend__percent" data-percent-for="negative">25.0%</span>' in html
    assert '<span class="mean-score__value" data-mean-score>0.58</span>' in html
    assert len(tweet_texts(html)) == 4
    assert '<span class="chip chip--negative">Negative</span>' in html
    assert f'href="/jobs/{job.id}/export.csv"' in html
    assert f'href="/jobs/{job.id}/export.json"' in html
    assert 'href="/tags/Python"' in html


def test_done_job_shows_top_terms_per_sentiment(client, ctx):
    job = make_job("Python")
    add_tweets(job, MIXED)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    positive = html.split("terms__group--positive", 1)[1].split("terms__group--neutral", 1)[0]
    words = re.findall(r'<span class="term">([^<]+)</span>', positive)
    assert words[:2] == ["great", "lovely"]
    assert "python" not in words
    negative = html.split("terms__group--negative", 1)[1].split("</section>", 1)[0]
    assert "awful" in negative


@pytest.mark.parametrize("posts", [3, 21])  # all on the page (counted from it), or more
def test_top_terms_are_the_same_from_the_page_or_from_every_post(client, ctx, posts):
    from webapp.pages.terms import top_terms

    job = make_job("Python")
    add_tweets(job, [("positive", 0.9, f"splendid sunny launch number {n}") if n % 3 else
                     ("negative", 0.1, f"dreadful broken build number {n}") for n in range(posts)])
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    shown = re.findall(r'<span class="term">([^<]+)</span>', html)
    expected = top_terms(job.id, job.hashtag_key)
    assert shown == [word for label in ("positive", "neutral", "negative")
                     for word, _count in expected[label]]
    assert "splendid" in shown and "dreadful" in shown


def test_done_job_without_tweets_says_nothing_was_found(client, ctx):
    job = make_job("nothinghere")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "No tweets with #nothinghere were found" in html
    assert 'id="donut"' not in html


def test_tweets_can_be_filtered_by_label(client, ctx):
    job = make_job("Python")
    add_tweets(job, MIXED)
    html = client.get(f"/jobs/{job.id}?label=positive").get_data(as_text=True)
    assert len(tweet_texts(html)) == 2
    assert "Packaging broke" not in html
    assert 'class="tab tab--positive is-active"' in html


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [
        ("positive", "What a lovely launch", "Packaging broke"),
        ("negative", "Packaging broke", "What a lovely launch"),
        ("newest", "Packaging broke", "What a lovely launch"),
    ],
)
def test_tweets_can_be_sorted(client, ctx, sort, first, last):
    job = make_job("Python")
    add_tweets(job, MIXED)
    texts = tweet_texts(client.get(f"/jobs/{job.id}?sort={sort}").get_data(as_text=True))
    assert texts[0].startswith(first)
    assert texts[-1].startswith(last)


def test_tweets_are_paginated_twenty_a_page(client, ctx):
    job = make_job("Python")
    add_tweets(job, [("neutral", 0.5, f"tweet number {n}") for n in range(25)])
    first = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert len(tweet_texts(first)) == 20
    assert "Page 1 of 2" in first
    assert f'href="/jobs/{job.id}?page=2#tweets"' in first
    second = client.get(f"/jobs/{job.id}?page=2").get_data(as_text=True)
    assert len(tweet_texts(second)) == 5


@pytest.mark.parametrize("page, shown", [(1, 20), (2, 5), (3, 0), (1, None)])
def test_the_total_is_the_same_whether_counted_or_read_off_the_last_page(ctx, page, shown):
    from webapp.jobs import job_tweets

    job = make_job("Python")
    texts = [("neutral", 0.5, f"tweet number {n}") for n in range(25 if shown is not None else 7)]
    add_tweets(job, texts)
    result = job_tweets(job.id, page=page, per_page=20)
    assert len(result.tweets) == (shown if shown is not None else 7)
    assert result.total == len(texts)
    assert result.pages == (2 if len(texts) == 25 else 1)


def test_filter_links_keep_the_sort_and_reset_the_page(client, ctx):
    job = make_job("Python")
    add_tweets(job, MIXED)
    html = client.get(f"/jobs/{job.id}?sort=negative&page=1").get_data(as_text=True)
    assert f'href="/jobs/{job.id}?sort=negative&amp;label=positive#tweets"' in html


@pytest.mark.parametrize("query", ["label=happy", "sort=random", "page=0", "page=x"])
def test_bad_tweet_list_arguments_are_a_422_page(client, ctx, query):
    job = make_job("Python")
    response = client.get(f"/jobs/{job.id}?{query}")
    assert response.status_code == 422
    assert "That doesn" in response.get_data(as_text=True)


def test_tweet_text_and_usernames_are_escaped(client, ctx):
    job = make_job("Python")
    add_tweets(job, [("negative", 0.1, "<script>alert('x')</script> & <b>bold</b>")],
               username="<img src=x onerror=alert(1)>")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<img src=x" not in html


def test_failed_job_shows_its_reason_and_a_rerun_button(client, ctx):
    job = make_job("climate", status="failed", source="x",
                   error="The tweet source is unavailable: X did not answer within 15 s.")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "This analysis failed" in html
    assert "The tweet source is unavailable: X did not answer within 15 s." in html
    assert f'action="/jobs/{job.id}/rerun"' in html
    assert "Run it again" in html
    assert "<progress" not in html


@pytest.mark.parametrize("error", [
    "The X source needs an API token (X_BEARER_TOKEN).",
    "X rejected the bearer token (401 Unauthorized): check that X_BEARER_TOKEN is current.",
    "No tweets found for #climate in the 'sample' source.",
])
def test_failure_that_would_repeat_explains_instead_of_offering_a_rerun(client, ctx, error):
    job = make_job("climate", status="failed", source="x", error=error)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert error.replace("'", "&#39;") in html
    assert "Run it again" not in html
    assert "would fail the same way" in html


def test_queued_job_says_queued_not_started(client, ctx):
    job = make_job("climate", status="queued")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Queued <time" in html and "Started" not in html


def test_tracked_run_with_nothing_new_says_since_when(client, ctx):
    earlier = make_job("climate")
    add_tweets(earlier, [("positive", 0.9, "sunny")])
    empty = make_job("climate", minutes=60, tracker_id=None, since_id="1001")
    html = client.get(f"/jobs/{empty.id}").get_data(as_text=True)
    assert "Incremental run, nothing new since" in html
    assert "It adds nothing to the trend" in html


def test_rerun_creates_a_new_job_with_the_same_request(client, app, ctx):
    app.config["X_BEARER_TOKEN"] = "token-for-this-test"
    old = make_job("Climate", status="failed", source="x", limit=42, error="boom")
    response = client.post(f"/jobs/{old.id}/rerun")
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalars(db.select(Job).where(Job.id != old.id)).one()
        assert (new.hashtag, new.tweet_limit, new.source, new.status) == (
            "Climate", 42, "x", "queued")
    assert response.headers["Location"] == f"/jobs/{new.id}"


def test_rerun_on_a_source_no_longer_configured_says_which_setting_to_set(client, app, ctx):
    old = make_job("Climate", status="failed", source="x", limit=42, error="boom")
    response = client.post(f"/jobs/{old.id}/rerun")
    assert response.status_code == 422
    assert "X_BEARER_TOKEN" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 1


def test_rerun_of_unknown_job_is_404(client):
    assert client.post("/jobs/5555/rerun").status_code == 404


def test_rerun_needs_the_csrf_token(csrf_client, csrf_app):
    with csrf_app.app_context():
        job_id = make_job("climate", status="failed",
                          error="An internal error stopped this job.").id
    missing = csrf_client.post(f"/jobs/{job_id}/rerun")
    assert missing.status_code == 400
    assert "security token" in missing.get_data(as_text=True)
    token = csrf_token(csrf_client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert csrf_client.post(f"/jobs/{job_id}/rerun",
                            data={"csrf_token": token}).status_code == 303
