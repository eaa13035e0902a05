"""A hashtag's story over time, counted from its posts by the posts' own times.

Every post fetched for a hashtag counts once, however many runs saw it (``hashtag_posts``), in
the UTC hour or day it was written. The counts are summed in SQL from ``hashtag_hours`` (one row
per hashtag, source and hour), so a hashtag with a million posts sums a few thousand rows.
Buckets with no posts are omitted from the points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, bindparam, case, column, func, select, text

from core.db import db, prepared_reads
from core.hashtag_posts import hour_of, hour_start
from core.hashtags import hashtag_key as key_of
from core.models import HashtagHour, HashtagPost, Tweet, utcnow
from webapp.jobs import iso
from webapp.validation import ValidationError

BUCKETS = {"hour": 1, "day": 24}
# A range up to this long is drawn by the hour, a longer one by the day.
HOURLY_UP_TO = timedelta(days=3)
RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
          "all": None}


@dataclass(frozen=True)
class TrendRange:
    """A half-open range [start, end) of whole buckets, UTC."""

    start: datetime
    end: datetime
    bucket: str

    @property
    def hours(self) -> tuple[int, int]:
        return hour_of(self.start), hour_of(self.end)

    def previous(self) -> TrendRange:
        """The period of the same length just before this one."""
        length = self.end - self.start
        return TrendRange(self.start - length, self.start, self.bucket)


def parse_time(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        # In UTC here: 0001-01-01T00:00+01:00 has no UTC time (OverflowError, once a 500).
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            f"{name} must be an ISO 8601 time, e.g. 2026-11-25T10:00:00Z.", name) from None


def parse_bucket(value: str | None) -> str | None:
    if not value:
        return None
    if value not in BUCKETS:
        raise ValidationError("bucket must be hour or day.", "bucket")
    return value


# One hashtag's span, all sources (its page, on every view): compiled once (core.reads).
_ONE_TAG_SPAN = (select(func.min(HashtagHour.hour).label("first"),
                        func.max(HashtagHour.hour).label("last"))
                 .where(HashtagHour.hashtag_key == bindparam("hashtag_key")))


def data_span(hashtag_keys: list[str], source: str | None = None) -> tuple[int, int] | None:
    """The first and last hour holding posts of any of the hashtags."""
    if len(hashtag_keys) == 1 and not source:
        first, last = prepared_reads().first(
            _ONE_TAG_SPAN, {"hashtag_key": key_of(hashtag_keys[0])})
    else:
        query = select(func.min(HashtagHour.hour), func.max(HashtagHour.hour)).where(
            HashtagHour.hashtag_key.in_([key_of(k) for k in hashtag_keys]))
        if source:
            query = query.where(HashtagHour.source == source)
        first, last = db.session.execute(query).one()
    return None if first is None else (first, last)


def _floor(moment: datetime, bucket: str) -> datetime:
    moment = moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if bucket == "day" else moment


def _ceil(moment: datetime, bucket: str) -> datetime:
    floored = _floor(moment, bucket)
    return floored if floored == moment else floored + timedelta(hours=BUCKETS[bucket])


def resolve_range(hashtag_keys: list[str], *, start: datetime | None, end: datetime | None,
                  bucket: str | None, source: str | None = None,
                  now: datetime | None = None) -> TrendRange:
    """Whole buckets covering [start, end); missing ends come from the posts (``all``) and the
    bucket from the length: up to three days by the hour, longer by the day."""
    now = now or utcnow()
    if start is None or end is None:
        span = data_span(hashtag_keys, source)
        first = hour_start(span[0]) if span else now - timedelta(hours=24)
        last = hour_start(span[1] + 1) if span else now
        start = start or first
        end = end or last
    if end <= start:
        raise ValidationError("from must be before to.", "from")
    bucket = bucket or ("hour" if end - start <= HOURLY_UP_TO else "day")
    return TrendRange(_floor(start, bucket), _ceil(end, bucket), bucket)


def trend_points(hashtag_key: str, period: TrendRange,
                 source: str | None = None) -> list[dict[str, Any]]:
    """``{t, positive, neutral, negative, total, mean_score}`` per non-empty bucket, oldest first;
    ``t`` is the bucket's start."""
    width = BUCKETS[period.bucket]
    bucket = HashtagHour.hour - (HashtagHour.hour % width) if width > 1 else HashtagHour.hour
    first, last = period.hours
    query = (
        select(bucket.label("b"), func.sum(HashtagHour.positive), func.sum(HashtagHour.neutral),
               func.sum(HashtagHour.negative), func.sum(HashtagHour.score_sum))
        .where(HashtagHour.hashtag_key == key_of(hashtag_key), HashtagHour.hour >= first,
               HashtagHour.hour < last)
        .group_by("b").order_by("b"))
    if source:
        query = query.where(HashtagHour.source == source)
    points = []
    for b, positive, neutral, negative, score_sum in db.session.execute(query):
        total = positive + neutral + negative
        if not total:
            continue
        points.append({
            "t": iso(hour_start(b)), "positive": positive, "neutral": neutral,
            "negative": negative, "total": total, "mean_score": round(score_sum / total, 4),
        })
    return points


