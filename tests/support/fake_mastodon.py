"""A small Mastodon-shaped HTTP server on loopback, so the real `mastodon` source code runs.

Composed from Mastodon's REST API documentation, not recorded from a real server (tests have no
internet): `GET /api/v1/timelines/tag/:hashtag` with `limit` (default 20, at most 40),
`max_id`, `since_id` and `min_id`; answers are arrays of Status entities (id, uri, url,
created_at, content as HTML, spoiler_text, language, reblog, account{id, username, acct, ...});
a `Link` header with `rel="next"` (max_id) and `rel="prev"` (min_id) links when there are
results; `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (ISO 8601) on
every answer. Faults (a status code, headers, a delay) can be queued for the next requests.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

TAG_TIMELINE = "/api/v1/timelines/tag/"
RATE_LIMIT = 300


def snowflake(created_at: datetime, sequence: int = 0) -> str:
    """A Mastodon status id: creation time in milliseconds, shifted 16 bits, plus a sequence."""
    return str((int(created_at.timestamp() * 1000) << 16) + sequence)


def make_status(*, host: str, number: int, content: str, created_at: datetime,
                username: str = "alice", account_host: str | None = None,
                language: str | None = "en", spoiler_text: str = "", reblog: dict | None = None,
                uri: str | None = None) -> dict:
    """A Status entity as the docs describe it. ``account_host`` set: the author is remote
    (acct is user@domain), and the uri and url point at the author's own server."""
    home = account_host or host
    uri = uri or f"https://{home}/users/{username}/statuses/{number}"
    acct = f"{username}@{account_host}" if account_host else username
    return {
        "id": snowflake(created_at, number % 65536),
        "uri": uri,
        "url": uri.replace(f"/users/{username}/statuses/", f"/@{username}/"),
        "created_at": created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "account": {"id": str(1000 + len(username)), "username": username, "acct": acct,
                    "display_name": username.title(), "url": f"https://{home}/@{username}",
                    "locked": False, "bot": False},
        "content": content,
        "spoiler_text": spoiler_text,
        "sensitive": bool(spoiler_text),
        "visibility": "public",
        "language": language,
        "reblog": reblog,
        "in_reply_to_id": None,
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
        "media_attachments": [], "mentions": [], "tags": [], "emojis": [],
        "card": None, "poll": None, "edited_at": None,
    }


@dataclass
class Fault:
    """One scripted answer instead of the timeline."""

    status: int = 500
    body: object = field(default_factory=lambda: {"error": "Something went wrong"})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class SeenRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


class FakeMastodon:
    """``with FakeMastodon() as server:`` serves ``server.timelines[tag]`` at ``server.url``."""

    def __init__(self, host: str = "127.0.0.1", *, required_token: str | None = None,
                 page_delay: float = 0.0, rate_limit: int = RATE_LIMIT) -> None:
        self.timelines: dict[str, list[dict]] = {}
        # Seconds before each timeline page: a slow server, so a job stays in flight long
        # enough for a fault test to kill its worker mid-way (scoring itself takes ~0.5 s for
        # 1,000 posts).
        self.page_delay = page_delay
        self.faults: list[Fault] = []
        self.requests: list[SeenRequest] = []
        self.required_token = required_token
        self.rate_limit = rate_limit
        self.remaining = rate_limit
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeMastodon:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def add(self, tag: str, *statuses: dict) -> None:
        with self._lock:
            timeline = self.timelines.setdefault(tag.casefold(), [])
            timeline.extend(statuses)
            timeline.sort(key=lambda s: int(s["id"]), reverse=True)

    def answer(self, path: str, params: dict[str, str],
               headers: dict[str, str]) -> tuple[int, dict[str, str], object, float]:
        with self._lock:
            self.requests.append(SeenRequest(path, params, headers))
            if self.faults:
                fault = self.faults.pop(0)
                return fault.status, fault.headers, fault.body, fault.delay
            self.remaining = max(0, self.remaining - 1)
            reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat(timespec="milliseconds")
            rate = {"X-RateLimit-Limit": str(self.rate_limit),
                    "X-RateLimit-Remaining": str(self.remaining),
                    "X-RateLimit-Reset": reset.replace("+00:00", "Z")}
            if not path.startswith(TAG_TIMELINE):
                return 404, rate, {"error": "Record not found"}, 0.0
            if self.required_token and headers.get("authorization") != (
                    f"Bearer {self.required_token}"):
                return 401, rate, {"error": "The access token is invalid"}, 0.0
            tag = unquote(path[len(TAG_TIMELINE):]).casefold()
            statuses = self._select(self.timelines.get(tag, []), params)
        links = self._links(path, statuses)
        if links:
            rate["Link"] = links
        return 200, rate, statuses, self.page_delay

    @staticmethod
    def _select(timeline: list[dict], params: dict[str, str]) -> list[dict]:
        limit = min(int(params.get("limit", 20)), 40)
        chosen = timeline  # newest first
        if "max_id" in params:
            chosen = [s for s in chosen if int(s["id"]) < int(params["max_id"])]
        if "since_id" in params:
            chosen = [s for s in chosen if int(s["id"]) > int(params["since_id"])]
        if "min_id" in params:  # the page just after min_id, still sent newest first
            chosen = [s for s in chosen if int(s["id"]) > int(params["min_id"])][-limit:]
        return chosen[:limit]

    def _links(self, path: str, statuses: list[dict]) -> str:
        if not statuses:
            return ""
        base = f"{self.url}{path}"
        return (f'<{base}?{urlencode({"max_id": statuses[-1]["id"]})}>; rel="next", '
                f'<{base}?{urlencode({"min_id": statuses[0]["id"]})}>; rel="prev"')

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, body, delay = fake.answer(parts.path, params, headers)
                if delay:
                    time.sleep(delay)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in extra.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def log_message(self, *args) -> None:
                pass

        return Handler
