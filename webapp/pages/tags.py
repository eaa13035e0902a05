"""A hashtag's page: every analysis of it over time, its topic context and its tracker."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from core.db import db
from core.hashtags import hashtag_key
from core.models import Job
from webapp import jobs as job_service
from webapp.api.params import page_args
from webapp.extensions import limiter
from webapp.forms import AnalyseForm
from webapp.pages import pages_bp
from webapp.trends import model_versions
from webapp.validation import parse_hashtag
from webapp.wikipedia import topic_summary

RUNS_PER_PAGE = 20


def display_name(hashtag: str) -> str:
    """The tag as people last typed it (``#MachineLearning`` rather than the URL's case)."""
    latest = db.session.scalar(
        select(Job.hashtag).where(Job.hashtag_key == hashtag_key(hashtag))
        .order_by(Job.created_at.desc()).limit(1))
    return latest or hashtag


@pages_bp.get("/tags/<tag>")
def tag(tag: str):
    hashtag = display_name(parse_hashtag(tag, "tag"))
    page, _ = page_args(request.args)
    runs = job_service.list_jobs(hashtag=hashtag, page=page, per_page=RUNS_PER_PAGE)
    form = AnalyseForm(formdata=None, hashtag=hashtag)
    return render_template("tags/tag.html", hashtag=hashtag, hashtag_key=hashtag_key(hashtag),
                           runs=runs, form=form, models=model_versions(hashtag))


@pages_bp.get("/tags/<tag>/context")
# Each new tag may cost one outbound request; a generous limit stops enumeration, not readers.
@limiter.limit("120/minute")
def tag_context(tag: str):
    """The topic's summary as an HTML fragment, fetched by the tag page; 204 when there is none."""
    hashtag = parse_hashtag(tag, "tag")
    summary = topic_summary(hashtag)
    if summary is None:
        return "", 204
    response = render_template("tags/_context.html", summary=summary)
    return response, 200, {"Cache-Control": "private, max-age=3600"}
