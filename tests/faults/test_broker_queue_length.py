"""Reading the broker's queue length, which the reaper's republishing relies on."""

from __future__ import annotations

import pytest

from tests.support.env import embedded_env, patched_environ, temporary_redis_db


@pytest.mark.parametrize("waiting", [0, 2])
def test_the_queue_length_is_read_from_redis_even_when_the_queue_is_empty(tmp_path, waiting):
    from webapp import create_app
    from worker.tasks import broker_queue_is_empty

    with temporary_redis_db() as redis_url, patched_environ(
            {**embedded_env(tmp_path / "instance"), "REDIS_URL": redis_url}):
        app = create_app({"TESTING": True})
        celery = app.extensions["celery"]
        with app.app_context():
            for _ in range(waiting):
                celery.send_task("tagpulse.nothing", args=[])
            # Redis deletes an empty list: the queue "does not exist" when it is empty.
            assert broker_queue_is_empty() is (waiting == 0)
