"""The `sample` source: the bundled corpus replayed as a live stream of tweets.

Most tests use a six-line corpus replayed every six hours, so line i of cycle c is tweeted at
exactly anchor + (6c + i) hours: position p = 6c + i, tweeted at `at(p)`.
"""

import re
from datetime import timedelta

import pytest

from worker.sources import FetchedTweet, SourceError
from worker.sources.sample import (
    REPLAY_ANCHOR,
    SampleSource,
    lookback_periods,
    pseudo_username,
    replay_hours,
)
from worker.sources.sample_corpus import index_corpus

LINES = [
    "line 0: #Trump rally tonight",
    "line 1: loving my new #trumpet",
    "line 2: #TRUMP! again",
    "line 3: no hashtag here, just trump",
    "line 4: #python and #Trump",
    "line 5: glued a#trump is no tag",
]
HOURS = 6  # one line an hour


def at(position: int, *, plus: timedelta = timedelta(0)):
    return REPLAY_ANCHOR + timedelta(hours=position) + plus


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def source_at(now, lines=LINES, hours=HOURS) -> SampleSource:
    return SampleSource(hours=hours, clock=Clock(now), corpus=index_corpus(lines))


def texts(tweets) -> list[str]:
    return [tweet.text for tweet in tweets]


def every_page(source: SampleSource, hashtag: str, page_size: int) -> list:
    """Follow the page tokens to the end."""
    pages, token = [], None
    while True:
        page = source.fetch_page(hashtag, page_size=page_size, page_token=token)
        pages.append(page)
        token = page.next_token
        if token is None:
            return pages


def test_matches_hashtag_case_insensitively():
    page = source_at(at(605)).fetch_page("tRuMp", page_size=10)

    assert texts(page.tweets) == [LINES[4], LINES[2], LINES[0]]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("#trump", True),
        ("#Trump", True),
        ("#TRUMP!", True),
        ("(#trump)", True),
        ("rally #trump…", True),
        ("##trump", True),
        ("#trumpet", False),
        ("#trump_2020", False),
        ("a#trump", False),
        ("&#trump;", False),
        ("trump", False),
    ],
)
def test_matches_only_the_whole_hashtag(text, found):
    page = source_at(at(5), lines=[text], hours=1).fetch_page("Trump", page_size=10)

    assert bool(page.tweets) is found


def test_unknown_hashtag_gives_an_empty_last_page():
    page = source_at(at(605)).fetch_page("nosuchtag", page_size=10)

    assert page == type(page)(tweets=[], next_token=None)


def test_returns_tweets_newest_first():
    page = source_at(at(605)).fetch_page("trump", page_size=10)

    ids = [int(tweet.source_id) for tweet in page.tweets]
    assert ids == sorted(ids, reverse=True)
    assert [tweet.created_at for tweet in page.tweets] == [at(604), at(602), at(600)]


def test_search_reaches_back_one_replay_period():
    # At 605 the window is 600..605: each line once, not again from earlier cycles.
    page = source_at(at(605)).fetch_page("trump", page_size=100)

    assert len(page.tweets) == 3


def test_lookback_periods_reach_earlier_cycles_under_their_own_ids():
    # At 605 with three periods the window is 588..605: each line of #trump three times.
    source = SampleSource(hours=HOURS, clock=Clock(at(605)), corpus=index_corpus(LINES),
                          lookback_periods=3)
    tweets = [tweet for page in every_page(source, "trump", 2) for tweet in page.tweets]

    assert texts(tweets) == [LINES[4], LINES[2], LINES[0]] * 3
    assert len({tweet.source_id for tweet in tweets}) == 9
    assert [t.created_at for t in tweets[:4]] == [at(604), at(602), at(600), at(598)]


@pytest.mark.parametrize(("settings", "periods"),
                         [({}, 1), ({"SAMPLE_LOOKBACK_PERIODS": ""}, 1),
                          ({"SAMPLE_LOOKBACK_PERIODS": "50"}, 50)])
def test_lookback_periods_default_to_one(settings, periods):
    assert lookback_periods(settings) == periods


def test_rejects_unusable_lookback_periods():
    with pytest.raises(SourceError, match="SAMPLE_LOOKBACK_PERIODS"):
        lookback_periods({"SAMPLE_LOOKBACK_PERIODS": "0"})


def test_a_tweet_is_visible_only_once_its_time_has_come():
    just_before = source_at(at(604, plus=-timedelta(milliseconds=1)))
    on_time = source_at(at(604))

    assert LINES[4] not in texts(just_before.fetch_page("trump", page_size=1).tweets)
    assert texts(on_time.fetch_page("trump", page_size=1).tweets) == [LINES[4]]


def test_nothing_is_visible_before_the_replay_anchor():
    page = source_at(REPLAY_ANCHOR - timedelta(seconds=1)).fetch_page("trump", page_size=10)

    assert page.tweets == []
    assert page.next_token is None


def test_since_id_returns_only_newer_tweets():
    source = source_at(at(605))
    everything = source.fetch_page("trump", page_size=10).tweets

    newer = source.fetch_page("trump", page_size=10, since_id=everything[1].source_id)

    assert newer.tweets == everything[:1]


def test_new_tweets_appear_as_the_clock_moves_on():
    clock = Clock(at(605))
    source = SampleSource(hours=HOURS, clock=clock, corpus=index_corpus(LINES))
    seen = source.fetch_page("trump", page_size=10).tweets
    newest = seen[0].source_id

    clock.now = at(605 + 3)  # half a cycle later: lines 0..2 of the next cycle are out
    fresh = source.fetch_page("trump", page_size=10, since_id=newest).tweets

    assert texts(fresh) == [LINES[2], LINES[0]]
    assert all(int(tweet.source_id) > int(newest) for tweet in fresh)


