"""History: every analysis newest first, searchable by hashtag, filterable by status."""

from __future__ import annotations

import re

import pytest

from tests.pages.factories import add_tweets, make_job


def listed_tags(html: str) -> list[str]:
    return re.findall(r'<span class="job-row__tag">#([^<]+)</span>', html)


def test_history_lists_every_job_newest_first(client, ctx):
    for minutes, tag in enumerate(["alpha", "beta", "gamma"]):
        make_job(tag, minutes=minutes)
    response = client.get("/jobs")
    assert response.status_code == 200
    assert listed_tags(response.get_data(as_text=True)) == ["gamma", "beta", "alpha"]


def test_history_searches_by_hashtag_in_any_case_and_with_a_hash(client, ctx):
    make_job("Alpha", minutes=0)
    make_job("beta", minutes=1)
    make_job("ALPHA", minutes=2)
    html = client.get("/jobs?hashtag=%23alpha").get_data(as_text=True)
    assert listed_tags(html) == ["ALPHA", "Alpha"]
    assert "2 results" in html
    assert 'href="/tags/alpha"' in html


def test_history_filters_by_status(client, ctx):
    make_job("done1")
    make_job("broken", status="failed", error="boom")
    html = client.get("/jobs?status=failed").get_data(as_text=True)
    assert listed_tags(html) == ["broken"]
    assert '<option selected value="failed">' in html


def test_history_paginates_twenty_a_page(client, ctx):
    for n in range(23):
        make_job(f"tag{n}", minutes=n)
    first = client.get("/jobs").get_data(as_text=True)
    assert len(listed_tags(first)) == 20
    assert "Page 1 of 2" in first
    second = client.get("/jobs?page=2").get_data(as_text=True)
    assert listed_tags(second) == ["tag2", "tag1", "tag0"]


def test_history_rows_show_a_css_free_distribution_bar(client, ctx):
    job = make_job("Python")
    add_tweets(job, [("positive", 0.9, "a"), ("positive", 0.9, "b"), ("neutral", 0.5, "c"),
                     ("negative", 0.1, "d")])
    html = client.get("/jobs").get_data(as_text=True)
    assert 'aria-label="50% positive, 25% neutral, 25% negative"' in html
    assert '<rect class="seg seg--positive" x="0.00" y="0"\n            width="50.00"' in html
    assert 'class="seg seg--negative" x="75.00"' in html
    assert "style=" not in html


def test_history_with_nothing_matching_says_so(client):
    assert "No analyses match" in client.get("/jobs?hashtag=nothing").get_data(as_text=True)


def test_history_page_past_the_end_offers_the_first(client, ctx):
    make_job("one")
    html = client.get("/jobs?page=9").get_data(as_text=True)
    assert "There is no page 9" in html


@pytest.mark.parametrize(("query", "words"), [
    ("hashtag=two%20words", "only letters, digits and underscores"),
    ("status=finished", "Not a valid choice"),
])
def test_bad_search_is_explained_inline(client, query, words):
    response = client.get(f"/jobs?{query}")
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert 'class="field__error"' in response.get_data(as_text=True)


def test_history_rows_never_round_a_post_away(client, ctx):
    job = make_job("Python")
    add_tweets(job, [("positive", 0.9, f"p{n}") for n in range(199)] + [("negative", 0.1, "n")])
    html = client.get("/jobs").get_data(as_text=True)
    shares = re.findall(r'<span class="share share--\w+">([^<]+)</span>', html)
    assert shares == ["&gt;99% pos", "0% neu", "&lt;1% neg"]
    assert 'aria-label="&gt;99% positive, 0% neutral, &lt;1% negative"' in html
