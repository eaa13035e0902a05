"""The one small interface every tweet source implements, and the errors it may raise.

Callers (the fetch task, the web preview) depend only on this module, so the X API, the bundled
sample corpus and any later source are interchangeable.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware. Injected so tests can move time forward."""


def utc_now() -> datetime:
    """The real clock: now, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class FetchedTweet:
    """One tweet as a source returns it, before any normalisation or scoring."""

    source_id: str
    """A string of digits, larger means newer (see `newer_id`), the same for the same post
    however it was found: X's and the sample's own ids; for Mastodon and Bluesky, whose ids are
    per server or not ordered, a `time_ordered_id` of the post."""
    username: str
    text: str
    """Raw text as the source gives it; normalising is the model's job, not the source's."""
    created_at: datetime
    """Timezone-aware UTC."""
    url: str | None = None
    """Link to the tweet where one exists."""
    content_warning: str | None = None
    """The author's content warning (Mastodon's spoiler text), shown before the text."""
    lang: str | None = None
    """The language the source states (BCP 47, e.g. "en" or "pt-BR"); None when it states
    none, and the pipeline detects it from the text."""


@dataclass(frozen=True)
class Page:
    """One page of search results."""

    tweets: list[FetchedTweet]
    """Newest first."""
    next_token: str | None
    """Pass back as `page_token` to get the next (older) page; None means there is no more."""


@runtime_checkable
class TweetSource(Protocol):
    """Searches recent tweets by hashtag."""

    name: str

    def fetch_page(
        self,
        hashtag: str,
        *,
        page_size: int,
        since_id: str | None = None,
        page_token: str | None = None,
        lang: str | None = None,
    ) -> Page:
        """Return one page of tweets carrying `#hashtag`, newest first.

        `hashtag` is already validated (no leading `#`; letters, marks, digits of any script
        and underscores) and matched case-insensitively. `since_id` keeps only tweets strictly
        newer than that id (an id this source returned earlier). `lang` (an ISO 639 code) is a
        hint: a source that can filter by language asks for that one only; others return every
        language, and the pipeline sorts posts out by their `lang`. To page on, call again with
        the same arguments and `page_token=page.next_token`.
        """
        ...


class SourceError(Exception):
    """Permanent failure: fail the job, showing `str(exc)` to a person as the reason."""


class SourceAuthError(SourceError):
    """Credentials are missing, invalid or not allowed to search (HTTP 401/403)."""


class SourceRateLimited(Exception):
    """Transient: the source asked us to wait; retry the task at `reset_at`."""

    def __init__(self, message: str, *, reset_at: datetime) -> None:
        super().__init__(message)
        self.reset_at = reset_at

    def __reduce__(self):  # Celery pickles exceptions; keep the keyword-only field.
        return _rebuild_rate_limited, (str(self), self.reset_at)


def _rebuild_rate_limited(message: str, reset_at: datetime) -> SourceRateLimited:
    return SourceRateLimited(message, reset_at=reset_at)


class SourceUnavailable(Exception):
    """Transient: server error, timeout or connection failure; retry later with back-off."""


_DIGEST_DIGITS = 6


def time_ordered_id(when: datetime, key: str) -> str:
    """An id that grows with `when` and is the same for the same `key` (a post's URI): its
    milliseconds since the epoch, then six digits of a digest of `key`.

    One post seen through two servers gets one id, so it is stored once; and ids compare by
    time, so `newer_id` and incremental runs work as they do with X's ids.
    """
    digest = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")
    milliseconds = int(when.timestamp() * 1000)
    return str(milliseconds * 10**_DIGEST_DIGITS + digest % 10**_DIGEST_DIGITS)


def time_of_id(source_id: str) -> datetime:
    """The time a `time_ordered_id` was made from (to the millisecond)."""
    milliseconds = int(source_id) // 10**_DIGEST_DIGITS
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def newer_id(a: str | None, b: str | None) -> str | None:
    """Return the newer of two tweet ids (None counts as older than any id).

    Ids are compared as numbers: as strings "9" would sort after "10".
    """
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) >= int(b) else b
