"""Job service: create, enqueue, read and list jobs. Plain functions over the models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Integer, Row, Select, and_, bindparam, cast, func, not_, select, text

from core import lifecycle
from core.db import db, prepared_reads
from core.hashtags import hashtag_key
from core.languages import DEFAULT_LANG, scored_condition, scored_in
from core.models import (
    LABELS,
    RESULT_JOB_SQL,
    HashtagJobCount,
    HashtagPost,
    Job,
    JobCount,
    JobTotals,
    JobTweet,
    Tweet,
    utcnow,
)
from webapp.validation import JobRequest, require_configured

FINISHED = ("done", "failed")
SORTS = {
    "newest": (Tweet.created_at.desc(), Tweet.id.desc()),
    # Posts without a score (another language) come last either way.
    "positive": (Tweet.score.desc().nulls_last(), Tweet.id.desc()),
    "negative": (Tweet.score.asc().nulls_last(), Tweet.id.desc()),
}


@dataclass(frozen=True)
class QueuedJob:
    """A job just submitted: what the answer to its submission says."""

    id: int
    status: str = lifecycle.QUEUED


def create_job(request: JobRequest, *, created_by: int | None = None) -> QueuedJob:
    """Record a queued job and hand it to the broker; the row exists even if the broker is down
    (then the job says so, and the reaper hands it over when the broker answers)."""
    # Every way of creating a job passes here (API, forms, "Run it again", seed endpoints):
    # a source without its settings is refused before anything is queued.
    require_configured(request.source, current_app.config)
    job_id = lifecycle.queue_job(hashtag=request.hashtag, source=request.source,
                                 limit=request.limit, now=utcnow(), lang=request.lang,
                                 created_by=created_by)
    lifecycle.publish(job_id)
    return QueuedJob(job_id)


def get_job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


# What ``job_to_dict`` reads, and no more: the driver describes every selected column on every
# call (a Python object each), and the lease and scheduling columns are not the API's business.
_API_COLUMNS = tuple(Job.__table__.c[name] for name in (
    "id", "hashtag", "source", "tweet_limit", "status", "fetched", "scored", "positive",
    "neutral", "negative", "lang", "skipped_language", "mean_score", "error", "model_version",
    "tracker_id", "created_at", "started_at", "finished_at"))
_JOB_ROW = select(*_API_COLUMNS).where(Job.__table__.c.id == bindparam("job_id"))


def get_job_row(job_id: int) -> Row | None:
    """The job as a plain row, for ``job_to_dict``: the API's status read, polled by every
    page showing a running job, skips the ORM and the session, and runs compiled once on a
    raw pooled connection (``core.reads``): SQLAlchemy's execution path was two thirds of this
    request's Python time."""
    return prepared_reads().first(_JOB_ROW, {"job_id": job_id})


# Every column, and Job's computed totals: what the job page shows of its job.
_JOB_VIEW = (select(*Job.__table__.c).where(Job.__table__.c.id == bindparam("job_id"))
             .execution_options(row_mixin=JobTotals))


def get_job_view(job_id: int) -> Row | None:
    """The job as a row with ``total`` and ``is_finished``, for the job page (which only
    shows it): compiled once, no ORM object, no session (``core.reads``)."""
    return prepared_reads().first(_JOB_VIEW, {"job_id": job_id})


@dataclass(frozen=True)
class JobPage:
    jobs: list[Row]  # rows of the jobs table, with JobTotals
    page: int
    pages: int
    total: int


# What a job's line in a list shows (``JobRowView`` in webapp.pages.display has these fields).
JOB_LINE_COLUMNS = ("id", "hashtag", "status", "tracker_id", "created_at", "source", "positive",
                    "neutral", "negative", "scored", "tweet_limit")
# The pages' lists: each job's line, and what tells a run that found nothing new
# (``is_empty_run``) and groups it (``collapse_empty_runs`` folds consecutive ones of a tag).
_LIST_PAGE_COLUMNS = (*JOB_LINE_COLUMNS, "since_id", "hashtag_key")


def list_jobs(*, hashtag: str | None = None, status: str | None = None,
              page: int = 1, per_page: int = 20, rows: bool = False) -> JobPage:
    """History, newest first, optionally for one hashtag (any case) and/or one status, as rows
    of the jobs table with ``total`` and ``is_finished`` (``JobTotals``). ``rows``: only the
    columns ``job_to_dict`` shows (the API); else every column (the pages).

    One round trip to the database for the page and its count (an uncorrelated subquery,
    evaluated once), compiled once (``core.reads``): under load each round trip cost about
    as much machine time as a whole bare-Flask request, and the ORM's objects a third of the
    history's Python time."""
    page_statement, count_statement = _HISTORY[not rows, bool(hashtag), bool(status)]
    params: dict[str, Any] = {"limit": per_page, "offset": (page - 1) * per_page}
    if hashtag:
        params["hashtag_key"] = hashtag_key(hashtag)
    if status:
        params["status"] = status
    reads = prepared_reads()
    jobs = reads.all(page_statement, params)
    # A page past the end has no row to carry the count: count on its own then.
    total = jobs[0].listed if jobs else reads.scalar(count_statement, params) or 0
    return JobPage(jobs, page, max(1, math.ceil(total / per_page)), total)


