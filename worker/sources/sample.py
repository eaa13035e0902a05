"""The `sample` source: the bundled corpus, replayed as if it were being tweeted live.

Needs no network and no credentials. The corpus is replayed in a loop: every replay period
(SAMPLE_REPLAY_HOURS, default 24) each line is "tweeted" once, at an even pace, starting from a
fixed anchor. A tweet is visible once its time has come, so later runs see newer tweets and
`since_id` behaves as it does on X. See data/README.md for the details.
"""

import bisect
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from .base import Clock, FetchedTweet, Page, SourceError, utc_now
from .sample_corpus import SampleCorpus, load_corpus, popular_hashtags
from .settings import number_setting

__all__ = ["ReplayTimeline", "SampleSource", "popular_hashtags", "pseudo_username"]

REPLAY_ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)
"""Fixed, so that ids and timestamps are the same in every process and after restarts."""

CORPUS_LANGUAGE = "en"
"""TweetEval's texts are English tweets (see data/README.md)."""

DEFAULT_REPLAY_HOURS = 24.0
MIN_REPLAY_HOURS = 0.1
"""Shorter periods would put two lines in the same millisecond, and ids would stop being
strictly increasing (see `ReplayTimeline.tweet_id`)."""

_LINE_BITS = 18
"""Low bits of an id hold the corpus line number; the corpus must stay under 2**18 lines."""


@dataclass(frozen=True)
class ReplayTimeline:
    """When each corpus line is "tweeted", and under which id.

    A position counts the lines replayed since the anchor: position = cycle * size + line.
    Position p is tweeted at anchor + p * period / size (rounded down to the millisecond).
    """

    size: int
    """Lines in the corpus."""
    period_ms: int

    def __post_init__(self) -> None:
        if not 0 < self.size < 2**_LINE_BITS:
            raise ValueError(f"corpus size {self.size} does not fit in {_LINE_BITS} id bits")
        if self.period_ms < self.size:
            raise ValueError("replay period is too short: under 1 ms per line")

    def line(self, position: int) -> int:
        return position % self.size

    def _offset_ms(self, position: int) -> int:
        return position * self.period_ms // self.size

    def created_at(self, position: int) -> datetime:
        return REPLAY_ANCHOR + timedelta(milliseconds=self._offset_ms(position))

    def tweet_id(self, position: int) -> int:
        """Milliseconds since the anchor, then the line number: like X's snowflake ids.

        Ids keep growing with real time even if SAMPLE_REPLAY_HOURS changes, so a `since_id`
        saved under one period still works under another. A plain position would not: a longer
        period would restart ids far below every saved `since_id`, hiding all new tweets.
        """
        return (self._offset_ms(position) << _LINE_BITS) | self.line(position)

    def newest_visible(self, now: datetime) -> int:
        """The last position tweeted at or before `now`; negative if none is."""
        elapsed_ms = (now - REPLAY_ANCHOR) // timedelta(milliseconds=1)
        # Largest p with p * period // size <= elapsed, solved in integers.
        return ((elapsed_ms + 1) * self.size - 1) // self.period_ms

    def first_newer_than(self, tweet_id: int, *, upto: int) -> int:
        """The first position in 0..upto whose id is greater than `tweet_id` (upto + 1 if none)."""
        return bisect.bisect_right(range(upto + 1), tweet_id, key=self.tweet_id)


_ADJECTIVES = (
    "amber", "azure", "bold", "brave", "brisk", "calm", "clever", "cosmic",
    "dapper", "eager", "fuzzy", "gentle", "golden", "happy", "jolly", "keen",
    "lively", "lucky", "mellow", "merry", "misty", "noble", "plucky", "quiet",
    "rapid", "rosy", "rustic", "silver", "sunny", "swift", "tidy", "witty",
)  # fmt: skip
_NOUNS = (
    "badger", "beacon", "bison", "cactus", "comet", "coral", "crane", "falcon",
    "fern", "finch", "gecko", "heron", "koala", "lark", "lemur", "lynx",
    "maple", "marten", "meadow", "otter", "owl", "panda", "pebble", "puffin",
    "raven", "robin", "salmon", "tiger", "walrus", "willow", "wombat", "yak",
)  # fmt: skip


def pseudo_username(text: str) -> str:
    """A readable made-up username, the same for the same text in every process and run.

    The corpus has no authors (mentions are all "@user"), so one is derived from a stable hash
    of the text; Python's own hash() is salted per process. Words of at most six letters keep
    it within X's 15-character limit, e.g. "plucky_otter07".
    """
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "big")
    value, adjective = divmod(value, len(_ADJECTIVES))
    value, noun = divmod(value, len(_NOUNS))
    return f"{_ADJECTIVES[adjective]}_{_NOUNS[noun]}{value % 100:02d}"


