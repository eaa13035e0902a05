"""The bundled corpus: the right file, fully indexed, with hashtags big enough to benchmark."""

import gzip
import hashlib
from datetime import UTC, datetime

import pytest

from worker.sources import get_source
from worker.sources.sample_corpus import (
    CORPUS_PATH,
    hashtags_in,
    load_corpus,
    popular_hashtags,
    read_corpus,
)

DOCUMENTED_SHA256 = "9f77fc6b1838e7af6da23ae5fe4e11f217f9017b7972f5efcbeafbd25ead3a53"
A_FIXED_DAY = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_bundled_corpus_is_the_documented_copy():
    digest = hashlib.sha256(CORPUS_PATH.read_bytes()).hexdigest()

    assert digest == DOCUMENTED_SHA256
    assert DOCUMENTED_SHA256 in (CORPUS_PATH.parent / "README.md").read_text(encoding="utf-8")


def test_every_corpus_line_is_loaded():
    assert len(load_corpus().lines) == 139_759


@pytest.mark.parametrize("text", [
    "plain\nwith #Tag and #tag\n\nemoji 😀 #café\ncarriage\rreturn and\u2028separator #x\n",
    "no final newline #end",
    "",
    "\n",
    "#only\n#only\n",
])
def test_lines_read_from_the_buffer_are_the_files_own(text):
    """Lines split on "\\n" only, a final "\\n" ending the last line, multi-byte characters
    whole, and the same tags found as in each line read on its own."""
    expected = text.split("\n")
    if expected and not expected[-1]:
        expected.pop()

    corpus = read_corpus(text.encode("utf-8"))

    assert len(corpus.lines) == len(expected)
    assert list(corpus.lines) == expected
    assert corpus.lines[1:] == expected[1:]
    if expected:
        assert corpus.lines[-1] == expected[-1]
    with pytest.raises(IndexError):
        corpus.lines[len(expected)]
    tags: dict[str, list[int]] = {}
    for number, line in enumerate(expected):
        for tag in hashtags_in(line):
            tags.setdefault(tag, []).append(number)
    assert corpus.lines_by_hashtag == tags


def test_corpus_text_is_read_as_the_file_holds_it():
    with gzip.open(CORPUS_PATH, "rt", encoding="utf-8", newline="") as corpus_file:
        expected = corpus_file.read().split("\n")
    expected.pop()  # the file ends with a newline

    lines = load_corpus().lines

    assert [lines[i] for i in range(0, len(lines), 997)] == expected[::997]
    assert lines[len(lines) - 1] == expected[-1]


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
