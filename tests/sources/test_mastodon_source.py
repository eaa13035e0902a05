"""The `mastodon` source against Mastodon-shaped servers on loopback.

The answers are composed from Mastodon's REST API documentation (Status entity fields, the
`Link` header, `X-RateLimit-*` headers), not recorded: tests have no internet. The real source
code runs over real HTTP (`tests/support/fake_mastodon.py`).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.fake_mastodon import FakeMastodon, Fault, make_status
from worker.sources import (
    SourceAuthError,
    SourceError,
    SourceRateLimited,
    SourceUnavailable,
    TweetSource,
    get_source,
)
from worker.sources.mastodon import parse_instances

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

HTML_POST = (
    '<p>So happy with the new release! <span class="h-card" translate="no"><a '
    'href="https://fosstodon.org/@bob" class="u-url mention">@<span>bob</span></a></span> '
    '&amp; team did it &lt;3</p><p>Notes:<br />fast<br>small</p><p>'
    '<a href="https://example.com/releases/2026/11/notes" target="_blank" '
    'rel="nofollow noopener"><span class="invisible">https://</span><span class="ellipsis">'
    'example.com/releases/2026/1</span><span class="invisible">1/notes</span></a> '
    '<a href="https://mastodon.social/tags/python" class="mention hashtag" rel="tag">'
    '#<span>Python</span></a> &#39;ok&#39; &quot;yes&quot;</p>'
)


@pytest.fixture
def server():
    with FakeMastodon() as running:
        yield running


def source_for(*servers: FakeMastodon, token: str | None = None, timeout: float = 5,
               clock=None) -> TweetSource:
    settings = {"MASTODON_INSTANCES": ",".join(s.url for s in servers),
                "MASTODON_TIMEOUT_SECONDS": str(timeout)}
    if token:
        settings["MASTODON_ACCESS_TOKEN"] = token
    return get_source("mastodon", settings=settings,
                      clock=clock or (lambda: datetime.now(UTC)))


def post(server: FakeMastodon, number: int, content: str = "<p>hello #python</p>",
         minutes: float = 0, **fields) -> dict:
    return make_status(host=server.host, number=number, content=content,
                       created_at=T0 + timedelta(minutes=minutes), **fields)


def test_turns_post_html_into_the_text_a_person_reads(server):
    server.add("python", post(server, 1, HTML_POST))
    (tweet,) = source_for(server).fetch_page("python", page_size=20).tweets
    assert tweet.text == (
        "So happy with the new release! @bob & team did it <3\n\n"
        "Notes:\nfast\nsmall\n\n"
        "https://example.com/releases/2026/11/notes #Python 'ok' \"yes\"")


def test_keeps_author_link_time_language_and_content_warning(server):
    server.add("python", post(server, 7, spoiler_text="politics", language="de",
                              username="carol", account_host="chaos.social"))
    (tweet,) = source_for(server).fetch_page("python", page_size=20).tweets
    assert tweet.username == "carol@chaos.social"
    assert tweet.url == "https://chaos.social/@carol/7"
    assert tweet.created_at == T0
    assert tweet.lang == "de"
    assert tweet.content_warning == "politics"


def test_a_local_author_is_named_with_the_server_it_came_through(server):
    server.add("python", post(server, 1, username="dave"))
    (tweet,) = source_for(server).fetch_page("python", page_size=20).tweets
    assert tweet.username == f"dave@{server.host}"


def test_skips_reblogs_as_x_skips_retweets(server):
    original = post(server, 1, "<p>original #python</p>")
    boost = post(server, 2, "", minutes=1, username="booster", reblog=original)
    server.add("python", original, boost)
    tweets = source_for(server).fetch_page("python", page_size=20).tweets
    assert [t.text for t in tweets] == ["original #python"]


def test_pages_with_max_id_from_the_link_header_40_at_most(server):
    server.add("python", *[post(server, n, f"<p>post {n}</p>", minutes=n) for n in range(45)])
    source = source_for(server)
    first = source.fetch_page("python", page_size=100)
    assert len(first.tweets) == 40
    assert server.requests[0].params == {"limit": "40"}
    second = source.fetch_page("python", page_size=100, page_token=first.next_token)
    assert [t.text for t in second.tweets] == [f"post {n}" for n in range(4, -1, -1)]
    assert server.requests[1].params["max_id"] == server.timelines["python"][39]["id"]
    ids = [int(t.source_id) for t in first.tweets + second.tweets]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 45
    third = source.fetch_page("python", page_size=100, page_token=second.next_token)
    assert (third.tweets, third.next_token) == ([], None)


def test_the_same_post_seen_through_two_servers_is_one_post(server):
    with FakeMastodon() as other:
        shared_uri = "https://mastodon.social/users/erin/statuses/42"
        server.add("python", post(server, 1, "<p>shared</p>", uri=shared_uri),
                   post(server, 2, "<p>only here</p>", minutes=1))
        # Another server knows the same post under its own id.
        other.add("python", post(other, 9, "<p>shared</p>", uri=shared_uri),
                  post(other, 3, "<p>only there</p>", minutes=2))
        page = source_for(server, other).fetch_page("python", page_size=20)
    assert [t.text for t in page.tweets] == ["only there", "only here", "shared"]


def test_incremental_runs_ask_only_for_newer_posts(server):
    server.add("python", *[post(server, n, f"<p>post {n}</p>", minutes=n) for n in range(5)])
    source = source_for(server)
    seen = source.fetch_page("python", page_size=3).tweets[0]  # post 4, the newest
    server.add("python", post(server, 10, "<p>post 10</p>", minutes=10))
    newer = source.fetch_page("python", page_size=20, since_id=seen.source_id)
    assert [t.text for t in newer.tweets] == ["post 10"]
    assert "since_id" in server.requests[-1].params


def test_unicode_hashtags_reach_the_server_percent_encoded(server):
    server.add("café", post(server, 1, "<p>un #café</p>"))
    tweets = source_for(server).fetch_page("café", page_size=20).tweets
    assert [t.text for t in tweets] == ["un #café"]
    assert server.requests[0].path == "/api/v1/timelines/tag/caf%C3%A9"


def test_429_is_rate_limited_until_the_reset_the_server_gives(server):
    server.faults.append(Fault(429, {"error": "Too many requests"},
                               {"X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset": "2026-11-27T09:05:00.000Z"}))
    with pytest.raises(SourceRateLimited) as caught:
        source_for(server).fetch_page("python", page_size=20)
    assert caught.value.reset_at == datetime(2026, 11, 27, 9, 5, tzinfo=UTC)


def test_429_without_reset_waits_a_minute(server):
    server.faults.append(Fault(429, {"error": "Too many requests"}))
    with pytest.raises(SourceRateLimited) as caught:
        source_for(server, clock=lambda: T0).fetch_page("python", page_size=20)
    assert caught.value.reset_at == T0 + timedelta(seconds=60)


def test_a_spent_budget_stops_before_the_next_request(server):
    reset = datetime.now(UTC) + timedelta(minutes=3)
    server.add("python", *[post(server, n, minutes=n) for n in range(50)])
    server.faults.append(Fault(200, server.timelines["python"][:40], {
        "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset.isoformat(),
        "Link": f'<{server.url}/api/v1/timelines/tag/python?max_id='
                f'{server.timelines["python"][39]["id"]}>; rel="next"'}))
    source = source_for(server)
    first = source.fetch_page("python", page_size=40)
    with pytest.raises(SourceRateLimited):
        source.fetch_page("python", page_size=40, page_token=first.next_token)
    assert len(server.requests) == 1  # the spent budget was not spent again


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(server, status):
    server.faults.append(Fault(status, "<html>oops</html>"))
    with pytest.raises(SourceUnavailable, match=str(status)):
        source_for(server).fetch_page("python", page_size=20)


def test_a_server_that_does_not_answer_in_time_is_transient(server):
    server.faults.append(Fault(200, [], delay=3))
    with pytest.raises(SourceUnavailable, match="did not answer within 1 s"):
        source_for(server, timeout=1).fetch_page("python", page_size=20)


def test_a_server_that_refuses_connections_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = get_source("mastodon", settings={"MASTODON_INSTANCES": f"http://127.0.0.1:{port}"})
    with pytest.raises(SourceUnavailable, match="Could not connect"):
        source.fetch_page("python", page_size=20)


def test_a_server_needing_an_account_says_which_setting_to_set():
    with (FakeMastodon(required_token="good-token") as server,
          pytest.raises(SourceAuthError, match="MASTODON_ACCESS_TOKEN")):
        source_for(server).fetch_page("python", page_size=20)


def test_a_bad_token_is_a_permanent_auth_error_that_never_shows_the_token():
    with (FakeMastodon(required_token="good-token") as server,
          pytest.raises(SourceAuthError) as caught):
        source_for(server, token="wrong-secret-token").fetch_page("python", page_size=20)
    assert "401" in str(caught.value)
    assert "wrong-secret-token" not in str(caught.value)


def test_a_token_is_sent_to_its_own_server_only(server):
    with FakeMastodon(required_token="good-token") as private:
        private.add("python", post(private, 1, "<p>members only</p>"))
        server.add("python", post(server, 2, "<p>public</p>", minutes=1))
        settings = {"MASTODON_INSTANCES": f"{server.url},{private.url}",
                    "MASTODON_ACCESS_TOKEN": f"{private.url}=good-token"}
        tweets = get_source("mastodon", settings=settings).fetch_page(
            "python", page_size=20).tweets
    assert [t.text for t in tweets] == ["public", "members only"]
    assert "authorization" not in server.requests[0].headers


@pytest.mark.parametrize(
    ("setting", "urls"),
    [
        ("mastodon.social", ["https://mastodon.social"]),
        (" https://fosstodon.org/ , mastodon.social", ["https://fosstodon.org",
                                                       "https://mastodon.social"]),
        ("http://127.0.0.1:8080", ["http://127.0.0.1:8080"]),
        ("mastodon.social,mastodon.social", ["https://mastodon.social"]),
    ],
)
def test_reads_the_server_list(setting, urls):
    assert [s.base_url for s in parse_instances(setting)] == urls


@pytest.mark.parametrize("setting", ["", " , ", "ftp://example.org", "https://"])
def test_an_unusable_server_list_names_the_setting(setting):
    with pytest.raises(SourceError, match="MASTODON_INSTANCES"):
        parse_instances(setting)


def test_a_bare_token_belongs_to_the_first_server_only():
    first, second = parse_instances("a.example,b.example", "secret")
    assert (first.token, second.token) == ("secret", None)
