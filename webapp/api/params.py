"""Query-string parsing shared by the API's list endpoints."""

from __future__ import annotations

from collections.abc import Mapping

from core.models import JOB_STATUSES, LABELS
from webapp.validation import ValidationError, parse_hashtag, parse_int


def page_args(args: Mapping[str, str], *, default_per_page: int = 20) -> tuple[int, int]:
    page = parse_int(args.get("page", "1"), "page", low=1, high=100_000, what="The page")
    per_page = parse_int(args.get("per_page", str(default_per_page)), "per_page", low=1,
                         high=100, what="per_page")
    return page, per_page


def label_arg(args: Mapping[str, str]) -> str | None:
    label = args.get("label") or None
    if label is not None and label not in (*LABELS, "not_scored"):
        raise ValidationError("label must be one of negative, neutral, positive, not_scored.",
                              "label")
    return label


def status_arg(args: Mapping[str, str]) -> str | None:
    status = args.get("status") or None
    if status is not None and status not in JOB_STATUSES:
        raise ValidationError("status must be one of queued, running, done, failed.", "status")
    return status


def hashtag_arg(args: Mapping[str, str], name: str = "hashtag") -> str | None:
    value = args.get(name)
    return parse_hashtag(value, name) if value else None
