"""The `mastodon` source: public hashtag timelines (`GET /api/v1/timelines/tag/:hashtag`) of one or
more Mastodon servers, through requests.

Settings: MASTODON_INSTANCES (comma-separated base URLs; a bare host means https),
MASTODON_ACCESS_TOKEN (optional: for servers whose timelines need an account; a bare token is
sent to the first server only, `host=token` entries to the server named), MASTODON_TIMEOUT_SECONDS.
No token ever appears in a message, log line or exception text this module makes.

Posts are HTML; they are turned into the plain text a person reads (`mastodon_html`). A post
seen through several servers is one post: its id is made from its URI and creation time
(`time_ordered_id`), so it is stored once and ids still order by time for incremental runs.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import requests

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
from .mastodon_html import plain_text
from .settings import number_setting

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 40  # what the tag timeline accepts as limit
DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_INSTANCES = "https://mastodon.social"
RATE_LIMIT_FALLBACK = timedelta(seconds=60)
MAX_WAIT_FOR_RESET = timedelta(seconds=5)
"""A server that says its limit resets this soon is waited for; later, the job is retried."""
_EXHAUSTED = "-"
_HOST = re.compile(r"(?:(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


def timeout_seconds(settings: Mapping[str, object]) -> float:
    return number_setting(settings, "MASTODON_TIMEOUT_SECONDS",
                          default=DEFAULT_TIMEOUT_SECONDS, minimum=1, unit="seconds")


@dataclass(frozen=True)
class Server:
    base_url: str
    """Scheme and host (and port), no trailing slash."""
    token: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc


def parse_instances(instances: str | None, tokens: str | None = None) -> list[Server]:
    """MASTODON_INSTANCES and MASTODON_ACCESS_TOKEN as servers; SourceError when unusable."""
    servers: list[Server] = []
    for entry in (instances or "").split(","):
        entry = entry.strip().rstrip("/")
        if not entry:
            continue
        if "://" not in entry:
            entry = f"https://{entry}"
        parts = urlsplit(entry)
        if parts.scheme not in ("http", "https") or not _HOST.fullmatch(parts.netloc) \
                or parts.query:
            raise SourceError(f"MASTODON_INSTANCES has an entry that is not a server URL: "
                              f"{entry!r} (write e.g. mastodon.social or https://fosstodon.org)")
        base = f"{parts.scheme}://{parts.netloc}"
        if base not in [s.base_url for s in servers]:
            servers.append(Server(base))
    if not servers:
        raise SourceError("The Mastodon source needs MASTODON_INSTANCES: one or more server "
                          "URLs, comma-separated (e.g. mastodon.social).")
    return _with_tokens(servers, tokens)


def _with_tokens(servers: list[Server], tokens: str | None) -> list[Server]:
    by_host: dict[str, str] = {}
    for entry in (tokens or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        host, sep, token = entry.partition("=")
        if sep and ("." in host or ":" in host):
            by_host[urlsplit(host if "://" in host else f"//{host}").netloc] = token.strip()
        else:  # a bare token: the first server's, never sent anywhere else
            by_host.setdefault(servers[0].host, entry)
    return [Server(s.base_url, by_host.get(s.host) or None) for s in servers]


class MastodonSource:
    """Reads the public timeline of a hashtag on each configured server, merged."""

    name = "mastodon"

    def __init__(self, *, servers: list[Server], timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 clock: Clock = utc_now, sleep: Callable[[float], None] = time.sleep) -> None:
        self._servers = servers
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "tagpulse (hashtag sentiment; +README)"
        self._blocked_until: dict[str, datetime] = {}

    def __repr__(self) -> str:
        return f"MastodonSource(servers={[s.base_url for s in self._servers]})"

    def fetch_page(self, hashtag: str, *, page_size: int, since_id: str | None = None,
                   page_token: str | None = None, lang: str | None = None) -> Page:
        """One page from every server not yet read to its end, merged, newest first.

        Each server gives up to 40 posts a request. The page token holds where each server's
        next page starts (its own `max_id`, from the `Link` header). `since_id` becomes each
        server's `since_id` (Mastodon ids begin with their creation time); posts not newer
        than it are dropped here too. Reblogs are skipped. The timelines have no language
        filter: `lang` is left to the pipeline.
        """
        cursors = _decode_token(page_token, len(self._servers))
        limit = max(1, min(page_size, MAX_PAGE_SIZE))
        posts: dict[str, FetchedTweet] = {}
        next_cursors: list[str] = []
        for server, cursor in zip(self._servers, cursors, strict=True):
            if cursor == _EXHAUSTED:
                next_cursors.append(_EXHAUSTED)
                continue
            statuses, next_max_id = self._timeline(server, hashtag, limit=limit,
                                                   max_id=cursor or None, since_id=since_id)
            for status in statuses:
                post = _post_from(status, server)
                if post is not None and (since_id is None or int(post.source_id) > int(since_id)):
                    posts.setdefault(post.source_id, post)
            next_cursors.append(next_max_id if statuses and next_max_id else _EXHAUSTED)
        tweets = sorted(posts.values(), key=lambda p: int(p.source_id), reverse=True)
        more = any(cursor != _EXHAUSTED for cursor in next_cursors)
        return Page(tweets=tweets, next_token=",".join(next_cursors) if more else None)

    def _timeline(self, server: Server, hashtag: str, *, limit: int, max_id: str | None,
                  since_id: str | None) -> tuple[list[dict], str | None]:
        """One request to one server: its statuses and the max_id of its next page."""
        self._wait_for_rate_limit(server)
        params: dict[str, object] = {"limit": limit}
        if max_id:
            params["max_id"] = max_id
        if since_id:
            # Mastodon ids are the creation time in ms shifted 16 bits left, plus a sequence.
            params["since_id"] = str(int(time_of_id(since_id).timestamp() * 1000) << 16)
        headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
        url = f"{server.base_url}/api/v1/timelines/tag/{quote(hashtag, safe='')}"
        try:
            response = self._session.get(url, params=params, headers=headers,
                                         timeout=self._timeout)
        except requests.Timeout as exc:
            raise SourceUnavailable(
                f"Mastodon server {server.host} did not answer within {self._timeout:g} s."
            ) from exc
        except requests.ConnectionError as exc:
            raise SourceUnavailable(f"Could not connect to Mastodon server {server.host}.") from exc
        except requests.RequestException as exc:
            raise SourceUnavailable(
                f"The request to Mastodon server {server.host} failed ({type(exc).__name__})."
            ) from exc
        self._note_rate_limit(server, response)
        self._raise_for_status(server, response)
        try:
            statuses = response.json()
        except ValueError:
            raise SourceUnavailable(
                f"Mastodon server {server.host} sent an answer that is not JSON.") from None
        if not isinstance(statuses, list):
            raise SourceError(f"Mastodon server {server.host} sent an unexpected answer "
                              "(not a list of posts).")
        return [s for s in statuses if isinstance(s, dict)], _next_max_id(response)

    def _raise_for_status(self, server: Server, response: requests.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        what = f"{status} {response.reason}"
        detail = _error_detail(response, server.token)
        if status == 429:
            reset_at = _reset_time(response) or self._clock() + RATE_LIMIT_FALLBACK
            raise SourceRateLimited(
                f"Mastodon server {server.host} rate limit reached ({what}); it resets at "
                f"{reset_at:%Y-%m-%d %H:%M:%S} UTC.", reset_at=reset_at)
        if status in (401, 403):
            if server.token:
                advice = "check MASTODON_ACCESS_TOKEN for this server"
            else:
                advice = ("this server's timelines need an account: set MASTODON_ACCESS_TOKEN, "
                          "or list another server in MASTODON_INSTANCES")
            raise SourceAuthError(
                f"Mastodon server {server.host} refused the timeline ({what}{detail}): {advice}.")
        if status >= 500:
            raise SourceUnavailable(f"Mastodon server {server.host} is having trouble ({what}).")
        raise SourceError(f"Mastodon server {server.host} rejected the request ({what}{detail}).")

    def _note_rate_limit(self, server: Server, response: requests.Response) -> None:
        """Remember a spent budget (X-RateLimit-Remaining: 0) until its reset."""
        if response.headers.get("X-RateLimit-Remaining", "").strip() == "0":
            reset_at = _reset_time(response)
            if reset_at is not None:
                self._blocked_until[server.host] = reset_at

    def _wait_for_rate_limit(self, server: Server) -> None:
        """Before asking a server whose budget is spent: wait briefly, or retry the job later."""
        until = self._blocked_until.get(server.host)
        if until is None:
            return
        wait = until - self._clock()
        if wait > MAX_WAIT_FOR_RESET:
            raise SourceRateLimited(
                f"Mastodon server {server.host} rate limit reached; it resets at "
                f"{until:%Y-%m-%d %H:%M:%S} UTC.", reset_at=until)
        if wait > timedelta(0):
            self._sleep(wait.total_seconds())
        del self._blocked_until[server.host]


def _decode_token(token: str | None, servers: int) -> list[str]:
    if token is None:
        return [""] * servers
    cursors = token.split(",")
    if len(cursors) != servers or not all(c == _EXHAUSTED or c.isdigit() for c in cursors):
        raise SourceError(f"invalid page token for the mastodon source: {token!r}")
    return cursors


def _next_max_id(response: requests.Response) -> str | None:
    """The max_id of the `Link: <...?max_id=...>; rel="next"` header, if any."""
    link = response.links.get("next", {}).get("url")
    if not link:
        return None
    values = parse_qs(urlsplit(link).query).get("max_id")
    return values[0] if values and values[0].isdigit() else None


def _reset_time(response: requests.Response) -> datetime | None:
    """X-RateLimit-Reset: Mastodon sends an ISO 8601 time; some servers, epoch seconds."""
    raw = response.headers.get("X-RateLimit-Reset", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return datetime.fromtimestamp(int(raw), UTC)
    try:
        reset = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return reset if reset.tzinfo else reset.replace(tzinfo=UTC)


def _error_detail(response: requests.Response, token: str | None) -> str:
    try:
        text = response.json().get("error", "")
    except (ValueError, AttributeError):
        return ""
    if not isinstance(text, str) or not text:
        return ""
    if token:
        text = text.replace(token, "[redacted]")
    return f": {text[:200]}"


def _post_from(status: dict, server: Server) -> FetchedTweet | None:
    """A status as a post; None for a reblog (as X's retweets are skipped) or a malformed one."""
    if status.get("reblog"):
        return None
    uri, created = status.get("uri"), _parse_time(status.get("created_at"))
    account = status.get("account") or {}
    if not isinstance(uri, str) or not uri or created is None:
        log.info("skipping a malformed status from %s", server.host)
        return None
    acct = str(account.get("acct") or account.get("username") or "unknown")
    if "@" not in acct:  # a local account of the server it came through
        acct = f"{acct}@{server.host}"
    warning = (status.get("spoiler_text") or "").strip() or None
    return FetchedTweet(
        source_id=time_ordered_id(created, uri),
        username=acct,
        text=plain_text(status.get("content") or ""),
        created_at=created,
        url=status.get("url") or uri,
        lang=status.get("language") or None,
        content_warning=warning,
    )


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
