"""Tweet sources: where tracked hashtags' tweets come from, behind one small interface.

    source = get_source("sample", settings=config)
    page = source.fetch_page("python", page_size=50, since_id=last_seen_id)

Plain Python on purpose (no Celery, Flask or TensorFlow), so it can be used and tested alone.
"""

from collections.abc import Callable, Mapping
from datetime import datetime

from core.sources import SOURCE_NAMES

from .base import (
    FetchedTweet,
    Page,
    SourceAuthError,
    SourceError,
    SourceRateLimited,
    SourceUnavailable,
    TweetSource,
    newer_id,
)

__all__ = [
    "SOURCE_NAMES",
    "FetchedTweet",
    "Page",
    "SourceAuthError",
    "SourceError",
    "SourceRateLimited",
    "SourceUnavailable",
    "TweetSource",
    "get_source",
    "newer_id",
]


def get_source(
    name: str,
    *,
    settings: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> TweetSource:
    """Build the source called `name`, configured from `settings`.

    `settings` is the worker's configuration mapping (nothing is read from the environment
    here): the settings each source declares in `core.sources` (SAMPLE_REPLAY_HOURS and
    SAMPLE_LOOKBACK_PERIODS; MASTODON_*; BLUESKY_*; X_BEARER_TOKEN and X_TIMEOUT_SECONDS).
    `clock` returns the current aware datetime; tests inject one to move time.

    Raises SourceError for an unknown name or an unusable setting. A missing X_BEARER_TOKEN is
    reported by `fetch_page`, as SourceAuthError, so a job fails with a readable reason.
    """
    settings = settings or {}
    clock_kwargs = {"clock": clock} if clock is not None else {}
    # Imported here so that using one source never pays for importing the other's libraries.
    if name == "sample":
        from .sample import SampleSource, lookback_periods, replay_hours

        return SampleSource(hours=replay_hours(settings),
                            lookback_periods=lookback_periods(settings), **clock_kwargs)
    if name == "x":
        from .x import XSource, timeout_seconds

        return XSource(
            bearer_token=settings.get("X_BEARER_TOKEN"),
            timeout=timeout_seconds(settings),
            **clock_kwargs,
        )
    if name == "mastodon":
        from .mastodon import DEFAULT_INSTANCES, MastodonSource, parse_instances, timeout_seconds

        instances = settings.get("MASTODON_INSTANCES", DEFAULT_INSTANCES)
        return MastodonSource(
            servers=parse_instances(instances, settings.get("MASTODON_ACCESS_TOKEN")),
            timeout=timeout_seconds(settings),
            **clock_kwargs,
        )
    if name == "bluesky":
        from .bluesky import BlueskySource, timeout_seconds

        return BlueskySource(
            handle=settings.get("BLUESKY_HANDLE"),
            app_password=settings.get("BLUESKY_APP_PASSWORD"),
            service_url=settings.get("BLUESKY_SERVICE_URL") or None,
            timeout=timeout_seconds(settings),
            **clock_kwargs,
        )
    raise SourceError(f"Unknown tweet source {name!r}; choose one of: {', '.join(SOURCE_NAMES)}.")
