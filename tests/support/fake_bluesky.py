"""A small Bluesky-shaped XRPC server on loopback, so the real `atproto` SDK runs against it.

Composed from the AT Protocol / Bluesky API documentation, not recorded (tests have no
internet): `com.atproto.server.createSession` (identifier + password -> accessJwt, refreshJwt,
handle, did; 401 AuthenticationRequired for a wrong password) and `app.bsky.feed.searchPosts`
(q, sort, limit, cursor, since, lang -> {posts: [PostView], cursor}); a PostView has uri, cid,
author {did, handle}, record {$type app.bsky.feed.post, text, createdAt, langs}, indexedAt.
Faults (a status, headers, a body) can be queued for the next search requests.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def _jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.c2lnbmF0dXJl"


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_post(number: int, text: str, *, when: datetime, handle: str = "alice.bsky.social",
              langs: list[str] | None = None) -> dict:
    did = f"did:plc:{handle.split('.')[0]:a<24}"[:32]
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": iso(when)}
    if langs is not None:
        record["langs"] = langs
    return {"uri": f"at://{did}/app.bsky.feed.post/3kpost{number:07d}",
            "cid": f"bafyreib{number:052d}",
            "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0]},
            "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 0,
            "indexedAt": iso(when), "labels": []}


@dataclass
class Fault:
    status: int = 500
    body: dict = field(default_factory=lambda: {"error": "InternalServerError",
                                                "message": "Internal Server Error"})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeBluesky:
    """``with FakeBluesky() as server:`` answers at ``server.url`` (BLUESKY_SERVICE_URL)."""

    def __init__(self, handle: str = "tagpulse.bsky.social") -> None:
        # An app password's shape; made up for these tests.
        self.handle, self.password = handle, "-".join(["abcd", "efgh", "ijkl", "mnop"])
        self.posts: list[dict] = []  # newest first
        self.faults: list[Fault] = []
        self.logins = 0
        self.searches: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeBluesky:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, *posts: dict) -> None:
        with self._lock:
            self.posts.extend(posts)
            self.posts.sort(key=lambda p: p["indexedAt"], reverse=True)

    def create_session(self, body: dict) -> tuple[int, dict, dict]:
        if body.get("identifier") != self.handle or body.get("password") != self.password:
            return 401, {}, {"error": "AuthenticationRequired",
                             "message": "Invalid identifier or password"}
        self.logins += 1
        now = int(time.time())
        did = "did:plc:tagpulsetestaccount00000"
        return 200, {}, {
            "accessJwt": _jwt({"scope": "com.atproto.appPass", "sub": did, "iat": now,
                               "exp": now + 7200, "aud": "did:web:127.0.0.1"}),
            "refreshJwt": _jwt({"scope": "com.atproto.refresh", "sub": did, "iat": now,
                                "exp": now + 90 * 86400, "jti": f"r{now}"}),
            "handle": self.handle, "did": did, "active": True}

    def search(self, params: dict[str, str], authorization: str | None) -> tuple[int, dict, dict]:
        self.searches.append(params)
        if self.faults:
            fault = self.faults.pop(0)
            if fault.delay:
                time.sleep(fault.delay)
            return fault.status, fault.headers, fault.body
        if not (authorization or "").startswith("Bearer "):
            return 401, {}, {"error": "AuthMissing", "message": "Authentication Required"}
        q, limit = params.get("q", ""), int(params.get("limit", 25))
        start = int(params.get("cursor", 0))
        found = [p for p in self.posts if q.casefold() in p["record"]["text"].casefold()]
        if "since" in params:
            found = [p for p in found if p["indexedAt"] >= params["since"]]
        if "lang" in params:
            found = [p for p in found if params["lang"] in p["record"].get("langs", [])]
        chunk = found[start:start + limit]
        body: dict = {"posts": chunk}
        if start + limit < len(found):
            body["cursor"] = str(start + limit)
        return 200, {}, body

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, headers: dict, body: dict) -> None:
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if urlsplit(self.path).path == "/xrpc/com.atproto.server.createSession":
                    self._send(*fake.create_session(body))
                else:
                    self._send(404, {}, {"error": "MethodNotImplemented"})

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/xrpc/app.bsky.feed.searchPosts":
                    self._send(*fake.search(params, self.headers.get("Authorization")))
                else:
                    self._send(404, {}, {"error": "MethodNotImplemented"})

            def log_message(self, *args) -> None:
                pass

        return Handler
