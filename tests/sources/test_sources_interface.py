"""What every caller relies on: the public names, `get_source`, `newer_id` and the errors."""

import pickle
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import worker.sources as sources
from worker.sources import (
    SOURCE_NAMES,
    SourceAuthError,
    SourceError,
    SourceRateLimited,
    SourceUnavailable,
    TweetSource,
    get_source,
    newer_id,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name",
    [
        "get_source", "SOURCE_NAMES", "FetchedTweet", "Page", "TweetSource", "SourceError",
        "SourceAuthError", "SourceRateLimited", "SourceUnavailable", "newer_id",
    ],
)  # fmt: skip
def test_exports_the_public_interface(name):
    assert hasattr(sources, name)


def test_sample_is_the_first_and_default_source():
    assert SOURCE_NAMES == ("sample", "mastodon", "bluesky", "x")


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_builds_every_named_source(name):
    source = get_source(name, settings={})

    assert isinstance(source, TweetSource)
    assert source.name == name


def test_rejects_an_unknown_source_by_name():
    with pytest.raises(SourceError, match="'myspace'.*sample, mastodon, bluesky, x"):
        get_source("myspace")


@pytest.mark.parametrize(
    ("a", "b", "newer"),
    [
        ("9", "10", "10"),
        ("10", "9", "10"),
        ("1796544318372184420", "1796544318372184419", "1796544318372184420"),
        ("42", "42", "42"),
        (None, "5", "5"),
        ("5", None, "5"),
        (None, None, None),
    ],
)
def test_newer_id_compares_ids_as_numbers(a, b, newer):
    assert newer_id(a, b) == newer


def test_auth_failures_are_permanent_source_errors():
    assert issubclass(SourceAuthError, SourceError)


@pytest.mark.parametrize("transient", [SourceRateLimited, SourceUnavailable])
def test_transient_failures_are_not_source_errors(transient):
    # A caller that fails the job on SourceError must not catch these by accident.
    assert not issubclass(transient, SourceError)


def test_rate_limit_error_survives_pickling_with_its_reset_time():
    # Celery pickles the exception when it retries a task.
    error = SourceRateLimited("slow down", reset_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, just made

    assert (str(copy), copy.reset_at) == (str(error), error.reset_at)


def test_sources_import_no_web_task_or_model_framework():
    probe = (
        "import sys, worker.sources, worker.sources.sample, worker.sources.x, "
        "worker.sources.mastodon, worker.sources.bluesky; "
        "print(sorted({'celery', 'flask', 'tensorflow', 'keras'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
