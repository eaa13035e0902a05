"""A malformed message on the broker is logged and dropped, never fatal to the worker.

kombu's Redis transport pops a message off the list and then decodes it with the module's
``loads``. A message that is not a JSON object (an empty or half-written value from another
program, a hand-made LPUSH) raised out of the consumer's event loop, and Celery exited with
"Unrecoverable error", taking every job the worker held with it. The message is already off the
list by then, so there is nothing to redeliver: it is logged (with its first bytes, so it can be
looked at) and the worker reads on. Celery itself already rejects well-formed JSON that is not a
task message.
"""

from __future__ import annotations

import logging
from queue import Empty

from kombu.transport import redis as redis_transport

log = logging.getLogger(__name__)

_decode = redis_transport.loads


def tolerant_loads(raw, *args, **kwargs):
    """kombu's ``loads``, except that garbage becomes "no message here" (``Empty``)."""
    try:
        message = _decode(raw, *args, **kwargs)
    except ValueError as exc:  # json.JSONDecodeError, and undecodable bytes
        log.error("dropped a malformed broker message (%d bytes, %s): %r",
                  len(raw or ""), exc, (raw or "")[:200])
        raise Empty() from None
    if isinstance(message, dict | list):
        return message
    log.error("dropped a broker message that is not a JSON object: %r", str(raw)[:200])
    raise Empty()


def install() -> None:
    """Decode Redis messages tolerantly in this process (idempotent)."""
    redis_transport.loads = tolerant_loads
