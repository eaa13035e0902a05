"""A job's message pushed straight onto Redis (``core.broker``) is the one Celery's ``send_task``
pushes, on the embedded broker's unix socket and on a Redis server over TCP; other brokers keep
``send_task``. (A real worker running these messages: tests/worker/test_jobs_end_to_end.py.)"""

from __future__ import annotations

import base64
import json
import os
import threading
import time

import pytest
import redis
from celery import Celery

from core.broker import RedisTaskPublisher
from core.celery_config import ANALYZE_JOB_TASK, JOBS_QUEUE
from core.queue import publish_job
from tests.support.apps import fresh_app
from tests.support.env import temporary_redis_db
from tests.support.faults import PrivateRedis, free_port


@pytest.fixture(params=["embedded", "tcp"])
def app(request, tmp_path):
    if request.param == "embedded":
        with fresh_app(tmp_path / "instance") as app:
            yield app
        return
    with temporary_redis_db() as url, fresh_app(tmp_path / "instance",
                                                env={"REDIS_URL": url}) as app:
        yield app


def _broker(app) -> redis.Redis:
    return RedisTaskPublisher.for_celery(app.extensions["celery"]).client


def _pushed(client: redis.Redis) -> dict:
    (raw,) = client.lrange(JOBS_QUEUE, 0, -1)
    client.delete(JOBS_QUEUE)
    return json.loads(raw)


# Job ids (their repr written directly), and others through Celery's saferepr, which shortens
# a long argument, or a long list of integers, where repr would not.
@pytest.mark.parametrize("args", [[7], [7, 12345678901234], ["#tag", None, True, "x" * 2000],
                                  list(range(10**6, 10**6 + 400))])
def test_the_message_is_the_one_send_task_pushes(app, args):
    celery = app.extensions["celery"]
    publisher = RedisTaskPublisher.for_celery(celery)
    assert publisher is not None
    client = publisher.client
    client.delete(JOBS_QUEUE)
    with app.app_context():
        celery.send_task(ANALYZE_JOB_TASK, args=args, task_id="job-7-0a1b2c3d",
                         ignore_result=True)
    by_celery = _pushed(client)
    publisher.publish(ANALYZE_JOB_TASK, args, task_id="job-7-0a1b2c3d", queue=JOBS_QUEUE)
    direct = _pushed(client)
    # Each message gets its own delivery tag; everything else is the same, field for field.
    assert by_celery["properties"].pop("delivery_tag") != direct["properties"].pop(
        "delivery_tag")
    assert direct == by_celery
    assert direct["headers"]["task"] == ANALYZE_JOB_TASK
    # The body is Celery's protocol 2: [args, kwargs, embed].
    assert json.loads(base64.b64decode(direct["body"]))[:2] == [args, {}]


def test_publish_job_goes_straight_to_redis(app):
    client = _broker(app)
    client.delete(JOBS_QUEUE)
    with app.app_context():
        assert publish_job(42)
    message = _pushed(client)
    assert message["headers"]["id"].startswith("job-42-")
    assert message["properties"]["delivery_info"] == {"exchange": "", "routing_key": "celery"}


def test_an_unreachable_broker_fails_fast_and_the_job_waits_for_the_reaper(app):
    app.extensions["celery"].conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    with app.app_context():
        start = time.monotonic()
        assert publish_job(5) is False
    # Two retries with a short backoff, as Celery's publish retry policy: a web request waits
    # well under a second, not a socket timeout.
    assert time.monotonic() - start < 1.5


@pytest.mark.parametrize("url, options", [
    ("amqp://guest@127.0.0.1//", {}),
    ("memory://", {}),
    ("redis://127.0.0.1:6379/0?health_check_interval=5", {}),
    ("rediss://127.0.0.1:6380/0", {}),
    ("redis://127.0.0.1:6379/0", {"visibility_timeout": 300, "global_keyprefix": "tp:"}),
    ("redis://127.0.0.1:6379/0", {"priority_steps": [0, 5]}),
])
def test_brokers_it_does_not_cover_keep_send_task(url, options):
    celery = Celery("t", broker=url)
    celery.conf.broker_transport_options = options
    assert RedisTaskPublisher.for_celery(celery) is None


def test_a_unix_socket_broker_is_reached_through_its_path():
    celery = Celery("t", broker="redis+socket:///run/tagpulse/redis.sock")
    celery.conf.broker_transport_options = {"visibility_timeout": 300}
    publisher = RedisTaskPublisher.for_celery(celery)
    kwargs = publisher.client.connection_pool.connection_kwargs
    assert kwargs["path"] == "/run/tagpulse/redis.sock"


def _connections_made(client: redis.Redis) -> int:
    return client.info("stats")["total_connections_received"]


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own, which it may restart."""
    redis_server = PrivateRedis(tmp_path)
    redis_server.start()
    yield redis_server
    redis_server.kill()


def _publisher(redis_server: PrivateRedis) -> RedisTaskPublisher:
    return RedisTaskPublisher.for_celery(Celery("t", broker=redis_server.url))


def _queued_ids(redis_server: PrivateRedis) -> list[str]:
    return sorted(json.loads(raw)["headers"]["id"]
                  for raw in redis.Redis.from_url(redis_server.url).lrange(JOBS_QUEUE, 0, -1))


def test_a_thread_publishes_on_one_connection_of_its_own(private_redis):
    publisher = _publisher(private_redis)
    observer = redis.Redis.from_url(private_redis.url)
    before = _connections_made(observer)
    for job_id in range(3):
        publisher.publish(ANALYZE_JOB_TASK, [job_id], task_id=f"job-{job_id}", queue=JOBS_QUEUE)
    assert _connections_made(observer) == before + 1
    # Another thread gets a connection of its own.
    thread = threading.Thread(target=publisher.publish, args=(ANALYZE_JOB_TASK, [9]),
                              kwargs={"task_id": "job-9", "queue": JOBS_QUEUE})
    thread.start()
    thread.join()
    assert _connections_made(observer) == before + 2
    assert _queued_ids(private_redis) == ["job-0", "job-1", "job-2", "job-9"]


def test_after_a_broker_restart_the_next_publish_reconnects(private_redis):
    publisher = _publisher(private_redis)
    publisher.publish(ANALYZE_JOB_TASK, [1], task_id="job-1", queue=JOBS_QUEUE)
    private_redis.restart()  # no persistence: the first message is gone with the server
    publisher.publish(ANALYZE_JOB_TASK, [2], task_id="job-2", queue=JOBS_QUEUE)
    assert _queued_ids(private_redis) == ["job-2"]


def test_a_forked_child_does_not_publish_on_its_parents_socket(private_redis):
    publisher = _publisher(private_redis)
    publisher.publish(ANALYZE_JOB_TASK, [1], task_id="job-1", queue=JOBS_QUEUE)
    parent_connection = publisher._connection()
    child = os.fork()
    if child == 0:  # the child publishes, then leaves without running the test's cleanup
        ok = False
        try:
            publisher.publish(ANALYZE_JOB_TASK, [2], task_id="job-2", queue=JOBS_QUEUE)
            ok = publisher._connection() is not parent_connection
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's connection still works: the child did not shut its socket down.
    publisher.publish(ANALYZE_JOB_TASK, [3], task_id="job-3", queue=JOBS_QUEUE)
    assert publisher._connection() is parent_connection
    assert _queued_ids(private_redis) == ["job-1", "job-2", "job-3"]
