"""The `bluesky` source: the real `atproto` SDK against a Bluesky-shaped XRPC server on loopback.

The answers are composed from the AT Protocol / Bluesky API docs (createSession, searchPosts,
PostView), not recorded: tests have no internet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.fake_bluesky import FakeBluesky, Fault, make_post
from worker.sources import (
    SourceAuthError,
    SourceError,
    SourceRateLimited,
    SourceUnavailable,
    get_source,
)
from worker.sources.bluesky import forget_sessions

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def server():
    forget_sessions()
    with FakeBluesky() as running:
        yield running
    forget_sessions()


def source_for(server: FakeBluesky, password: str | None = None, **settings):
    return get_source("bluesky", settings={
        "BLUESKY_HANDLE": server.handle, "BLUESKY_APP_PASSWORD": password or server.password,
        "BLUESKY_SERVICE_URL": server.url, "BLUESKY_TIMEOUT_SECONDS": "1", **settings})


def test_reads_text_author_link_time_and_language(server):
    server.add(make_post(1, "Loving the #python meetup tonight", when=T0, langs=["en"],
                         handle="carol.bsky.social"))
    (post,) = source_for(server).fetch_page("python", page_size=25).tweets
    assert post.text == "Loving the #python meetup tonight"
    assert post.username == "carol.bsky.social"
    assert post.url == "https://bsky.app/profile/carol.bsky.social/post/3kpost0000001"
    assert (post.created_at, post.lang) == (T0, "en")
    assert server.searches[0] == {"q": "#python", "sort": "latest", "limit": "25"}


def test_pages_with_the_cursor_newest_first(server):
    server.add(*[make_post(n, f"#python post {n}", when=T0 + timedelta(minutes=n))
                 for n in range(30)])
    source = source_for(server)
    first = source.fetch_page("python", page_size=25)
    second = source.fetch_page("python", page_size=25, page_token=first.next_token)
    assert [p.text for p in first.tweets][:2] == ["#python post 29", "#python post 28"]
    assert len(first.tweets) == 25 and len(second.tweets) == 5
    assert second.next_token is None
    assert server.searches[1]["cursor"] == first.next_token


def test_signs_in_once_and_reuses_the_session_across_pages_and_jobs(server):
    server.add(make_post(1, "#python", when=T0))
    source_for(server).fetch_page("python", page_size=25)
    source_for(server).fetch_page("python", page_size=25)  # another job, same process
    assert server.logins == 1


def test_incremental_runs_ask_only_for_newer_posts(server):
    server.add(make_post(1, "#python old", when=T0))
    seen = source_for(server).fetch_page("python", page_size=25).tweets[0]
    server.add(make_post(2, "#python new", when=T0 + timedelta(minutes=5)))
    newer = source_for(server).fetch_page("python", page_size=25, since_id=seen.source_id)
    assert [p.text for p in newer.tweets] == ["#python new"]
    assert server.searches[-1]["since"] == "2026-11-27T09:00:00Z"


def test_the_job_language_is_passed_to_the_search(server):
    server.add(make_post(1, "#python hola", when=T0, langs=["es"]),
               make_post(2, "#python hello", when=T0, langs=["en"]))
    posts = source_for(server).fetch_page("python", page_size=25, lang="en").tweets
    assert [p.text for p in posts] == ["#python hello"]
    assert server.searches[0]["lang"] == "en"


def test_a_wrong_app_password_is_a_permanent_auth_error_never_showing_it(server):
    with pytest.raises(SourceAuthError, match="BLUESKY_APP_PASSWORD") as caught:
        source_for(server, password="wrong-pass-word").fetch_page("python", page_size=25)
    assert "wrong-pass-word" not in str(caught.value)


def test_missing_credentials_name_the_settings():
    source = get_source("bluesky", settings={})
    with pytest.raises(SourceAuthError, match="BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"):
        source.fetch_page("python", page_size=25)


def test_429_is_rate_limited_until_the_reset(server):
    reset = int((T0 + timedelta(minutes=5)).timestamp())
    server.faults.append(Fault(429, {"error": "RateLimitExceeded", "message": "Rate Limit"},
                               {"ratelimit-limit": "3000", "ratelimit-remaining": "0",
                                "ratelimit-reset": str(reset)}))
    with pytest.raises(SourceRateLimited) as caught:
        source_for(server).fetch_page("python", page_size=25)
    assert caught.value.reset_at == T0 + timedelta(minutes=5)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(server, status):
    server.faults.append(Fault(status))
    with pytest.raises(SourceUnavailable):
        source_for(server).fetch_page("python", page_size=25)


def test_a_search_that_does_not_answer_in_time_is_transient(server):
    server.faults.append(Fault(200, {"posts": []}, delay=2))
    with pytest.raises(SourceUnavailable, match="did not answer within 1 s"):
        source_for(server).fetch_page("python", page_size=25)


def test_a_bad_request_is_permanent(server):
    server.faults.append(Fault(400, {"error": "InvalidRequest", "message": "bad query"}))
    with pytest.raises(SourceError):
        source_for(server).fetch_page("python", page_size=25)


def test_an_expired_session_signs_in_again_once(server):
    server.add(make_post(1, "#python", when=T0))
    source_for(server).fetch_page("python", page_size=25)
    server.faults.append(Fault(401, {"error": "ExpiredToken", "message": "Token has expired"}))
    assert len(source_for(server).fetch_page("python", page_size=25).tweets) == 1
    assert server.logins == 2