def _history_statements() -> dict[tuple[bool, bool, bool], tuple[Select, Select]]:
    """For each kind of row (the pages' lists', or the API's) and filter (by hashtag, by status):
    the page of jobs with the count of all the filter finds beside every row (``listed``), and
    that count alone. Module constants, so ``prepared_reads`` compiles each once."""
    jobs = Job.__table__.c
    statements = {}
    for by_hashtag in (False, True):
        for by_status in (False, True):
            if by_hashtag and by_status:  # one hashtag's jobs of one status, counted by index
                count = select(func.count().label("listed")).select_from(Job.__table__).where(
                    jobs.hashtag_key == bindparam("hashtag_key"),
                    jobs.status == bindparam("status"))
            elif by_hashtag:  # all of one hashtag's jobs: the triggers' count, one row
                count = select(cast(func.coalesce(
                    select(HashtagJobCount.jobs)
                    .where(HashtagJobCount.hashtag_key == bindparam("hashtag_key"))
                    .scalar_subquery(), 0), Integer).label("listed"))
            else:  # every job: the triggers' per-status counts, a handful of rows
                count = select(cast(func.coalesce(func.sum(JobCount.jobs), 0), Integer)
                               .label("listed"))
                if by_status:
                    count = count.where(JobCount.status == bindparam("status"))
            for for_pages in (False, True):
                columns = (tuple(jobs[name] for name in _LIST_PAGE_COLUMNS) if for_pages
                           else _API_COLUMNS)
                page = select(*columns, count.scalar_subquery().label("listed"))
                if by_hashtag:
                    page = page.where(jobs.hashtag_key == bindparam("hashtag_key"))
                if by_status:
                    page = page.where(jobs.status == bindparam("status"))
                page = (page.order_by(jobs.created_at.desc(), jobs.id.desc())
                        .limit(bindparam("limit")).offset(bindparam("offset"))
                        .execution_options(row_mixin=JobTotals))
                statements[for_pages, by_hashtag, by_status] = (page, count)
    return statements


_HISTORY = _history_statements()


_TRACKER_RUNS = (select(*(Job.__table__.c[name] for name in _LIST_PAGE_COLUMNS))
                 .where(Job.tracker_id == bindparam("tracker_id"))
                 .order_by(Job.scheduled_for.desc()).limit(bindparam("limit"))
                 .execution_options(row_mixin=JobTotals))


def tracker_runs(tracker_id: int, limit: int) -> list[Row]:
    """A tracker's ``limit`` newest runs, newest slot first, as the pages' lists read jobs
    (along the (tracker_id, scheduled_for) unique index)."""
    return prepared_reads().all(_TRACKER_RUNS, {"tracker_id": tracker_id, "limit": limit})


def is_empty_run(job: Job) -> bool:
    return (job.status == "done" and job.total == 0
            and (job.tracker_id is not None or job.since_id is not None))


# The newest jobs that are results (not runs that found nothing new, nor tracked runs that
# failed: their trackers say so): the home page's latest analyses, shown on every view, read
# along the partial index of results (``RESULT_JOB_SQL``, the same text as the index's).
_LATEST_RESULTS = (select(*(Job.__table__.c[name] for name in JOB_LINE_COLUMNS))
                   .where(text(RESULT_JOB_SQL))
                   .order_by(Job.created_at.desc(), Job.id.desc()).limit(bindparam("limit")))


def latest_results(limit: int) -> list[Row]:
    """The ``limit`` newest results, as rows for ``job_row_html``: compiled once
    (``core.reads``) instead of building the ORM query and ``Job`` objects on every view."""
    return prepared_reads().all(_LATEST_RESULTS, {"limit": limit})


@dataclass(frozen=True)
class EmptyRuns:
    """Consecutive runs of a list that found nothing new, shown as one line."""

    jobs: list[Job]

    @property
    def count(self) -> int:
        return len(self.jobs)

    @property
    def newest(self) -> Job:
        return self.jobs[0]

    @property
    def oldest(self) -> Job:
        return self.jobs[-1]


def collapse_empty_runs(jobs: list[Job]) -> list[Job | EmptyRuns]:
    """The list with each stretch of consecutive empty runs of one hashtag folded into one
    ``EmptyRuns``."""
    items: list[Job | EmptyRuns] = []
    for job in jobs:
        if is_empty_run(job):
            if (items and isinstance(items[-1], EmptyRuns)
                    and items[-1].newest.hashtag_key == job.hashtag_key):
                items[-1].jobs.append(job)
            else:
                items.append(EmptyRuns([job]))
        else:
            items.append(job)
    return items


