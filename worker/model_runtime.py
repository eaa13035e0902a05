"""The one loaded model per worker process, loaded after the fork.

Loading TensorFlow before Celery forks its pool deadlocks the children silently (and LiteRT's
thread pool would not survive the fork either), so the model is loaded in
``worker_process_init`` (and lazily on first use as a fallback, e.g. with ``-P solo``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from celery.signals import worker_process_init

log = logging.getLogger(__name__)


def tf_threads() -> int:
    """Threads per worker process: the cores divided among the pool's processes."""
    if os.environ.get("TF_THREADS"):
        return max(1, int(os.environ["TF_THREADS"]))
    concurrency = int(os.environ.get("WORKER_CONCURRENCY", "2"))
    return max(1, (os.cpu_count() or 1) // max(1, concurrency))


@worker_process_init.connect
def load_model_in_child(**_kwargs) -> None:
    import sentiment

    threads = tf_threads()
    if sentiment.serving_runtime() == "keras":
        sentiment.configure_threads(intra_op=threads, inter_op=1)
    model = sentiment.load_model(threads=threads)
    log.info("model %s loaded in pid %s (%s, %s threads)", model.version, os.getpid(),
             type(model).__name__, threads)


def predict(texts: Sequence[str]):
    import sentiment

    return sentiment.predict(list(texts))


def model_version() -> str:
    import sentiment

    return sentiment.model_version()