def lookback_periods(settings: Mapping[str, object]) -> int:
    """SAMPLE_LOOKBACK_PERIODS: how many replay periods a search reaches back (default 1: each
    line at most once). More gives a busy-looking hashtag: the same lines again under the ids
    of earlier cycles, as a slogan retweeted for days. Benchmarks use it to get 1,000-post jobs
    out of a corpus where few hashtags have that many lines."""
    return int(number_setting(settings, "SAMPLE_LOOKBACK_PERIODS", default=1, minimum=1,
                              unit="replay periods"))


def replay_hours(settings: Mapping[str, object]) -> float:
    """SAMPLE_REPLAY_HOURS from the settings, checked; the default when unset or empty."""
    return number_setting(
        settings,
        "SAMPLE_REPLAY_HOURS",
        default=DEFAULT_REPLAY_HOURS,
        minimum=MIN_REPLAY_HOURS,
        unit="hours",
    )


class SampleSource:
    """Searches the bundled corpus by hashtag, as a live-like replay."""

    name = "sample"

    def __init__(
        self,
        *,
        hours: float = DEFAULT_REPLAY_HOURS,
        clock: Clock = utc_now,
        corpus: SampleCorpus | None = None,
        lookback_periods: int = 1,
    ) -> None:
        self._period_ms = round(hours * 3_600_000)
        self._lookback = lookback_periods
        self._clock = clock
        self._corpus = corpus  # None: the bundled corpus, loaded on the first fetch

    def fetch_page(
        self,
        hashtag: str,
        *,
        page_size: int,
        since_id: str | None = None,
        page_token: str | None = None,
        lang: str | None = None,
    ) -> Page:
        """Return one page of visible tweets carrying `#hashtag`, newest first.

        A search reaches back one replay period (``lookback_periods`` of them), so it returns
        each matching line at most once, much as X's recent search reaches back seven days.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        if self._corpus is None:
            self._corpus = load_corpus()
        corpus = self._corpus
        timeline = ReplayTimeline(size=len(corpus.lines), period_ms=self._period_ms)

        newest = timeline.newest_visible(self._clock())
        span = timeline.size * self._lookback
        high, low = newest, max(0, newest - span + 1)
        if page_token is not None:
            # A token carries on the search it came from, window and all, even if the clock
            # has moved since. Tokens spanning more than one window are refused, so an edited
            # one cannot walk back through every cycle since the anchor.
            token_high, low = _decode_page_token(page_token, max_span=span)
            high = min(token_high, newest)
        if since_id is not None:
            low = max(low, timeline.first_newer_than(_parse_id(since_id), upto=newest))

        matches = _positions_newest_first(corpus.lines_with(hashtag), timeline.size, high, low)
        positions = list(islice(matches, page_size + 1))
        tweets = [_tweet_at(corpus, timeline, p) for p in positions[:page_size]]
        next_token = None
        if len(positions) > page_size:
            next_token = _encode_page_token(positions[page_size], low)
        return Page(tweets=tweets, next_token=next_token)


def _positions_newest_first(
    line_numbers: list[int], size: int, high: int, low: int
) -> Iterator[int]:
    """Positions in low..high whose line is in `line_numbers` (ascending), newest first."""
    cycle, last_line = divmod(high, size)
    end = bisect.bisect_right(line_numbers, last_line)
    while cycle >= 0:
        start_of_cycle = cycle * size
        for k in range(end - 1, -1, -1):
            position = start_of_cycle + line_numbers[k]
            if position < low:
                return
            yield position
        if start_of_cycle <= low:
            return
        cycle, end = cycle - 1, len(line_numbers)


def _tweet_at(corpus: SampleCorpus, timeline: ReplayTimeline, position: int) -> FetchedTweet:
    text = corpus.lines[timeline.line(position)]
    return FetchedTweet(
        source_id=str(timeline.tweet_id(position)),
        username=pseudo_username(text),
        text=text,
        created_at=timeline.created_at(position),
        lang=CORPUS_LANGUAGE,
    )


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _parse_id(tweet_id: str) -> int:
    if not _is_digits(tweet_id):
        raise SourceError(f"since_id must be a tweet id made of digits, got {tweet_id!r}")
    return int(tweet_id)


# Page tokens name the positions still to be read ("high:low"). They are opaque to callers,
# and only meaningful to the source that made them.
def _encode_page_token(high: int, low: int) -> str:
    return f"{high}:{low}"


def _decode_page_token(token: str, *, max_span: int) -> tuple[int, int]:
    high, sep, low = token.partition(":")
    if not (sep and _is_digits(high) and _is_digits(low) and int(high) - int(low) < max_span):
        raise SourceError(f"invalid page token for the sample source: {token!r}")
    return int(high), int(low)
