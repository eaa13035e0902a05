"""The bundled corpus of real public tweets, indexed by hashtag.

See data/README.md for where the text comes from.
"""

import functools
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

CORPUS_PATH = Path(__file__).parent / "data" / "sample_tweets.txt.gz"

# A hashtag is `#` plus word characters, not glued to a preceding word ("a#b" is no tag on X)
# and not an HTML entity: a few lines still carry "&#8217;" where a quote mark was. The check
# on the character before comes after the literal `#` so the regex engine can jump from `#` to
# `#`; written first, it is tried at every position and indexing takes six times longer.
_HASHTAG = re.compile(r"#(?<![\w&]#)(\w+)")


def hashtag_key(tag: str) -> str:
    """The form hashtags are indexed and looked up by: X matches hashtags case-insensitively."""
    return tag.casefold()


def hashtags_in(text: str) -> set[str]:
    """The distinct hashtags in `text`, as `hashtag_key`s, without the `#`."""
    return {hashtag_key(tag) for tag in _HASHTAG.findall(text)}


@dataclass(frozen=True)
class SampleCorpus:
    """The corpus lines and, for each hashtag, the numbers of the lines that carry it."""

    lines: list[str]
    lines_by_hashtag: dict[str, list[int]]
    """hashtag_key -> line numbers in ascending order."""

    def lines_with(self, hashtag: str) -> list[int]:
        """Ascending numbers of the lines carrying `#hashtag` (any case); empty if none."""
        return self.lines_by_hashtag.get(hashtag_key(hashtag), [])


def index_corpus(lines: list[str]) -> SampleCorpus:
    """Index `lines` (one tweet each) by the hashtags they carry."""
    lines_by_hashtag: dict[str, list[int]] = {}
    for number, line in enumerate(lines):
        if "#" not in line:  # most lines carry no tag, and this test is far cheaper than a regex
            continue
        for tag in hashtags_in(line):
            lines_by_hashtag.setdefault(tag, []).append(number)
    return SampleCorpus(lines=lines, lines_by_hashtag=lines_by_hashtag)


# Cached per process on purpose: reading and indexing 140k lines takes most of a second, and a
# worker serves many fetches. The corpus is read-only, so sharing it is safe. It holds about
# 40 MB; forked workers that load it after the fork each hold their own copy.
@functools.cache
def load_corpus(path: Path = CORPUS_PATH) -> SampleCorpus:
    """Read the gzipped corpus and index it by hashtag, once per process."""
    # Split on "\n" only (newline="", and split rather than splitlines), so that line numbers
    # are the file's own: "\r" or U+2028 inside a tweet would otherwise shift every later one.
    with gzip.open(path, "rt", encoding="utf-8", newline="") as corpus_file:
        lines = corpus_file.read().split("\n")
    if lines and not lines[-1]:
        lines.pop()
    return index_corpus(lines)


def popular_hashtags(n: int = 10) -> list[tuple[str, int]]:
    """The `n` hashtags carried by most corpus lines, as (hashtag, line count), most first.

    Every line is visible once per replay window, so the count is also how many tweets a full
    search for that hashtag returns. Ties are broken alphabetically so the list is stable.
    """
    index = load_corpus().lines_by_hashtag
    ranked = sorted(index.items(), key=lambda item: (-len(item[1]), item[0]))
    return [(tag, len(numbers)) for tag, numbers in ranked[:n]]