def summary(hashtag_key: str, period: TrendRange, source: str | None = None) -> dict[str, Any]:
    """Posts, positive and negative share and mean score over the range, and the same figures
    for the period of the same length before it with the change (None when either is empty)."""
    now, before = _totals(hashtag_key, period, source)
    change = {}
    for name in ("posts", "positive_share", "negative_share", "mean_score"):
        a, b = now[name], before[name]
        change[name] = None if a is None or b is None or not before["posts"] else a - b
    return {**now, "previous": before, "change": change}


_COUNTS = ("positive", "neutral", "negative", "score_sum")


def _totals_statements() -> dict[bool, Select]:
    """A hashtag's sums over a range of hours [first, last) and over the range of the same
    length before it [before, first), all sources or one (``source``), in one statement: every
    tag page view reads both, and each round trip to the database costs about as much as the
    sums. Module constants, so ``prepared_reads`` compiles each once."""
    hour, first = HashtagHour.hour, bindparam("first")
    sums = []
    for prefix, in_range in (("", hour >= first), ("before_", hour < first)):
        sums += [func.sum(case((in_range, getattr(HashtagHour, count)))).label(prefix + count)
                 for count in _COUNTS]
    query = select(*sums).where(HashtagHour.hashtag_key == bindparam("hashtag_key"),
                                hour >= bindparam("before"), hour < bindparam("last"))
    return {False: query, True: query.where(HashtagHour.source == bindparam("source"))}


_TOTALS = _totals_statements()


def _totals(hashtag_key: str, period: TrendRange,
            source: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The range's figures and those of the period of the same length before it."""
    first, last = period.hours
    before, _ = period.previous().hours
    params = {"hashtag_key": key_of(hashtag_key), "before": before, "first": first,
              "last": last}
    if source:
        params["source"] = source
    row = prepared_reads().first(_TOTALS[bool(source)], params)
    return _figures(*row[:4]), _figures(*row[4:])


def _figures(positive, neutral, negative, score_sum) -> dict[str, Any]:
    total = (positive or 0) + (neutral or 0) + (negative or 0)
    return {
        "posts": total,
        "positive_share": positive / total if total else None,
        "negative_share": negative / total if total else None,
        "mean_score": score_sum / total if total else None,
    }


def top_posts(hashtag_key: str, period: TrendRange, *, source: str | None = None,
              n: int = 5) -> dict[str, list[Tweet]]:
    """The most positive and most negative posts written in the range."""
    query = (select(Tweet).join(HashtagPost, HashtagPost.tweet_id == Tweet.id)
             .where(HashtagPost.hashtag_key == key_of(hashtag_key),
                    HashtagPost.created_at >= period.start, HashtagPost.created_at < period.end))
    if source:
        query = query.where(HashtagPost.source == source)
    return {
        "positive": list(db.session.scalars(
            query.where(Tweet.label == "positive")
            .order_by(Tweet.score.desc(), Tweet.id.desc()).limit(n))),
        "negative": list(db.session.scalars(
            query.where(Tweet.label == "negative")
            .order_by(Tweet.score.asc(), Tweet.id.desc()).limit(n))),
    }


def range_texts(hashtag_key: str, period: TrendRange, *, source: str | None = None,
                limit: int = 5000) -> list[tuple[str, str]]:
    """(label, text) of the range's newest posts, at most ``limit``: the top terms' corpus."""
    query = (select(Tweet.label, Tweet.text).join(HashtagPost, HashtagPost.tweet_id == Tweet.id)
             .where(HashtagPost.hashtag_key == key_of(hashtag_key),
                    HashtagPost.created_at >= period.start, HashtagPost.created_at < period.end)
             .order_by(HashtagPost.created_at.desc()).limit(limit))
    if source:
        query = query.where(HashtagPost.source == source)
    return [(row.label, row.text) for row in db.session.execute(query)]


# A loose index scan over ix_jobs_hashtag_key_status_model_version: one index probe per
# distinct version (a handful) instead of reading every finished run of the tag (thousands for a
# busy one: 1 ms of the database's time on each view of its page). Plain SQL both databases run.
_MODEL_VERSIONS = text("""
WITH RECURSIVE versions(version) AS (
    SELECT (SELECT model_version FROM jobs
            WHERE hashtag_key = :key AND status = 'done' AND model_version IS NOT NULL
            ORDER BY model_version LIMIT 1)
    UNION ALL
    SELECT (SELECT model_version FROM jobs
            WHERE hashtag_key = :key AND status = 'done' AND model_version > versions.version
            ORDER BY model_version LIMIT 1)
    FROM versions WHERE versions.version IS NOT NULL
)
SELECT version,
       (SELECT min(finished_at) FROM jobs
        WHERE hashtag_key = :key AND status = 'done' AND model_version = versions.version)
       AS first_finished
FROM versions WHERE version IS NOT NULL
ORDER BY first_finished, version
""").columns(column("version", String), column("first_finished"))


def model_versions(hashtag_key: str) -> list[str]:
    """The model versions behind a hashtag's finished runs, oldest first."""
    rows = prepared_reads().all(_MODEL_VERSIONS, {"key": key_of(hashtag_key)})
    return [row.version for row in rows]


def range_to_dict(period: TrendRange) -> dict[str, Any]:
    return {"bucket": period.bucket, "from": iso(period.start), "to": iso(period.end)}
