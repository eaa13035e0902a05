"""Fault tests share one rule: whatever broke, every accepted job ends done or failed, and the
X token appears in no process's log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.fake_mastodon import FakeMastodon, make_status
from tests.support.faults import FAKE_X_TOKEN

SLOW_TAGS = ("slowpoke", "snail", "sloth", "tortoise")
SLOW_POSTS = 1000
T0 = datetime(2026, 11, 27, tzinfo=UTC)


def assert_no_token_in_logs(stack) -> None:
    assert FAKE_X_TOKEN not in stack.logs()


@pytest.fixture
def check_logs():
    return assert_no_token_in_logs


@pytest.fixture
def slow_mastodon():
    """A Mastodon server with 1,000 posts for each of SLOW_TAGS, 40 a page and 0.15 s a page:
    a 1,000-post job takes ~4 s, so it is still running when a test kills its worker or cuts its
    database (from the sample corpus the whole job takes about half a second). One per test,
    with a rate-limit budget no test reaches."""
    with FakeMastodon(page_delay=0.15, rate_limit=5000) as server:
        words = ("great", "awful", "fine", "terrible", "lovely")
        for t, tag in enumerate(SLOW_TAGS):
            server.add(tag, *(
                make_status(host=server.host, number=t * SLOW_POSTS + i,
                            created_at=T0 - timedelta(seconds=t * SLOW_POSTS + i),
                            content=f"<p>post {i} about <a href='#'>#{tag}</a>: "
                                    f"{words[i % len(words)]}</p>")
                for i in range(1, SLOW_POSTS + 1)))
        yield server

