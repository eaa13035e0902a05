"""Fixtures for the tweet-source tests: replayed X API responses, a fake token, a fixed clock."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vcr

from worker.sources import TweetSource, get_source

CASSETTES = Path(__file__).parent / "cassettes"

RECORDED_AT = datetime(2026, 11, 24, 9, 45, 12, tzinfo=UTC)

_X_API = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    # Replay only: a request the cassette does not hold fails the test instead of going out.
    record_mode="none",
    # Requests must match on their query string too, so since_id and next_token are checked.
    match_on=("method", "scheme", "host", "port", "path", "query"),
    # Were a cassette ever re-recorded, the bearer token must not be written into it.
    filter_headers=["authorization"],
    decode_compressed_response=True,
)


@pytest.fixture
def fake_token() -> str:
    """A bearer token shaped like X's, so a leak of it into text would be easy to spot."""
    return "AAAAAAAAAAAAAAAAAAAAAFakeTokenForTagpulseTests%2Fnot0real0at0all0ZZZZZZZZZZZZ"


@pytest.fixture
def recorded_at() -> datetime:
    """When the X cassettes were made; the X source's clock stands still there."""
    return RECORDED_AT


@pytest.fixture
def cassettes_dir() -> Path:
    return CASSETTES


@pytest.fixture
def x_replay() -> Callable[[str], AbstractContextManager]:
    """`with x_replay("x_two_pages.yaml") as cassette:` replays that recorded conversation."""
    return _X_API.use_cassette


@pytest.fixture
def x_source(fake_token: str) -> TweetSource:
    return get_source("x", settings={"X_BEARER_TOKEN": fake_token}, clock=lambda: RECORDED_AT)
