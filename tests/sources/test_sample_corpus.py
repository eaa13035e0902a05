"""The bundled corpus: the right file, fully indexed, with hashtags big enough to benchmark."""

import hashlib
from datetime import UTC, datetime

import pytest

from worker.sources import get_source
from worker.sources.sample_corpus import CORPUS_PATH, hashtags_in, load_corpus, popular_hashtags

DOCUMENTED_SHA256 = "9f77fc6b1838e7af6da23ae5fe4e11f217f9017b7972f5efcbeafbd25ead3a53"
A_FIXED_DAY = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_bundled_corpus_is_the_documented_copy():
    digest = hashlib.sha256(CORPUS_PATH.read_bytes()).hexdigest()

    assert digest == DOCUMENTED_SHA256
    assert DOCUMENTED_SHA256 in (CORPUS_PATH.parent / "README.md").read_text(encoding="utf-8")


def test_every_corpus_line_is_loaded():
    assert len(load_corpus().lines) == 139_759


def test_corpus_has_tens_of_thousands_of_hashtags():
    assert len(load_corpus().lines_by_hashtag) == 65_117


POPULAR = [
    ("semst", 4047), ("maga", 1408), ("love", 918), ("repost", 834), ("tbt", 791),
    ("buildthatwall", 672), ("california", 642), ("usa", 527), ("family", 497),
    ("losangeles", 481), ("la", 470), ("nyc", 393), ("trump", 366), ("vegas", 317),
]  # fmt: skip
"""Hashtags other tests and benchmarks rely on for hundreds of tweets."""


def test_popular_hashtags_lists_the_most_used_first():
    ranked = popular_hashtags(20)

    assert ranked[:3] == [("semst", 4047), ("maga", 1408), ("love", 918)]
    assert set(POPULAR) <= set(ranked)


@pytest.mark.parametrize(("hashtag", "expected"), POPULAR)
def test_popular_hashtags_have_hundreds_of_visible_tweets(hashtag, expected):
    source = get_source("sample", clock=lambda: A_FIXED_DAY)
    seen, token = 0, None
    while True:
        page = source.fetch_page(hashtag.upper(), page_size=100, page_token=token)
        seen += len(page.tweets)
        assert all(hashtag in hashtags_in(tweet.text) for tweet in page.tweets)
        token = page.next_token
        if token is None:
            break

    assert seen == expected >= 300