def nothing_new_since(job: Job) -> datetime | None:
    """For an empty run: the time of the newest post of the same hashtag and source that any
    run stored (None if there is none)."""
    return prepared_reads().scalar(_NEWEST_POST, {"hashtag_key": job.hashtag_key,
                                                  "source": job.source})


_NEWEST_POST = (select(func.max(HashtagPost.created_at).label("newest"))
                .where(HashtagPost.hashtag_key == bindparam("hashtag_key"),
                       HashtagPost.source == bindparam("source")))


@dataclass(frozen=True)
class TweetPage:
    tweets: list[Row]  # rows of the tweets table
    page: int
    pages: int
    total: int


NOT_SCORED = "not_scored"
"""The label filter for a job's posts that were not scored (not in its language)."""


def _tweet_statements() -> dict[tuple[str, str], tuple[Select, Select]]:
    """A job's posts for each label filter (all, one label, not scored) and sort, and their
    count per filter. Module constants, so ``prepared_reads`` compiles each once: the job
    page and the posts API read a page of posts on every view."""
    tweets = Tweet.__table__.c
    scored = scored_condition(bindparam("lang"))
    filters = {"all": None, "label": and_(tweets.label == bindparam("label"), scored),
               NOT_SCORED: not_(scored)}
    statements = {}
    for kind, condition in filters.items():
        base = (select(*tweets).join(JobTweet.__table__, JobTweet.tweet_id == tweets.id)
                .where(JobTweet.job_id == bindparam("job_id")))
        if condition is not None:
            base = base.where(condition)
        count = select(func.count().label("total")).select_from(base.subquery())
        for sort, order in SORTS.items():
            page = (base.order_by(*order).limit(bindparam("limit"))
                    .offset(bindparam("offset")))
            statements[kind, sort] = (page, count)
    return statements


_TWEETS = _tweet_statements()


def job_tweets(job_id: int, *, label: str | None = None, sort: str = "newest",
               page: int = 1, per_page: int = 20, lang: str = DEFAULT_LANG) -> TweetPage:
    """A job's posts, as rows of the tweets table; ``label`` one of LABELS (scored posts) or
    NOT_SCORED (posts not in the job's language ``lang``)."""
    kind = NOT_SCORED if label == NOT_SCORED else ("label" if label else "all")
    page_statement, count_statement = _TWEETS[kind, sort]
    params = {"job_id": job_id, "lang": lang, "label": label, "limit": per_page,
              "offset": (page - 1) * per_page}
    reads = prepared_reads()
    tweets = reads.all(page_statement, params)
    if 0 < len(tweets) < per_page or (page == 1 and not tweets):
        # The last page, so the total is known without counting (most tracked runs and small
        # jobs fit on one page): one query instead of two.
        total = (page - 1) * per_page + len(tweets)
    else:
        total = reads.scalar(count_statement, params) or 0
    return TweetPage(tweets, page, max(1, math.ceil(total / per_page)), total)


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def job_to_dict(job: Job | Row) -> dict[str, Any]:
    """The API's view of a job, from a ``Job`` or a row of the jobs table."""
    total = job.positive + job.neutral + job.negative
    return {
        "id": job.id,
        "hashtag": job.hashtag,
        "source": job.source,
        "limit": job.tweet_limit,
        "status": job.status,
        "progress": {
            "fetched": job.fetched,
            "scored": job.scored,
            "total": total if job.status in FINISHED else job.tweet_limit,
        },
        "counts": {label: getattr(job, label) for label in LABELS},
        "lang": job.lang,
        # Fetched but not scored: posts in another language than the job's.
        "not_scored": {"language": job.skipped_language or 0},
        "mean_score": job.mean_score,
        "error": job.error,
        "model_version": job.model_version,
        "tracker_id": job.tracker_id,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "url": f"/api/jobs/{job.id}",
        "page_url": f"/jobs/{job.id}",
    }


def tweet_to_dict(tweet: Tweet, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """A post as a job of language ``lang`` shows it: a post in another language has no score
    (even if a job of its own language scored it), and says why."""
    scored = scored_in(lang, tweet.lang) and tweet.label is not None
    return {
        "text": tweet.text,
        "content_warning": tweet.content_warning,
        "username": tweet.username,
        "label": tweet.label if scored else None,
        "score": tweet.score if scored else None,
        "probs": {"negative": tweet.prob_negative, "neutral": tweet.prob_neutral,
                  "positive": tweet.prob_positive} if scored else None,
        "not_scored": None if scored else "language",
        "lang": tweet.lang,
        "created_at": iso(tweet.created_at),
        "url": tweet.url,
    }


# Failures that another try may not repeat: the source or the worker had a bad moment. Any
# other failure (no tweets for the hashtag, credentials X refused, a bad request) would fail the
# same way again, so the job page explains it instead of offering "Run it again".
_PASSING_FAILURES = ("The tweet source kept rate-limiting", "The tweet source is unavailable",
                     "The job took longer", "An internal error", "The worker processing")


def rerun_may_help(job: Job) -> bool:
    return job.status == "failed" and (job.error or "").startswith(_PASSING_FAILURES)
