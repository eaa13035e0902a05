"""The one small interface every tweet source implements, and the errors it may raise.

Callers (the fetch task, the web preview) depend only on this module, so the X API, the bundled
sample corpus and any later source are interchangeable.
"""

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
    """The source's own tweet id: a string of digits, larger means newer (see `newer_id`)."""
    username: str
    text: str
    """Raw text as the source gives it; normalising is the model's job, not the source's."""
    created_at: datetime
    """Timezone-aware UTC."""
    url: str | None = None
    """Link to the tweet where one exists."""


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
    ) -> Page:
        """Return one page of tweets carrying `#hashtag`, newest first.

        `hashtag` is already validated (no leading `#`, letters/digits/underscore) and matched
        case-insensitively. `since_id` keeps only tweets strictly newer than that id. To page
        on, call again with the same arguments and `page_token=page.next_token`.
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


def newer_id(a: str | None, b: str | None) -> str | None:
    """Return the newer of two tweet ids (None counts as older than any id).

    Ids are compared as numbers: as strings "9" would sort after "10".
    """
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) >= int(b) else b
