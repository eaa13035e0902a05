"""/api/tags/<tag>/trend: a hashtag's sentiment over time."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify, request

from core.hashtags import hashtag_key
from webapp.api import api_bp
from webapp.trends import trend_points
from webapp.validation import ValidationError, parse_hashtag


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        since = datetime.fromisoformat(value.replace("Z", "+00:00"))
        # In UTC here: 0001-01-01T00:00+01:00 has no UTC time (OverflowError, once a 500).
        return since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            "since must be an ISO 8601 time, e.g. 2026-11-25T10:00:00Z.", "since") from None


@api_bp.get("/tags/<tag>/trend")
def tag_trend(tag: str):
    hashtag = parse_hashtag(tag, "tag")
    points = trend_points(hashtag_key(hashtag), since=parse_since(request.args.get("since")))
    return jsonify({"hashtag": hashtag, "points": points})
