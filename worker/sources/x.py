"""The `x` source: X API v2 recent search (the last seven days), through Tweepy.

Settings: X_BEARER_TOKEN (required to fetch), X_TIMEOUT_SECONDS (optional, default 15).
The bearer token never appears in any message, log line or exception text this module makes.
"""

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import requests
import tweepy

from .base import (
    Clock,
    FetchedTweet,
    Page,
    SourceAuthError,
    SourceError,
    SourceRateLimited,
    SourceUnavailable,
    utc_now,
)
from .settings import number_setting

log = logging.getLogger(__name__)

MIN_PAGE_SIZE, MAX_PAGE_SIZE = 10, 100  # what recent search accepts as max_results
DEFAULT_TIMEOUT_SECONDS = 15.0
RATE_LIMIT_FALLBACK = timedelta(seconds=60)
"""Wait this long after a 429 that carries no x-rate-limit-reset header."""

NO_CREDENTIALS_MESSAGE = (
    "The X source needs X_BEARER_TOKEN: set it to the bearer token of an X developer app "
    "with recent-search access, or track this hashtag with the sample source."
)

# X's `lang:` operator takes X's own codes (its search documentation lists them), where jobs
# hold the canonical ones (core.languages): Hebrew is "iw" there, Indonesian "in", and Chinese is
# two codes. Asking for `lang:he` would find no post at all.
_X_LANGUAGE_OPERATORS = {
    "he": "lang:iw",
    "id": "lang:in",
    "zh": "(lang:zh-CN OR lang:zh-TW)",
}

_TWITTER_EPOCH_MS = 1288834974657  # X ids carry their creation time in milliseconds since this


class _TimeoutSession(requests.Session):
    """A requests session with a default timeout.

    Tweepy's Client takes no timeout and passes none to requests, which then waits forever on
    a stalled connection and would hang the worker's task with it.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


class _RedactBearerTokens(logging.Filter):
    """Hides bearer tokens in log records.

    Tweepy logs every request's headers, Authorization included, at DEBUG level: anyone who
    turns on debug logging would otherwise write the token into the logs.
    """

    _BEARER = re.compile(r"(Bearer\s+)[^\s'\",}]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._BEARER.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def _install_log_redaction() -> None:
    tweepy_log = logging.getLogger("tweepy.client")
    if not any(isinstance(f, _RedactBearerTokens) for f in tweepy_log.filters):
        tweepy_log.addFilter(_RedactBearerTokens())


_install_log_redaction()


class _SinceIdOutsideWindow(SourceError):
    """X refused since_id because that tweet is older than the seven-day search window."""


def timeout_seconds(settings: Mapping[str, object]) -> float:
    """X_TIMEOUT_SECONDS from the settings, checked; the default when unset or empty."""
    return number_setting(
        settings, "X_TIMEOUT_SECONDS", default=DEFAULT_TIMEOUT_SECONDS, minimum=1, unit="seconds"
    )


def search_query(hashtag: str, lang: str | None) -> str:
    """Recent search's query for original posts carrying ``#hashtag``, in ``lang`` (a code as
    ``core.languages.primary_language`` writes it) when given."""
    query = f"#{hashtag} -is:retweet"
    if lang:
        query += " " + _X_LANGUAGE_OPERATORS.get(lang, f"lang:{lang}")
    return query


class XSource:
    """Searches X's recent tweets (no retweets, in the job's language) by hashtag."""

    name = "x"

    def __init__(
        self,
        *,
        bearer_token: str | None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Clock = utc_now,
    ) -> None:
        self._token = (bearer_token or "").strip() or None
        self._timeout = timeout
        self._clock = clock
        self._client: tweepy.Client | None = None
        if self._token is not None:
            # wait_on_rate_limit=False: on a 429 Tweepy would sleep inside the task for up
            # to 15 minutes; raising SourceRateLimited lets the task be retried at reset time.
            self._client = tweepy.Client(bearer_token=self._token, wait_on_rate_limit=False)
            self._client.session = _TimeoutSession(timeout)

    def __repr__(self) -> str:
        return f"XSource(configured={self._client is not None}, timeout={self._timeout})"

    def fetch_page(
        self,
        hashtag: str,
        *,
        page_size: int,
        since_id: str | None = None,
        page_token: str | None = None,
        lang: str | None = "en",
    ) -> Page:
        """Return one page of recent tweets carrying `#hashtag`, newest first.

        X returns 10 to 100 tweets a page: `page_size` is clamped to that range. With `lang`,
        X is asked for that language only (`lang:en`): X charges per post read, so posts the
        job would not score are not paid for.
        """
        if self._client is None:
            raise SourceAuthError(NO_CREDENTIALS_MESSAGE)
        params = {
            "query": search_query(hashtag, lang),
            "max_results": min(max(page_size, MIN_PAGE_SIZE), MAX_PAGE_SIZE),
            "expansions": "author_id",
            "user_fields": "username",
            "tweet_fields": "created_at,lang",
            "next_token": page_token,
            "since_id": since_id,
        }
        try:
            response = self._search(params)
        except _SinceIdOutsideWindow:
            # The saved since_id is older than anything recent search can return, so every
            # tweet it can return is newer: asking again without it gives exactly those.
            log.info("since_id %s is outside X's search window; searching without it", since_id)
            response = self._search({**params, "since_id": None})
        return _page_from(response)

    def _search(self, params: dict) -> tweepy.Response:
        """Call recent search, turning every failure into one of the source errors."""
        try:
            return self._client.search_recent_tweets(**params)
        except tweepy.TooManyRequests as exc:
            reset_at = _reset_time(exc) or self._clock() + RATE_LIMIT_FALLBACK
            raise SourceRateLimited(
                f"X rate limit reached (429{self._detail(exc)}); "
                f"it resets at {reset_at:%Y-%m-%d %H:%M:%S} UTC.",
                reset_at=reset_at,
            ) from exc
        except tweepy.Unauthorized as exc:
            raise SourceAuthError(
                "X rejected the bearer token (401 Unauthorized): check that X_BEARER_TOKEN is "
                "the app's current bearer token."
            ) from exc
        except tweepy.Forbidden as exc:
            raise SourceAuthError(
                f"X refused the search (403 Forbidden{self._detail(exc)}): the app's access "
                "level may not include recent search."
            ) from exc
        except tweepy.TwitterServerError as exc:
            raise SourceUnavailable(
                f"X is having trouble ({exc.response.status_code} {exc.response.reason})."
            ) from exc
        except tweepy.HTTPException as exc:
            if params.get("since_id") and _rejects_parameter(exc, "since_id"):
                raise _SinceIdOutsideWindow(str(exc)) from exc
            raise SourceError(
                f"X rejected the search ({exc.response.status_code} {exc.response.reason}"
                f"{self._detail(exc)})."
            ) from exc
        except requests.Timeout as exc:
            raise SourceUnavailable(f"X did not answer within {self._timeout:g} s.") from exc
        except requests.ConnectionError as exc:
            raise SourceUnavailable("Could not connect to X.") from exc
        except requests.RequestException as exc:
            raise SourceUnavailable(f"The request to X failed ({type(exc).__name__}).") from exc

    def _detail(self, exc: tweepy.HTTPException) -> str:
        """X's own explanation of an error, for a person to read; empty when it gave none."""
        text = "; ".join(message for message in exc.api_messages if isinstance(message, str))
        if self._token:  # X never echoes the token, but a message must never carry it
            text = text.replace(self._token, "[redacted]")
        return f": {text}" if text else ""


