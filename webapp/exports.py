"""A job's tweets as CSV or JSON, streamed: a 1000-tweet job never sits in memory as one string."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from sqlalchemy import select

from core.db import db
from core.models import Job, JobTweet, Tweet
from webapp.jobs import SORTS, iso, job_to_dict, tweet_to_dict

CSV_COLUMNS = ("created_at", "username", "text", "label", "score", "prob_negative",
               "prob_neutral", "prob_positive", "url", "model_version", "lang", "not_scored",
               "content_warning")
# Spreadsheet programs run cells that start with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 200


def _tweets(job_id: int) -> Iterator[Tweet]:
    query = (select(Tweet).join(JobTweet, JobTweet.tweet_id == Tweet.id)
             .where(JobTweet.job_id == job_id).order_by(*SORTS["newest"])
             .execution_options(yield_per=_BATCH))
    yield from db.session.scalars(query)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def csv_rows(job: Job) -> Iterator[str]:
    """The CSV export, a chunk of lines at a time; text cells are guarded against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for count, tweet in enumerate(_tweets(job.id), start=1):
        post = tweet_to_dict(tweet, job.lang)
        probs = post["probs"] or {}
        writer.writerow([
            iso(tweet.created_at), _cell(tweet.username), _cell(tweet.text), post["label"] or "",
            _number(post["score"]), _number(probs.get("negative")),
            _number(probs.get("neutral")), _number(probs.get("positive")), _cell(tweet.url),
            _cell(tweet.model_version) if post["label"] else "", _cell(tweet.lang),
            post["not_scored"] or "", _cell(tweet.content_warning),
        ])
        if count % _BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(job: Job) -> Iterator[str]:
    """``{"job": {...}, "tweets": [...]}``, written one tweet at a time."""
    yield '{"job": ' + json.dumps(job_to_dict(job)) + ', "tweets": ['
    for count, tweet in enumerate(_tweets(job.id)):
        yield ("," if count else "") + "\n" + json.dumps(tweet_to_dict(tweet, job.lang),
                                                          ensure_ascii=False)
    yield "\n]}\n"


def export_filename(job: Job, extension: str) -> str:
    return f"tagpulse-{job.hashtag_key}-job{job.id}.{extension}"
