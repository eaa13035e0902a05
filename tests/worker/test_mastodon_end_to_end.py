"""A `mastodon` job through the real stack: API -> broker -> a real worker process, whose real
Mastodon client reads a Mastodon-shaped server on loopback (MASTODON_INSTANCES) -> database.

The server's answers are composed from Mastodon's API documentation, not recorded. Runs on the
embedded defaults and on Redis + PostgreSQL, like the other end-to-end tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.fake_mastodon import make_status

pytestmark = pytest.mark.stack

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def fill(server, tag: str) -> None:
    """45 English posts (two pages of 40), two German ones, a reblog and one with a CW."""
    posts = [make_status(host=server.host, number=n, created_at=T0 + timedelta(minutes=n),
                         content=f"<p>I love this, what a great day number {n} "
                                 f'<a href="https://x.test/tags/{tag}" class="mention hashtag">'
                                 f"#<span>{tag}</span></a></p>") for n in range(45)]
    posts += [make_status(host=server.host, number=100 + n, language="de",
                          created_at=T0 + timedelta(minutes=50 + n),
                          content=f"<p>Das ist wirklich schön, ich freue mich {n}</p>")
              for n in range(2)]
    posts.append(make_status(host=server.host, number=200, created_at=T0 + timedelta(hours=2),
                             content="", reblog=posts[0], username="booster"))
    posts.append(make_status(host=server.host, number=300, created_at=T0 + timedelta(hours=3),
                             content="<p>terrible, awful news</p>", spoiler_text="news"))
    server.add(tag, *posts)


def test_a_mastodon_job_reads_the_server_and_scores_only_english(stack, fake_mastodon):
    tag = f"e2e{uuid.uuid4().hex[:8]}"
    fill(fake_mastodon, tag)
    job_id = stack.submit(f"#{tag}", source="mastodon", limit=100)
    job = stack.wait_for_job(job_id, timeout=90)
    assert job["status"] == "done", job
    assert job["source"] == "mastodon"
    assert sum(job["counts"].values()) == 46  # 45 + the one behind a content warning
    assert job["not_scored"] == {"language": 2}
    assert job["progress"]["fetched"] == 48  # the reblog was never a post
    tweets = stack.client().get(f"/api/jobs/{job_id}/tweets?per_page=100").get_json()
    assert tweets["total"] == 48
    german = [t for t in tweets["results"] if t["lang"] == "de"]
    assert len(german) == 2
    assert all(t["label"] is None and t["not_scored"] == "language" for t in german)
    warned = [t for t in tweets["results"] if t["content_warning"]]
    assert [(t["content_warning"], t["text"]) for t in warned] == [
        ("news", "terrible, awful news")]
    assert all(t["username"].endswith(f"@{fake_mastodon.host}") for t in tweets["results"])
    requested = [r for r in fake_mastodon.requests if tag in r.path]
    assert [r.params.get("limit") for r in requested][:2] == ["40", "40"]
    assert "max_id" in requested[1].params
