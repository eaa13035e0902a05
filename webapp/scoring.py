"""Free-text scoring for the web process: ask a worker, which holds the model, and wait."""

from __future__ import annotations

import contextlib
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeoutError
from flask import current_app
from werkzeug.exceptions import GatewayTimeout, ServiceUnavailable

from core.celery_config import PREDICT_TEXTS_TASK
from webapp.waiting import RETRY_AFTER_SECONDS, waiting_slot


def score_texts(texts: list[str]) -> list[dict[str, Any]]:
    """Predictions as dicts (label, score, probs), in input order; 504 if no worker answers,
    503 with Retry-After if no waiting slot is free (nothing is sent then)."""
    with waiting_slot() as slot:
        if not slot.held:
            # No job row to point at, so no 202: the caller tries again shortly.
            raise ServiceUnavailable(
                f"Too many requests are waiting for a model worker. {slot.reason} "
                f"Try again in {RETRY_AFTER_SECONDS} seconds.", retry_after=RETRY_AFTER_SECONDS)
        return _ask_worker(texts)


def _ask_worker(texts: list[str]) -> list[dict[str, Any]]:
    celery = current_app.extensions["celery"]
    try:
        result = celery.send_task(PREDICT_TEXTS_TASK, args=[texts])
    except Exception as exc:
        raise ServiceUnavailable("The task queue is unavailable; try again shortly.") from exc
    try:
        return result.get(timeout=current_app.config["PREDICT_WAIT_SECONDS"], interval=0.05)
    except CeleryTimeoutError as exc:
        raise GatewayTimeout("No model worker answered in time; is a worker running?") from exc
    finally:
        # Best effort: the file backend raises when the result never arrived.
        with contextlib.suppress(Exception):
            result.forget()