def _reset_time(exc: tweepy.TooManyRequests) -> datetime | None:
    reset = exc.reset_time
    if reset is None:
        return None
    return datetime.fromtimestamp(reset, UTC)


def _rejects_parameter(exc: tweepy.HTTPException, name: str) -> bool:
    """Whether X's error names `name` among the invalid request parameters."""
    return any(
        isinstance(error, dict) and name in (error.get("parameters") or {})
        for error in exc.api_errors
    )


def _page_from(response: tweepy.Response) -> Page:
    usernames = {user.id: user.username for user in response.includes.get("users", [])}
    tweets = [_fetched(tweet, usernames) for tweet in response.data or []]
    tweets.sort(key=lambda tweet: int(tweet.source_id), reverse=True)
    return Page(tweets=tweets, next_token=response.meta.get("next_token"))


def _fetched(tweet: tweepy.Tweet, usernames: Mapping[int, str]) -> FetchedTweet:
    username = usernames.get(tweet.author_id)
    # X leaves out authors it cannot show (suspended, protected); its /i/web/ link still works.
    url = (
        f"https://x.com/{username}/status/{tweet.id}"
        if username
        else f"https://x.com/i/web/status/{tweet.id}"
    )
    return FetchedTweet(
        source_id=str(tweet.id),
        username=username or f"id:{tweet.author_id}",
        text=tweet.text,
        created_at=tweet.created_at or _created_at_from_id(tweet.id),
        url=url,
        lang=tweet.lang,
    )


def _created_at_from_id(tweet_id: int) -> datetime:
    """X ids are snowflakes: their top bits are the creation time."""
    milliseconds = (tweet_id >> 22) + _TWITTER_EPOCH_MS
    return datetime.fromtimestamp(milliseconds / 1000, UTC)
