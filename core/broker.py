"""A Celery task message pushed onto a Redis broker with one LPUSH.

Celery's ``send_task`` reaches Redis through kombu's producer: a producer from the pool, a
connection ``ensure`` wrapper, a queue declaration check, the virtual transport's envelope, and a
new redis-py client object for every message (each builds a table of ~170 reply callbacks).
That was 310–380 µs of CPU per message, a sixth of a job submission. Here the message is Celery's
own (``app.amqp.as_task_v2``: the headers and body a worker expects), wrapped in the envelope
kombu's Redis transport writes (base64 body, delivery info, a delivery tag), and pushed by one
LPUSH: 100–120 µs through a shared redis-py client (both measured in one process, in turn), and
less again on a connection each thread keeps (``_connection``).

Used only where that envelope is what kombu would write and the connection is the one kombu
would open: a ``redis://`` or ``redis+socket://`` broker without URL options or TLS settings
(a ``rediss://`` broker keeps kombu, which applies ``broker_use_ssl``), JSON messages, and no
transport option but the visibility timeout (which only consumers read). Otherwise
``for_celery`` returns None and callers use ``send_task``. ``tests/core/test_broker.py``
compares the two messages field by field, and a real worker runs every job the tests submit.
"""

from __future__ import annotations

import base64
import os
import threading
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
import redis
from celery import Celery
from kombu.serialization import dumps as serialize
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

SCHEMES = ("redis", "redis+socket")
# Transport options that concern consumers only: publishing is the same with or without them.
CONSUMER_ONLY_OPTIONS = frozenset({"visibility_timeout"})
# A web request publishes: it must not hang on a broker that stopped answering. As Celery's
# publish retry policy in core.config: two retries within about half a second.
CONNECT_TIMEOUT_S = 2.0
SOCKET_TIMEOUT_S = 5.0
RETRIES = 2


class RedisTaskPublisher:
    """Publishes task messages for one Celery app onto its Redis broker."""

    def __init__(self, celery: Celery, client_url: str):
        self.celery = celery
        # The client is the connections' template (``_connection``) and a handle for callers
        # that read the broker; publishing goes through each thread's own connection.
        self.retry = Retry(ExponentialBackoff(cap=0.5, base=0.1), RETRIES)
        self.client = redis.Redis.from_url(
            client_url, socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_timeout=SOCKET_TIMEOUT_S, retry=self.retry,
            retry_on_error=[redis.ConnectionError, redis.TimeoutError])
        self._local = threading.local()

    @classmethod
    def for_celery(cls, celery: Celery) -> RedisTaskPublisher | None:
        """A publisher for ``celery``'s broker, or None where only ``send_task`` is right."""
        conf = celery.conf
        url = conf.broker_url or ""
        scheme, _, rest = url.partition("://")
        if (scheme not in SCHEMES or "?" in rest or conf.broker_use_ssl or conf.task_always_eager
                or conf.task_serializer != "json"
                or set(conf.broker_transport_options or {}) - CONSUMER_ONLY_OPTIONS):
            return None
        # kombu's redis+socket:///path/to/socket is redis-py's unix:///path/to/socket.
        return cls(celery, f"unix://{rest}" if scheme == "redis+socket" else url)

    def message(self, task_name: str, args: Sequence[Any], *, task_id: str,
                queue: str) -> dict[str, Any]:
        """The envelope kombu's Redis transport would push for ``send_task(task_name, args,
        task_id=task_id, ignore_result=True)`` routed to ``queue``."""
        args = list(args)
        amqp = self.celery.amqp
        # Celery writes the arguments' repr into the headers (for the worker's log) through
        # saferepr, 15 µs a message; for integers (job ids) within its length cap that is plain
        # repr, 0.3 µs.
        argsrepr = repr(args)
        if not (all(type(arg) is int for arg in args) and len(argsrepr) <= amqp.argsrepr_maxsize):
            argsrepr = None  # saferepr's
        task = amqp.as_task_v2(task_id, task_name, args=args, kwargs={},
                               reply_to=self.celery.thread_oid, ignore_result=True,
                               argsrepr=argsrepr, kwargsrepr="{}")
        content_type, content_encoding, body = serialize(task.body, serializer="json")
        return {
            "body": base64.b64encode(body.encode() if isinstance(body, str) else body).decode(),
            "content-encoding": content_encoding,
            "content-type": content_type,
            "headers": task.headers,
            "properties": {
                **task.properties,
                "delivery_mode": 2,  # persistent, as kombu's default exchange declares
                "delivery_info": {"exchange": "", "routing_key": queue},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": str(uuid.uuid4()),
            },
        }

    def publish(self, task_name: str, args: Sequence[Any], *, task_id: str,
                queue: str) -> None:
        """Push the task onto ``queue``; raises redis' errors when the broker cannot be
        reached (after the retries), as ``send_task`` raises kombu's."""
        # kombu reads the envelope with its JSON loads: orjson's bytes are the same document,
        # written in a tenth of the time (the body inside stays kombu's own serialisation).
        envelope = orjson.dumps(self.message(task_name, args, task_id=task_id, queue=queue))
        connection = self._connection()

        def push() -> int:
            connection.send_command("LPUSH", queue, envelope)
            return connection.read_response()

        # As the client's own retry: a broken or refused connection is closed and tried again.
        self.retry.call_with_retry(push, lambda error: connection.disconnect())

    def _connection(self) -> redis.connection.AbstractConnection:
        """This thread's connection to the broker, made on first use (and again in a forked
        child, which must not share its parent's socket).

        One LPUSH through ``redis.Redis`` cost about 107 µs of CPU, a tenth of a submission:
        redis-py 8 takes a connection from its pool, records the command's duration for its
        metrics and hands the connection back around every command; the command itself on a
        held connection took about 34 µs. A gunicorn thread publishes one message at a time,
        so a connection of its own needs no pool and no lock.
        """
        held = getattr(self._local, "held", None)
        if held is None or held[0] != os.getpid():
            pool = self.client.connection_pool
            held = self._local.held = (os.getpid(),
                                       pool.connection_class(**pool.connection_kwargs))
        return held[1]
