"""Endpoints compatible with the tutorial tagpulse descends from: submit a job and wait for it."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request

from core.db import db
from core.models import LABELS, Job
from webapp import jobs as job_service
from webapp.authz import acting_user_id
from webapp.extensions import csrf, limit_job_submissions
from webapp.scoring import score_texts
from webapp.validation import JobRequest, ValidationError, parse_text

seed_bp = Blueprint("seed", __name__)
csrf.exempt(seed_bp)


def wait_for_job(job_id: int, timeout: float) -> Job | None:
    """Poll the job row until it finishes; None when the wait ran out."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job is not None and job.is_finished:
            return job
        if time.monotonic() >= deadline:
            return None
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 1.5, 0.5)


def _run_job_and_wait():
    """Submit the job named by ?text= and wait; returns (job, None) or (None, error response)."""
    job_request = JobRequest.from_mapping({"hashtag": request.args.get("text")},
                                          default_source=current_app.config["DEFAULT_SOURCE"],
                                          config=current_app.config)
    job = job_service.create_job(job_request, created_by=acting_user_id())
    finished = wait_for_job(job.id, current_app.config["SEED_WAIT_SECONDS"])
    if finished is None:
        response = jsonify({"error": "The analysis is still running; its URL will have the result.",
                            "id": job.id, "url": f"/api/jobs/{job.id}"})
        response.status_code = 504
        return None, response
    if finished.status == "failed":
        response = jsonify({"error": finished.error or "The analysis failed.", "id": job.id,
                            "url": f"/api/jobs/{job.id}"})
        response.status_code = 422
        return None, response
    return finished, None


@seed_bp.get("/analyzehashtag")
@limit_job_submissions()
def analyze_hashtag():
    job, error = _run_job_and_wait()
    if error is not None:
        return error
    return jsonify({label: getattr(job, label) for label in LABELS})


@seed_bp.get("/gettweets")
@limit_job_submissions()
def get_tweets():
    job, error = _run_job_and_wait()
    if error is not None:
        return error
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
