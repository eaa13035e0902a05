"""The worker's main process reads the sample corpus once, before it forks its pool."""

from __future__ import annotations

import gc

import pytest

from worker.sources.sample_corpus import load_corpus
from worker.tasks import share_the_sample_corpus


@pytest.fixture
def fresh_corpus_cache():
    load_corpus.cache_clear()
    yield
    gc.unfreeze()  # the handler froze this test process's objects: give them back to the GC


def test_the_corpus_is_read_and_frozen_before_the_fork_when_sample_is_the_default(
        app, fresh_corpus_cache) -> None:
    app.config["DEFAULT_SOURCE"] = "sample"
    share_the_sample_corpus()
    assert load_corpus.cache_info().currsize == 1
    assert gc.get_freeze_count() > 0


def test_a_worker_whose_default_is_another_source_does_not_read_it(
        app, fresh_corpus_cache) -> None:
    app.config["DEFAULT_SOURCE"] = "mastodon"
    share_the_sample_corpus()
    assert load_corpus.cache_info().currsize == 0
    assert gc.get_freeze_count() == 0
