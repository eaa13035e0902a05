"""Endpoints compatible with the tutorial tagpulse descends from: submit a job and wait for it.

Waiting holds a web thread, so it needs one of a few waiting slots (``webapp.waiting``). A
caller that asks not to wait (``Prefer: respond-async`` or ``?wait=0``) or finds no slot free
gets 202 with the job's URL at once, as ``POST /api/jobs`` answers; the job runs either way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.datastructures import Headers, MultiDict
from werkzeug.http import parse_list_header

from core.db import db
from core.models import LABELS, Job
from webapp import jobs as job_service
from webapp.authz import acting_user_id
from webapp.extensions import csrf, limit_job_submissions
from webapp.jobs import QueuedJob
from webapp.scoring import score_texts
from webapp.validation import JobRequest, ValidationError, parse_int, parse_text
from webapp.waiting import waiting_slot

seed_bp = Blueprint("seed", __name__)
csrf.exempt(seed_bp)

MAX_WAIT_ARG = 3600


@dataclass(frozen=True)
class WaitRequest:
    """How long a caller will wait for its job, and whether it understands a 202 (RFC 7240)."""

    seconds: float
    accepts_async: bool
    respond_async: bool = False

    @classmethod
    def from_request(cls, args: MultiDict, headers: Headers, limit: float) -> WaitRequest:
        """``?wait=N`` (seconds) and ``Prefer: respond-async`` / ``wait=N``, at most ``limit``."""
        preferences = _preferences(headers)
        seconds = limit
        # A preference the server cannot read may be ignored (RFC 7240 section 2).
        prefer_wait = preferences.get("wait", "")
        if prefer_wait.isascii() and prefer_wait.isdigit():
            seconds = min(seconds, int(prefer_wait))
        wait_arg = args.get("wait")
        if wait_arg is not None:
            seconds = min(seconds, parse_int(wait_arg, "wait", low=0, high=MAX_WAIT_ARG,
                                             what="wait (seconds)"))
        respond_async = "respond-async" in preferences
        if respond_async and "wait" not in preferences and wait_arg is None:
            seconds = 0  # respond-async alone: answer at once
        # Only a caller that knows these extensions is sent a 202 when its wait runs out;
        # the seed's own clients keep their 504.
        return cls(seconds=max(0.0, seconds), respond_async=respond_async,
                   accepts_async=bool(respond_async or wait_arg is not None
                                      or "wait" in preferences))


def _preferences(headers: Headers) -> dict[str, str]:
    """``Prefer`` tokens as name -> value ("" without one); parameters after ';' are dropped."""
    preferences: dict[str, str] = {}
    for item in parse_list_header(", ".join(headers.getlist("Prefer"))):
        name, _, value = item.split(";", 1)[0].partition("=")
        preferences.setdefault(name.strip().lower(), value.strip().strip('"'))
    return preferences


def wait_for_job(job_id: int, timeout: float) -> Job | None:
    """Poll the job row until it finishes; None when the wait ran out."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        # Ends the transaction: the next read sees the worker's commits, and the connection
        # goes back to the pool between polls instead of being held by a sleeping thread.
        db.session.rollback()
        job = db.session.get(Job, job_id)
        if job is not None and job.is_finished:
            return job
        if time.monotonic() >= deadline:
            return None
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 1.5, 0.5)


def _unfinished(job: Job | QueuedJob, status: int, message: str, *, respond_async: bool = False):
    """The job's state and where to follow it: 202 as ``POST /api/jobs`` answers, or 504."""
    url = url_for("api.get_job", job_id=job.id)
    body = {"id": job.id, "status": job.status, "url": url, "page_url": f"/jobs/{job.id}"}
    body["message" if status == 202 else "error"] = message
    response = jsonify(body)
    response.status_code = status
    if status == 202:
        response.headers["Location"] = url
        if respond_async:
            response.headers["Preference-Applied"] = "respond-async"
    return response


def _run_job_and_wait():
    """Submit the job named by ?text= and wait; returns (job, None) or (None, a response)."""
    job_request = JobRequest.from_mapping({"hashtag": request.args.get("text")},
                                          default_source=current_app.config["DEFAULT_SOURCE"],
                                          config=current_app.config)
    wait = WaitRequest.from_request(request.args, request.headers,
                                    current_app.config["SEED_WAIT_SECONDS"])
    job = job_service.create_job(job_request, created_by=acting_user_id())
    if wait.seconds <= 0:
        return None, _unfinished(job, 202, "The analysis is queued; its URL will have the result.",
                                 respond_async=wait.respond_async)
    with waiting_slot() as slot:
        finished = wait_for_job(job.id, wait.seconds) if slot.held else None
    if not slot.held:
        return None, _unfinished(
            job, 202, f"{slot.reason} The analysis is queued; its URL will have the result.",
            respond_async=wait.respond_async)
    if finished is None:
        job = job_service.get_job(job.id) or job
        status = 202 if wait.accepts_async else 504
        return None, _unfinished(job, status,
                                 "The analysis is still running; its URL will have the result.",
                                 respond_async=wait.respond_async)
    if finished.status == "failed":
        response = jsonify({"error": finished.error or "The analysis failed.", "id": job.id,
                            "url": url_for("api.get_job", job_id=job.id)})
        response.status_code = 422
        return None, response
    return finished, None


@seed_bp.get("/analyzehashtag")
@limit_job_submissions()
def analyze_hashtag():
    job, response = _run_job_and_wait()
    if response is not None:
        return response
    return jsonify({label: getattr(job, label) for label in LABELS})


@seed_bp.get("/gettweets")
@limit_job_submissions()
def get_tweets():
    job, response = _run_job_and_wait()
    if response is not None:
        return response
    page = job_service.job_tweets(job.id, per_page=100, lang=job.lang)
    posts = [job_service.tweet_to_dict(t, job.lang) for t in page.tweets]
    return jsonify({"results": [
        {"text": p["text"], "username": p["username"], "label": p["label"], "score": p["score"]}
        for p in posts
    ], "id": job.id})


@seed_bp.get("/getsentiment")
def get_sentiment():
    text = request.args.get("text")
    if text is None:
        raise ValidationError("Pass the text to score as ?text=...", "text")
    text = parse_text(text, "text", max_chars=current_app.config["PREDICT_MAX_CHARS"])
    return jsonify(score_texts([text])[0])
