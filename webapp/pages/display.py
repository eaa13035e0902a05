"""How numbers, times and distributions are shown: template filters and helpers."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from operator import attrgetter

from flask import current_app, request, url_for
from markupsafe import Markup

from core.models import Job, JobTotals
from core.shares import percent_against, threshold_percent, whole_percent
from webapp.jobs import JOB_LINE_COLUMNS, iso
from webapp.pages import pages_bp

# Positive first everywhere: bars, legends, tabs and term lists read in the same order.
DISPLAY_ORDER = ("positive", "neutral", "negative")
LABEL_NAMES = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}
STATUS_NAMES = {"queued": "Queued", "running": "Running", "done": "Done", "failed": "Failed"}


@dataclass(frozen=True)
class Segment:
    label: str
    name: str
    count: int
    percent: float
    start: float  # where the segment begins in a 0..100 stacked bar


def distribution(job: Job) -> list[Segment]:
    """The job's counts per label as stacked-bar segments: positive, neutral, negative."""
    total = job.total
    segments, start = [], 0.0
    for label in DISPLAY_ORDER:
        count = getattr(job, label)
        percent = 100.0 * count / total if total else 0.0
        segments.append(Segment(label, LABEL_NAMES[label], count, percent, start))
        start += percent
    return segments


def distribution_text(job: Job) -> str:
    if not job.total:
        return "No tweets scored"
    return ", ".join(f"{whole_percent(s.percent / 100)} {s.label}"
                     for s in distribution(job))


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_time(value: datetime | None) -> str:
    """'5 Dec 2026, 09:04 UTC'. Written out rather than by ``strftime`` (a hashtag's page shows
    a few dozen times; strftime was 3 % of its Python time) and so in English whatever the
    process's locale."""
    if not value:
        return ""
    return (f"{value.day} {_MONTHS[value.month - 1]} {value.year}, "
            f"{value.hour:02d}:{value.minute:02d} UTC")


def format_score(value: float | None) -> str:
    """Scores run from 0 (negative) through 0.5 (neutral) to 1 (positive)."""
    if value is None:
        return "–"
    return f"{value:.2f}"


def page_url(**changes) -> str:
    """This page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    view_args = request.view_args or {}
    return url_for(request.endpoint, **view_args, **args)


@dataclass(frozen=True)
class JobRowView(JobTotals):
    """Everything a job's line in a list shows (``job_row`` in ``_macros.html``), and nothing
    else: two jobs with equal views render the same HTML."""

    id: int
    hashtag: str
    status: str
    tracker_id: int | None
    created_at: datetime
    source: str
    positive: int
    neutral: int
    negative: int
    scored: int
    tweet_limit: int


_ROW_FIELDS = tuple(field.name for field in fields(JobRowView))
# A job's line values as one tuple, read in C: the cache's key, cheaper to build and to hash than
# the dataclass (a page looks up 20 lines per view, nearly all of them already rendered).
_row_values = attrgetter(*_ROW_FIELDS)
# The rows ``latest_results`` reads carry exactly these columns (checked even under -O).
if set(_ROW_FIELDS) != set(JOB_LINE_COLUMNS):
    raise RuntimeError("JobRowView's fields and webapp.jobs.JOB_LINE_COLUMNS differ")
ROW_CACHE = "tagpulse.job_rows"
ROWS_KEPT = 4096


def _render_job_row(values: tuple, show_tag: bool, script_root: str) -> Markup:
    del script_root  # part of the cache key: url_for puts it before every link
    macro = current_app.jinja_env.get_template("_macros.html").module.job_row
    html = macro(JobRowView(*values), show_tag=show_tag)
    # Autoescaped templates' macros return Markup: what they interpolated is escaped already.
    assert isinstance(html, Markup)
    return html


def job_row_html(job: Job, show_tag: bool = True) -> Markup:
    """A job's line in the home page's, the history's and a hashtag's lists, rendered once per
    state of the job: a finished job's line never changes, and these lists were most of those
    pages' template time (20 lines of nested macros each). Each web process keeps the last
    ``ROWS_KEPT`` lines it rendered."""
    render = current_app.extensions.get(ROW_CACHE)
    if render is None:
        render = current_app.extensions.setdefault(
            ROW_CACHE, lru_cache(maxsize=ROWS_KEPT)(_render_job_row))
    return render(_row_values(job), show_tag, request.script_root)


# Globals rather than a context processor: macros imported without context see globals only.
for name, value in {
    "distribution": distribution,
    "distribution_text": distribution_text,
    "job_row_html": job_row_html,
    "page_url": page_url,
    "LABELS": DISPLAY_ORDER,
    "LABEL_NAMES": LABEL_NAMES,
    "STATUS_NAMES": STATUS_NAMES,
    "whole_percent": whole_percent,
    "percent_against": percent_against,
    "threshold_percent": threshold_percent,
}.items():
    pages_bp.add_app_template_global(value, name)

pages_bp.add_app_template_filter(format_time, "datetime")
pages_bp.add_app_template_filter(iso, "iso")
pages_bp.add_app_template_filter(format_score, "score")
