"""/api/tags/<tag>/trend and /api/compare: hashtags' sentiment over time, by the posts' times."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from flask import Response, jsonify, request

from core.hashtags import hashtag_key
from webapp.api import api_bp
from webapp.trends import (
    TrendRange,
    parse_bucket,
    parse_time,
    range_to_dict,
    resolve_range,
    trend_points,
)
from webapp.validation import ValidationError, parse_hashtag, parse_source

MAX_COMPARED = 4
CSV_COLUMNS = ("t", "positive", "neutral", "negative", "total", "mean_score")


def range_args(args: Mapping[str, str], hashtag_keys: list[str],
               source: str | None = None) -> TrendRange:
    # ``since`` is the former name of ``from``, kept for existing callers.
    start = parse_time(args.get("from") or args.get("since"),
                       "from" if args.get("from") else "since")
    end = parse_time(args.get("to"), "to")
    return resolve_range(hashtag_keys, start=start, end=end,
                         bucket=parse_bucket(args.get("bucket")), source=source)


def source_arg(args: Mapping[str, str]) -> str | None:
    value = args.get("source")
    return parse_source(value) if value else None


def compared_tags(value: str | None) -> list[str]:
    """1 to 4 distinct hashtags, comma-separated, as typed (without '#')."""
    names = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not names:
        raise ValidationError("Name 1 to 4 hashtags to compare, e.g. tags=python,rust.", "tags")
    tags: list[str] = []
    for name in names:
        tag = parse_hashtag(name, "tags")
        if hashtag_key(tag) not in [hashtag_key(t) for t in tags]:
            tags.append(tag)
    if len(tags) > MAX_COMPARED:
        raise ValidationError(f"Compare at most {MAX_COMPARED} hashtags.", "tags")
    return tags


def _trend(tag: str) -> dict:
    hashtag = parse_hashtag(tag, "tag")
    source = source_arg(request.args)
    period = range_args(request.args, [hashtag], source)
    return {"hashtag": hashtag, **range_to_dict(period), "source": source,
            "points": trend_points(hashtag, period, source)}


@api_bp.get("/tags/<tag>/trend")
def tag_trend(tag: str):
    return jsonify(_trend(tag))


@api_bp.get("/tags/<tag>/trend.csv")
def tag_trend_csv(tag: str):
    body = _trend(tag)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for point in body["points"]:
        writer.writerow([point[name] for name in CSV_COLUMNS])
    filename = f"tagpulse-{body['hashtag'].lower()}-trend-{body['bucket']}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@api_bp.get("/compare")
def compare():
    tags = compared_tags(request.args.get("tags"))
    source = source_arg(request.args)
    period = range_args(request.args, tags, source)
    return jsonify({
        **range_to_dict(period), "source": source,
        "series": [{"hashtag": tag, "points": trend_points(tag, period, source)} for tag in tags],
    })
