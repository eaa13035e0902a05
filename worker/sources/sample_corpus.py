"""The bundled corpus of real public tweets, indexed by hashtag.

See data/README.md for where the text comes from.
"""

import functools
import gzip
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

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


class CorpusLines(Sequence[str]):
    """The corpus's lines, held as one UTF-8 buffer and the offset where each line starts.

    As a list of 140k ``str`` objects the corpus and its index held 43 MB in every worker
    process that read it, a quarter of a pool process; with the text as one buffer (its 12 MB
    of UTF-8), 28 MB. A line is decoded when it is read: about 0.7 µs, 70 µs for a page of 100.
    """

    def __init__(self, data: bytes, starts: array):
        # ``starts`` has one entry per line and a last one past the end: line i is
        # data[starts[i]:starts[i + 1] - 1], without its "\n".
        self._data = data
        self._starts = starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, number: int) -> str: ...

    @overload
    def __getitem__(self, number: slice) -> list[str]: ...

    def __getitem__(self, number: int | slice) -> str | list[str]:
        if isinstance(number, slice):
            return [self[i] for i in range(*number.indices(len(self)))]
        if number < 0:
            number += len(self)
        if not 0 <= number < len(self):
            raise IndexError(f"corpus line {number} out of range")
        return self._data[self._starts[number]:self._starts[number + 1] - 1].decode("utf-8")


@dataclass(frozen=True)
class SampleCorpus:
    """The corpus lines and, for each hashtag, the numbers of the lines that carry it."""

    lines: CorpusLines
    lines_by_hashtag: dict[str, list[int]]
    """hashtag_key -> line numbers in ascending order."""

    def lines_with(self, hashtag: str) -> list[int]:
        """Ascending numbers of the lines carrying `#hashtag` (any case); empty if none."""
        return self.lines_by_hashtag.get(hashtag_key(hashtag), [])


def index_corpus(lines: list[str]) -> SampleCorpus:
    """Index `lines` (one tweet each, without "\n") by the hashtags they carry."""
    return read_corpus("".join(f"{line}\n" for line in lines).encode("utf-8"))


def read_corpus(data: bytes) -> SampleCorpus:
    """The corpus in ``data``: UTF-8, one tweet per line, lines split on "\n" only (so that line
    numbers are the file's own: "\r" or U+2028 inside a tweet would otherwise shift every later
    one); a final "\n" ends the last line rather than starting an empty one."""
    starts = array("Q")
    lines_by_hashtag: dict[str, list[int]] = {}
    position, number = 0, 0
    while position < len(data):
        end = data.find(b"\n", position)
        if end < 0:
            end = len(data)
        starts.append(position)
        # Most lines carry no tag: this test is far cheaper than decoding and a regex.
        if data.find(b"#", position, end) >= 0:
            for tag in hashtags_in(data[position:end].decode("utf-8")):
                lines_by_hashtag.setdefault(tag, []).append(number)
        number += 1
        position = end + 1
    starts.append(position)
    return SampleCorpus(lines=CorpusLines(data, starts), lines_by_hashtag=lines_by_hashtag)


# Cached per process on purpose: reading and indexing 140k lines takes about half a second, and a
# worker serves many fetches. The corpus is read-only, so sharing it is safe. It holds about
# 28 MB (the text 12 MB of it); forked workers that load it after the fork each hold their own.
@functools.cache
def load_corpus(path: Path = CORPUS_PATH) -> SampleCorpus:
    """Read the gzipped corpus and index it by hashtag, once per process."""
    with gzip.open(path, "rb") as corpus_file:
        return read_corpus(corpus_file.read())


def popular_hashtags(n: int = 10) -> list[tuple[str, int]]:
    """The `n` hashtags carried by most corpus lines, as (hashtag, line count), most first.

    Every line is visible once per replay window, so the count is also how many tweets a full
    search for that hashtag returns. Ties are broken alphabetically so the list is stable.
    """
    index = load_corpus().lines_by_hashtag
    ranked = sorted(index.items(), key=lambda item: (-len(item[1]), item[0]))
    return [(tag, len(numbers)) for tag, numbers in ranked[:n]]
