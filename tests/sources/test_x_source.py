"""The `x` source: X API v2 recent search, replayed from recorded responses."""

import logging
import traceback
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses

from worker.sources import (
    FetchedTweet,
    SourceAuthError,
    SourceError,
    SourceRateLimited,
    SourceUnavailable,
    get_source,
)
from worker.sources.x import NO_CREDENTIALS_MESSAGE, search_query

SEARCH_URL = "https://api.twitter.com/2/tweets/search/recent"
NEWEST_ON_FIRST_PAGE = "2125159659336634369"


def query_of(cassette, index: int = 0) -> dict[str, str]:
    return dict(cassette.requests[index].query)


def test_asks_for_original_english_tweets_carrying_the_hashtag(x_source, x_replay):
    with x_replay("x_two_pages.yaml") as cassette:
        x_source.fetch_page("python", page_size=10)

    assert query_of(cassette) == {
        "query": "#python -is:retweet lang:en",
        "max_results": "10",
        "expansions": "author_id",
        "user.fields": "username",
        "tweet.fields": "created_at,lang",
    }


def test_returns_tweets_newest_first_with_username_and_link(x_source, x_replay):
    with x_replay("x_two_pages.yaml"):
        page = x_source.fetch_page("python", page_size=10)

    assert page.tweets[0] == FetchedTweet(
        source_id=NEWEST_ON_FIRST_PAGE,
        username="mira_codes",
        text="Just shipped a tiny CLI with Typer and it already feels nicer than argparse "
        "#Python #DevTools",
        created_at=datetime(2026, 11, 24, 9, 28, 41, tzinfo=UTC),
        url=f"https://x.com/mira_codes/status/{NEWEST_ON_FIRST_PAGE}",
        lang="en",
    )
    assert [tweet.username for tweet in page.tweets] == ["mira_codes", "sam_builds", "mira_codes"]
    ids = [int(tweet.source_id) for tweet in page.tweets]
    assert ids == sorted(ids, reverse=True)


def test_keeps_text_exactly_as_x_sends_it(x_source, x_replay):
    with x_replay("x_two_pages.yaml"):
        page = x_source.fetch_page("python", page_size=10)

    assert page.tweets[1].text == "Tests &amp; types before refactors. Every time. #python"


def test_follows_next_token_to_the_older_second_page(x_source, x_replay):
    with x_replay("x_two_pages.yaml") as cassette:
        first = x_source.fetch_page("python", page_size=10)
        second = x_source.fetch_page("python", page_size=10, page_token=first.next_token)

    assert cassette.all_played
    assert query_of(cassette, 1)["next_token"] == first.next_token
    assert second.next_token is None
    assert int(second.tweets[0].source_id) < int(first.tweets[-1].source_id)


def test_links_a_tweet_whose_author_x_left_out_by_its_id(x_source, x_replay):
    with x_replay("x_two_pages.yaml"):
        first = x_source.fetch_page("python", page_size=10)
        second = x_source.fetch_page("python", page_size=10, page_token=first.next_token)

    orphan = second.tweets[-1]
    assert orphan.username == "id:99887766"
    assert orphan.url == f"https://x.com/i/web/status/{orphan.source_id}"


def test_since_id_is_passed_to_x_and_only_newer_tweets_return(x_source, x_replay):
    with x_replay("x_since_id.yaml") as cassette:
        page = x_source.fetch_page("python", page_size=10, since_id=NEWEST_ON_FIRST_PAGE)

    assert query_of(cassette)["since_id"] == NEWEST_ON_FIRST_PAGE
    assert [tweet.username for tweet in page.tweets] == ["lin_ops"]
    assert all(int(tweet.source_id) > int(NEWEST_ON_FIRST_PAGE) for tweet in page.tweets)


def test_empty_result_is_a_last_page_without_tweets(x_source, x_replay):
    with x_replay("x_empty.yaml"):
        page = x_source.fetch_page("python", page_size=10, since_id="2125162838619086854")

    assert page.tweets == []
    assert page.next_token is None