def test_since_id_works_across_replay_cycles():
    clock = Clock(at(605))
    source = SampleSource(hours=HOURS, clock=clock, corpus=index_corpus(LINES))
    first_cycle = source.fetch_page("trump", page_size=10).tweets

    clock.now = at(605 + 6)  # one full cycle later: the same lines, tweeted again
    next_cycle = source.fetch_page("trump", page_size=10, since_id=first_cycle[0].source_id).tweets

    assert texts(next_cycle) == texts(first_cycle)
    assert [t.created_at - timedelta(hours=6) for t in next_cycle] == [
        t.created_at for t in first_cycle
    ]
    assert not {t.source_id for t in next_cycle} & {t.source_id for t in first_cycle}


def test_ids_keep_growing_when_the_replay_period_changes():
    every_line = [f"tweet {i} #x" for i in range(6)]
    before = source_at(at(605), lines=every_line, hours=6).fetch_page("x", page_size=1).tweets[0]

    # A longer period would restart plain position counters far below every saved since_id.
    after = source_at(at(605 + 3), lines=every_line, hours=12)
    newer = after.fetch_page("x", page_size=10, since_id=before.source_id).tweets

    assert newer
    assert all(tweet.created_at > before.created_at for tweet in newer)


def test_page_token_pages_through_every_match_once():
    pages = every_page(source_at(at(605)), "trump", 1)

    assert [texts(page.tweets) for page in pages] == [[LINES[4]], [LINES[2]], [LINES[0]]]


def test_page_token_stays_valid_as_the_clock_moves_on():
    clock = Clock(at(605))
    source = SampleSource(hours=HOURS, clock=clock, corpus=index_corpus(LINES))
    first = source.fetch_page("trump", page_size=1)

    clock.now = at(605 + 4)  # line 0 has left the window meanwhile, but this search had it
    rest = source.fetch_page("trump", page_size=10, page_token=first.next_token)

    assert texts(rest.tweets) == [LINES[2], LINES[0]]


def test_page_token_and_since_id_together_stop_at_since_id():
    source = source_at(at(605))
    oldest = source.fetch_page("trump", page_size=10).tweets[-1]

    first = source.fetch_page("trump", page_size=1, since_id=oldest.source_id)
    rest = source.fetch_page(
        "trump", page_size=10, since_id=oldest.source_id, page_token=first.next_token
    )

    assert texts(first.tweets) + texts(rest.tweets) == [LINES[4], LINES[2]]
    assert rest.next_token is None


def test_tweet_metadata_is_deterministic():
    tweet = source_at(at(605)).fetch_page("python", page_size=1).tweets[0]

    offset_ms = 604 * 3_600_000
    assert tweet == FetchedTweet(
        source_id=str(offset_ms << 18 | 4),
        username=pseudo_username(LINES[4]),
        text=LINES[4],
        created_at=at(604),
        url=None,
        lang="en",  # the corpus is English
    )
    assert tweet.created_at.utcoffset() == timedelta(0)


def test_username_comes_from_a_stable_hash_not_pythons_salted_one():
    # A literal: Python's hash() of a str changes from process to process.
    assert pseudo_username("line 4: #python and #Trump") == pseudo_username(LINES[4])
    assert pseudo_username("hello #world") == "brave_coral07"


def test_usernames_look_like_x_handles():
    names = {pseudo_username(f"tweet number {i}") for i in range(2000)}

    assert all(re.fullmatch(r"[a-z]+_[a-z]+\d\d", name) and len(name) <= 15 for name in names)
    assert len(names) > 1900  # varied enough that one corpus page shows many authors


@pytest.mark.parametrize(
    "token", ["", "abc", "12", "12:", ":3", "1:2:3", "-1:0", "1:-2", "٣:1", "605:0"]
)
def test_rejects_a_malformed_page_token(token):
    with pytest.raises(SourceError, match="page token"):
        source_at(at(605)).fetch_page("trump", page_size=1, page_token=token)


@pytest.mark.parametrize("since_id", ["", "abc", "12a", "-5", "١٢"])
def test_rejects_a_since_id_that_is_not_a_number(since_id):
    with pytest.raises(SourceError, match="since_id"):
        source_at(at(605)).fetch_page("trump", page_size=1, since_id=since_id)


def test_rejects_a_page_size_below_one():
    with pytest.raises(ValueError, match="page_size"):
        source_at(at(605)).fetch_page("trump", page_size=0)


@pytest.mark.parametrize(
    ("settings", "hours"),
    [({}, 24.0), ({"SAMPLE_REPLAY_HOURS": ""}, 24.0), ({"SAMPLE_REPLAY_HOURS": "2.5"}, 2.5),
     ({"SAMPLE_REPLAY_HOURS": 48}, 48.0)],
)  # fmt: skip
def test_replay_hours_defaults_to_a_day(settings, hours):
    assert replay_hours(settings) == hours


@pytest.mark.parametrize("value", ["0", "0.05", "-1", "soon", "nan", "inf"])
def test_rejects_unusable_replay_hours(value):
    with pytest.raises(SourceError, match="SAMPLE_REPLAY_HOURS"):
        replay_hours({"SAMPLE_REPLAY_HOURS": value})
