"""/api/jobs: submit a hashtag analysis, read its state, its tweets and the history."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request, url_for

from webapp import jobs as job_service
from webapp.api import api_bp
from webapp.api.params import hashtag_arg, label_arg, page_args, status_arg
from webapp.authz import acting_user_id
from webapp.extensions import limit_job_submissions
from webapp.jobs import SORTS
from webapp.validation import JobRequest, ValidationError


def json_body():
    """The request's JSON object, or a 400 that says what is wrong with it."""
    if not request.is_json:
        raise ValidationError("Send JSON with Content-Type: application/json.", None, status=400)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # '[[[[…' nested past Python's recursion limit: once a 500
        body = None
    if body is None:
        raise ValidationError("The request body is not valid JSON.", None, status=400)
    return body


@api_bp.post("/jobs")
@limit_job_submissions()
def create_job():
    job_request = JobRequest.from_mapping(
        json_body(), default_source=current_app.config["DEFAULT_SOURCE"],
        config=current_app.config)
    job = job_service.create_job(job_request, created_by=acting_user_id())
    url = url_for("api.get_job", job_id=job.id)
    response = jsonify({"id": job.id, "status": job.status, "url": url,
                        "page_url": f"/jobs/{job.id}"})
    response.status_code = 202
    response.headers["Location"] = url
    return response


@api_bp.get("/jobs/<int:job_id>")
def get_job(job_id: int):
    job = job_service.get_job_row(job_id)
    if job is None:
        abort(404, description=f"There is no job {job_id}.")
    return jsonify(job_service.job_to_dict(job))


@api_bp.get("/jobs/<int:job_id>/tweets")
def get_job_tweets(job_id: int):
    job = job_service.get_job(job_id)
    if job is None:
        abort(404, description=f"There is no job {job_id}.")
    page, per_page = page_args(request.args)
    sort = request.args.get("sort", "newest")
    if sort not in SORTS:
        raise ValidationError("sort must be one of newest, positive, negative.", "sort")
    result = job_service.job_tweets(job_id, label=label_arg(request.args), sort=sort,
                                    page=page, per_page=per_page, lang=job.lang)
    return jsonify({
        "results": [job_service.tweet_to_dict(t, job.lang) for t in result.tweets],
        "page": result.page,
        "pages": result.pages,
        "total": result.total,
    })


@api_bp.get("/jobs")
def list_jobs():
    page, per_page = page_args(request.args)
    result = job_service.list_jobs(hashtag=hashtag_arg(request.args),
                                   status=status_arg(request.args), page=page, per_page=per_page,
                                   rows=True)
    return jsonify({
        "results": [job_service.job_to_dict(j) for j in result.jobs],
        "page": result.page,
        "pages": result.pages,
        "total": result.total,
    })