def test_searches_again_without_since_id_when_x_says_it_is_too_old(x_source, x_replay):
    # X only takes a since_id from its seven-day window; every tweet it can return is newer.
    with x_replay("x_since_id_too_old.yaml") as cassette:
        page = x_source.fetch_page("python", page_size=10, since_id="2121902325101522951")

    assert cassette.all_played
    assert "since_id" not in query_of(cassette, 1)
    assert len(page.tweets) == 3


@pytest.mark.parametrize(
    ("page_size", "max_results"), [(1, "10"), (10, "10"), (55, "55"), (100, "100"), (500, "100")]
)
def test_page_size_is_clamped_to_what_x_accepts(x_source, page_size, max_results):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH_URL, json={"meta": {"result_count": 0}})
        x_source.fetch_page("python", page_size=page_size)
        sent = parse_qs(mock.calls[0].request.url.partition("?")[2])

    assert sent["max_results"] == [max_results]


def test_rate_limit_reports_reset_time(x_source, x_replay):
    with x_replay("x_rate_limited.yaml"), pytest.raises(SourceRateLimited) as caught:
        x_source.fetch_page("python", page_size=10)

    assert caught.value.reset_at == datetime.fromtimestamp(1795514174, UTC)
    assert "rate limit" in str(caught.value)


def test_rate_limit_without_reset_header_retries_a_minute_later(x_source, x_replay, recorded_at):
    with x_replay("x_usage_capped.yaml"), pytest.raises(SourceRateLimited) as caught:
        x_source.fetch_page("python", page_size=10)

    assert caught.value.reset_at == recorded_at + timedelta(seconds=60)


def test_rate_limit_is_raised_not_slept_through(x_source, x_replay, monkeypatch):
    def no_sleeping(seconds):
        raise AssertionError(f"slept {seconds} s inside the task")

    monkeypatch.setattr("time.sleep", no_sleeping)
    with x_replay("x_rate_limited.yaml"), pytest.raises(SourceRateLimited):
        x_source.fetch_page("python", page_size=10)


@pytest.mark.parametrize(
    ("cassette", "error", "reason"),
    [
        ("x_unauthorized.yaml", SourceAuthError, "401 Unauthorized"),
        ("x_forbidden.yaml", SourceAuthError, "403 Forbidden"),
        ("x_service_unavailable.yaml", SourceUnavailable, "503 Service Unavailable"),
        ("x_bad_request.yaml", SourceError, "Rules must contain a non-negation term"),
    ],
)
def test_http_failures_raise_the_matching_source_error(x_source, x_replay, cassette, error, reason):
    with x_replay(cassette), pytest.raises(error) as caught:
        x_source.fetch_page("python", page_size=10)

    assert reason in str(caught.value)


def test_rejected_token_message_tells_which_setting_to_check(x_source, x_replay):
    with x_replay("x_unauthorized.yaml"), pytest.raises(SourceAuthError) as caught:
        x_source.fetch_page("python", page_size=10)

    assert "X_BEARER_TOKEN" in str(caught.value)


@pytest.mark.parametrize("settings", [{}, {"X_BEARER_TOKEN": ""}, {"X_BEARER_TOKEN": "  "}])
def test_missing_token_is_an_auth_error_naming_the_setting(settings):
    source = get_source("x", settings=settings)

    with pytest.raises(SourceAuthError) as caught:
        source.fetch_page("python", page_size=10)

    assert str(caught.value) == NO_CREDENTIALS_MESSAGE
    assert "X_BEARER_TOKEN" in NO_CREDENTIALS_MESSAGE


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("Read timed out. (read timeout=15.0)"),
        requests.exceptions.ConnectTimeout("Connection to api.twitter.com timed out"),
        requests.exceptions.ConnectionError("Failed to establish a new connection"),
        requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"),
    ],
    ids=lambda failure: type(failure).__name__,
)
def test_timeouts_and_connection_errors_are_transient(x_source, failure):
    with responses.RequestsMock() as mock, pytest.raises(SourceUnavailable):
        mock.get(SEARCH_URL, body=failure)
        x_source.fetch_page("python", page_size=10)


