"""How numbers, times and distributions are shown: template filters and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import request, url_for

from core.models import Job
from webapp.jobs import iso
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
    return ", ".join(f"{s.percent:.0f}% {s.label}" for s in distribution(job))


def format_time(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y, %H:%M UTC") if value else ""


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


# Globals rather than a context processor: macros imported without context see globals only.
for name, value in {
    "distribution": distribution,
    "distribution_text": distribution_text,
    "page_url": page_url,
    "LABELS": DISPLAY_ORDER,
    "LABEL_NAMES": LABEL_NAMES,
    "STATUS_NAMES": STATUS_NAMES,
}.items():
    pages_bp.add_app_template_global(value, name)

pages_bp.add_app_template_filter(format_time, "datetime")
pages_bp.add_app_template_filter(iso, "iso")
pages_bp.add_app_template_filter(format_score, "score")
