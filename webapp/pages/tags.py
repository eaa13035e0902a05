"""A hashtag's page: a dashboard of its posts over a range, its runs, topic and trackers."""

from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import bindparam, select

from core.db import prepared_reads
from core.hashtags import hashtag_key
from core.models import Job
from webapp import jobs as job_service
from webapp.api.params import page_args
from webapp.api.tags import compared_tags
from webapp.extensions import limiter
from webapp.pages import pages_bp
from webapp.pages.dashboard import RANGE_NAMES, choose_range, dashboard, tiles
from webapp.trends import model_versions, summary
from webapp.validation import DEFAULT_LIMIT, ValidationError, parse_hashtag
from webapp.wikipedia import topic_summary

RUNS_PER_PAGE = 20


_LATEST_SPELLING = (select(Job.hashtag).where(Job.hashtag_key == bindparam("hashtag_key"))
                    .order_by(Job.created_at.desc(), Job.id.desc()).limit(1))


def display_name(hashtag: str) -> str:
    """The tag as people last typed it (``#MachineLearning`` rather than the URL's case)."""
    latest = prepared_reads().scalar(_LATEST_SPELLING, {"hashtag_key": hashtag_key(hashtag)})
    return latest or hashtag


@pages_bp.get("/tags/<tag>")
def tag(tag: str):
    typed = parse_hashtag(tag, "tag")
    page, _ = page_args(request.args)
    runs = job_service.list_jobs(hashtag=typed, page=page, per_page=RUNS_PER_PAGE)
    # The newest run carries the tag as last typed: the first page needs no read for it.
    hashtag = runs.jobs[0].hashtag if page == 1 and runs.jobs else display_name(typed)
    choice = choose_range(request.args, [hashtag])
    # "Analyse now" posts the home page's form with its defaults, written out in the template
    # rather than built as a form on every view.
    return render_template("tags/tag.html", hashtag=hashtag, hashtag_key=hashtag_key(hashtag),
                           runs=runs, run_items=job_service.collapse_empty_runs(runs.jobs),
                           default_limit=DEFAULT_LIMIT, models=model_versions(hashtag),
                           choice=choice,
                           range_names=RANGE_NAMES, board=dashboard(hashtag, choice))


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


@pages_bp.get("/compare")
def compare():
    """Up to four hashtags on one chart over the same range and buckets, with their tiles."""
    raw = request.args.get("tags", "")
    error = None
    try:
        tags = [display_name(tag) for tag in compared_tags(raw)] if raw.strip() else []
    except ValidationError as exc:
        tags, error = [], exc.message
    choice = choose_range(request.args, tags) if tags else None
    boards = [{"hashtag": tag, "tiles": tiles(summary(hashtag_key(tag), choice.period))}
              for tag in tags] if choice else []
    compare_url = (url_for("api.compare", tags=",".join(tags), **choice.api_args)
                   if choice else None)
    return render_template("tags/compare.html", tags=tags, choice=choice, boards=boards,
                           range_names=RANGE_NAMES, compare_url=compare_url,
                           tags_text=", ".join(tags) or raw, error=error), 422 if error else 200
