"""A job's page (live progress, then results), its exports and re-run, and the history."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, stream_with_context, url_for

from core.models import Job
from webapp import jobs as job_service
from webapp.api.params import label_arg, page_args, status_arg
from webapp.authz import acting_user_id
from webapp.exports import csv_rows, export_filename, json_chunks
from webapp.extensions import limit_job_submissions
from webapp.forms import HistoryFilterForm, RerunForm
from webapp.pages import pages_bp
from webapp.pages.terms import count_terms, top_terms
from webapp.validation import JobRequest, ValidationError

TWEETS_PER_PAGE = 20
JOBS_PER_PAGE = 20
SORT_NAMES = {"newest": "Newest", "positive": "Most positive", "negative": "Most negative"}


def no_such_job(job_id: int):
    abort(404, description=f"There is no analysis number {job_id}. It may never have existed.")


def job_or_404(job_id: int) -> Job:
    job = job_service.get_job(job_id)
    if job is None:
        no_such_job(job_id)
    return job


@pages_bp.get("/jobs/<int:job_id>")
def job(job_id: int):
    job = job_service.get_job_view(job_id)
    if job is None:
        no_such_job(job_id)
    label = label_arg(request.args)
    sort = request.args.get("sort", "newest")
    if sort not in SORT_NAMES:
        raise ValidationError("sort must be one of newest, positive, negative.", "sort")
    page, _ = page_args(request.args)
    tweets = job_service.job_tweets(job.id, label=label, sort=sort, page=page,
                                    per_page=TWEETS_PER_PAGE, lang=job.lang)
    terms = None
    if job.status == "done" and job.total:
        shows_every_post = label is None and tweets.total == len(tweets.tweets)
        # A small job's page already holds all its posts: count their words without reading
        # them again.
        terms = (count_terms(((t.label, t.text) for t in tweets.tweets), job.hashtag_key)
                 if shows_every_post else top_terms(job.id, job.hashtag_key))
    empty_run = job_service.is_empty_run(job)
    return render_template("jobs/job.html", job=job, tweets=tweets, label=label, sort=sort,
                           sorts=SORT_NAMES, terms=terms, rerun_form=RerunForm(),
                           rerun_may_help=job_service.rerun_may_help(job),
                           nothing_new_since=(job_service.nothing_new_since(job)
                                              if empty_run else None))


@pages_bp.post("/jobs/<int:job_id>/rerun")
@limit_job_submissions()
def rerun(job_id: int):
    """Run the same analysis again (same hashtag, limit and source) as a new job."""
    old = job_or_404(job_id)
    if not RerunForm().validate_on_submit():
        abort(400)  # only a missing CSRF token gets here, and CSRFProtect answers that first
    new = job_service.create_job(
        JobRequest(hashtag=old.hashtag, limit=old.tweet_limit, source=old.source,
                   lang=old.lang),
        created_by=acting_user_id())
    return redirect(url_for("pages.job", job_id=new.id), 303)


def _download(chunks, mimetype: str, filename: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@pages_bp.get("/jobs/<int:job_id>/export.csv")
def export_csv(job_id: int):
    job = job_or_404(job_id)
    return _download(csv_rows(job), "text/csv", export_filename(job, "csv"))


@pages_bp.get("/jobs/<int:job_id>/export.json")
def export_json(job_id: int):
    job = job_or_404(job_id)
    return _download(json_chunks(job), "application/json", export_filename(job, "json"))


@pages_bp.get("/jobs")
def history():
    form = HistoryFilterForm(request.args)
    page, _ = page_args(request.args)
    if form.validate():
        hashtag, status = form.hashtag.data, status_arg(request.args)
        result = job_service.list_jobs(hashtag=hashtag, status=status, page=page,
                                       per_page=JOBS_PER_PAGE)
        code = 200
    else:
        result, code = None, 422
    items = job_service.collapse_empty_runs(result.jobs) if result else []
    return render_template("jobs/history.html", form=form, result=result, items=items), code