@pytest.mark.parametrize(("settings", "timeout"), [({}, 15.0), ({"X_TIMEOUT_SECONDS": "4"}, 4.0)])
def test_every_request_carries_a_timeout(fake_token, settings, timeout):
    source = get_source("x", settings={"X_BEARER_TOKEN": fake_token, **settings})

    with responses.RequestsMock() as mock:
        mock.get(SEARCH_URL, json={"meta": {"result_count": 0}})
        source.fetch_page("python", page_size=10)
        sent_timeout = mock.calls[0].request.req_kwargs["timeout"]

    assert sent_timeout == timeout


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan"])
def test_rejects_unusable_timeout_setting(fake_token, value):
    with pytest.raises(SourceError, match="X_TIMEOUT_SECONDS"):
        get_source("x", settings={"X_BEARER_TOKEN": fake_token, "X_TIMEOUT_SECONDS": value})


def _fail_with_cassette(name):
    def run(source, x_replay):
        with x_replay(name):
            source.fetch_page("python", page_size=10)

    return run


def _fail_with_timeout(source, x_replay):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH_URL, body=requests.exceptions.ReadTimeout("Read timed out."))
        source.fetch_page("python", page_size=10)


@pytest.mark.parametrize(
    "fail",
    [
        _fail_with_cassette("x_rate_limited.yaml"),
        _fail_with_cassette("x_unauthorized.yaml"),
        _fail_with_cassette("x_forbidden.yaml"),
        _fail_with_cassette("x_service_unavailable.yaml"),
        _fail_with_cassette("x_bad_request.yaml"),
        _fail_with_timeout,
    ],
    ids=["429", "401", "403", "503", "400", "timeout"],
)
def test_bearer_token_never_appears_in_errors_or_logs(x_source, x_replay, fake_token, caplog, fail):
    caplog.set_level(logging.DEBUG)

    with pytest.raises(Exception) as caught:  # noqa: B017 - every kind of failure is checked
        fail(x_source, x_replay)

    error = caught.value
    for text in (str(error), repr(error), "".join(traceback.format_exception(error))):
        assert fake_token not in text
    assert fake_token not in caplog.text
    assert "Bearer [redacted]" in caplog.text  # Tweepy did log the headers, with the token hidden


def test_bearer_token_is_hidden_from_debug_logs_of_successful_searches(
    x_source, x_replay, fake_token, caplog
):
    caplog.set_level(logging.DEBUG)

    with x_replay("x_two_pages.yaml"):
        x_source.fetch_page("python", page_size=10)

    assert fake_token not in caplog.text
    assert "Bearer [redacted]" in caplog.text


def test_source_repr_does_not_show_the_token(x_source, fake_token):
    assert fake_token not in repr(x_source)


def test_cassettes_hold_no_credentials(cassettes_dir, fake_token):
    cassettes = sorted(cassettes_dir.glob("*.yaml"))

    assert cassettes
    for cassette in cassettes:
        text = cassette.read_text(encoding="utf-8")
        assert "authorization" not in text.lower(), cassette.name
        assert "bearer" not in text.lower(), cassette.name
        assert fake_token not in text, cassette.name


@pytest.mark.parametrize(("lang", "operator"), [
    ("en", "lang:en"), ("he", "lang:iw"), ("id", "lang:in"), ("tl", "lang:tl"),
    ("zh", "(lang:zh-CN OR lang:zh-TW)"),
])
def test_asks_x_for_a_language_by_the_code_x_uses(x_source, lang, operator):
    """Jobs hold "he" for Hebrew; X's lang: operator knows it as "iw" and finds nothing for
    "he" (X's search documentation lists its codes)."""
    with responses.RequestsMock() as mock:
        mock.get(SEARCH_URL, json={"meta": {"result_count": 0}})
        x_source.fetch_page("python", page_size=10, lang=lang)
        sent = parse_qs(mock.calls[0].request.url.partition("?")[2])

    assert sent["query"] == [f"#python -is:retweet {operator}"]


@pytest.mark.parametrize("stated", ["en", "iw", "in", "tl", "zh-CN", "zh-TW", "no", "ckb"])
def test_a_job_for_the_language_x_states_on_a_post_asks_x_for_that_code(stated):
    """Round trip: the job a person makes for a post's language (its canonical code) asks X for
    the code X wrote on the post."""
    from core.languages import primary_language

    assert f"lang:{stated}" in search_query("python", primary_language(stated))
