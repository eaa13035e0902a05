"""The `bluesky` source: `app.bsky.feed.searchPosts` for the hashtag, newest first, through the
`atproto` SDK, signed in with an account's app password.

Settings: BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (required), BLUESKY_SERVICE_URL (default
https://bsky.social), BLUESKY_TIMEOUT_SECONDS. The password never appears in any message, log
line or exception text this module makes.

Logins (`com.atproto.server.createSession`) are rate-limited by the service, so a signed-in
client is kept per process and account and reused across pages and jobs; the SDK refreshes its
session when the access token nears expiry.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from atproto import Client
from atproto_client import exceptions as at
from atproto_client.request import Request

from .base import (
    Clock,
    FetchedTweet,
    Page,
    SourceAuthError,
    SourceError,
    SourceRateLimited,
    SourceUnavailable,
    time_of_id,
    time_ordered_id,
    utc_now,
)
from .settings import number_setting

log = logging.getLogger(__name__)

DEFAULT_SERVICE_URL = "https://bsky.social"
DEFAULT_TIMEOUT_SECONDS = 15.0
MAX_PAGE_SIZE = 100  # searchPosts' limit
RATE_LIMIT_FALLBACK = timedelta(seconds=60)

NO_CREDENTIALS_MESSAGE = (
    "The Bluesky source needs BLUESKY_HANDLE and BLUESKY_APP_PASSWORD: an account's handle and "
    "an app password made for tagpulse (Settings > Privacy and security > App passwords)."
)

_clients: dict[tuple[str, str, str], Client] = {}
_clients_lock = threading.Lock()


def timeout_seconds(settings: Mapping[str, object]) -> float:
    return number_setting(settings, "BLUESKY_TIMEOUT_SECONDS",
                          default=DEFAULT_TIMEOUT_SECONDS, minimum=1, unit="seconds")


def forget_sessions() -> None:
    """Drop every cached signed-in client (tests; a changed password)."""
    with _clients_lock:
        _clients.clear()


class BlueskySource:
    """Searches Bluesky posts carrying the hashtag."""

    name = "bluesky"

    def __init__(self, *, handle: str | None, app_password: str | None,
                 service_url: str | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 clock: Clock = utc_now) -> None:
        self._handle = (handle or "").strip().lstrip("@") or None
        self._password = (app_password or "").strip() or None
        self._service_url = (service_url or DEFAULT_SERVICE_URL).rstrip("/")
        self._timeout = timeout
        self._clock = clock

    def __repr__(self) -> str:
        return f"BlueskySource(handle={self._handle!r}, service_url={self._service_url!r})"

    def fetch_page(self, hashtag: str, *, page_size: int, since_id: str | None = None,
                   page_token: str | None = None, lang: str | None = None) -> Page:
        """One page of posts carrying `#hashtag`, newest first (sort=latest).

        `since_id` becomes `since` (the time its post was indexed) and posts not newer than it
        are dropped; `lang` is passed to the search, which filters by the posts' `langs`.
        """
        params: dict[str, object] = {"q": f"#{hashtag}", "sort": "latest",
                                     "limit": max(1, min(page_size, MAX_PAGE_SIZE))}
        if page_token:
            params["cursor"] = page_token
        if since_id:
            params["since"] = time_of_id(since_id).isoformat().replace("+00:00", "Z")
        if lang:
            params["lang"] = lang
        response = self._call(lambda client: client.app.bsky.feed.search_posts(params=params))
        posts = [post for post in (_post_from(view) for view in response.posts or [])
                 if post is not None
                 and (since_id is None or int(post.source_id) > int(since_id))]
        posts.sort(key=lambda post: int(post.source_id), reverse=True)
        # An empty page ends the search even if a cursor came with it.
        next_token = response.cursor if response.posts else None
        return Page(tweets=list({p.source_id: p for p in posts}.values()), next_token=next_token)

    def _call(self, request):
        """Run ``request(client)`` with the cached signed-in client, mapping every failure to
        a source error; an expired session is signed in again once."""
        client = self._client()
        try:
            try:
                return request(client)
            except at.UnauthorizedError:
                # The cached session may have been revoked or expired beyond refresh.
                self._drop_client()
                return request(self._client())
        except at.UnauthorizedError as exc:
            raise SourceAuthError(
                f"Bluesky refused the search ({_status(exc)}): check BLUESKY_HANDLE and "
                "BLUESKY_APP_PASSWORD.") from None
        except at.RateLimitExceededError as exc:
            raise self._rate_limited(exc) from None
        except at.BadRequestError as exc:
            raise SourceError(f"Bluesky rejected the search ({self._detail(exc)}).") from None
        except at.InvokeTimeoutError:
            raise SourceUnavailable(
                f"Bluesky did not answer within {self._timeout:g} s.") from None
        except at.NetworkError as exc:
            raise SourceUnavailable(f"Could not reach Bluesky ({self._detail(exc)}).") from None
        except at.RequestException as exc:
            raise SourceUnavailable(f"Bluesky is having trouble ({self._detail(exc)}).") from None
        except at.ModelError:
            raise SourceUnavailable("Bluesky sent an answer in an unexpected shape.") from None

    def _key(self) -> tuple[str, str, str]:
        return (self._service_url, self._handle or "", self._password or "")

    def _client(self) -> Client:
        if not (self._handle and self._password):
            raise SourceAuthError(NO_CREDENTIALS_MESSAGE)
        with _clients_lock:
            client = _clients.get(self._key())
            if client is None:
                client = self._login()
                _clients[self._key()] = client
            return client

    def _drop_client(self) -> None:
        with _clients_lock:
            _clients.pop(self._key(), None)

    def _login(self) -> Client:
        client = Client(base_url=self._service_url, request=Request(timeout=self._timeout))
        try:
            client.login(self._handle, self._password, fetch_bsky_profile=False)
        except at.UnauthorizedError as exc:
            raise SourceAuthError(
                f"Bluesky refused to sign in as {self._handle} ({_status(exc)}): check "
                "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password, not the account's "
                "own).") from None
        except at.RateLimitExceededError as exc:
            raise self._rate_limited(exc) from None
        except at.BadRequestError as exc:
            # createSession answers 400 AuthenticationRequired to a wrong handle or password.
            raise SourceAuthError(
                f"Bluesky refused to sign in as {self._handle} ({self._detail(exc)}): check "
                "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD.") from None
        except at.InvokeTimeoutError:
            raise SourceUnavailable(
                f"Bluesky did not answer within {self._timeout:g} s.") from None
        except (at.NetworkError, at.RequestException) as exc:
            raise SourceUnavailable(
                f"Could not sign in to Bluesky ({self._detail(exc)}).") from None
        log.info("signed in to %s as %s", self._service_url, self._handle)
        return client

    def _rate_limited(self, exc: at.RateLimitExceededError) -> SourceRateLimited:
        reset_at = exc.reset_at or self._clock() + RATE_LIMIT_FALLBACK
        return SourceRateLimited(
            f"Bluesky rate limit reached (429); it resets at {reset_at:%Y-%m-%d %H:%M:%S} UTC.",
            reset_at=reset_at)

    def _detail(self, exc: Exception) -> str:
        text = str(exc) or type(exc).__name__
        if self._password:
            text = text.replace(self._password, "[redacted]")
        return text[:200]


def _status(exc: at.RequestErrorBase) -> str:
    return str(exc.response.status_code) if exc.response is not None else "no answer"


def _post_from(view) -> FetchedTweet | None:
    """A PostView as a post; its id orders by when Bluesky indexed it (createdAt is set by the
    author's app and may be anywhere in time)."""
    record = view.record
    text = getattr(record, "text", None)
    indexed = _parse_time(view.indexed_at)
    if text is None or indexed is None:
        return None
    created = _parse_time(getattr(record, "created_at", None)) or indexed
    handle = view.author.handle
    rkey = view.uri.rsplit("/", 1)[-1]
    langs = getattr(record, "langs", None) or []
    return FetchedTweet(
        source_id=time_ordered_id(indexed, view.uri),
        username=handle,
        text=text,
        created_at=created,
        url=f"https://bsky.app/profile/{handle}/post/{rkey}",
        lang=langs[0] if langs else None,
    )


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
