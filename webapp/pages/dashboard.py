"""What a hashtag's dashboard and the comparison show for a range: picked by name (24 h, 7 d,
30 d, all) or by dates, with its bucket; the figures come from ``webapp.trends``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app, url_for
from markupsafe import Markup

from core.hashtags import hashtag_key as key_of
from core.models import utcnow
from core.shares import whole_percent
from webapp import trends
from webapp.pages.terms import distinctive_terms
from webapp.trends import RANGES, TrendRange
from webapp.validation import ValidationError

RANGE_NAMES = {"24h": "24 h", "7d": "7 days", "30d": "30 days", "all": "All"}
DEFAULT_RANGE = "30d"


@dataclass(frozen=True)
class RangeChoice:
    """The range a page shows, and the query arguments that ask for it again."""

    name: str  # a RANGE_NAMES key, or "custom"
    period: TrendRange
    bucket_choice: str  # "auto", "hour" or "day"
    args: dict[str, str]

    @property
    def api_args(self) -> dict[str, str]:
        args = {"from": _iso(self.period.start), "to": _iso(self.period.end),
                "bucket": self.period.bucket}
        return args

    @property
    def last_day(self) -> str:
        """The custom range's last day, inclusive, as a date input shows it."""
        return (self.period.end - timedelta(seconds=1)).date().isoformat()


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _date(value: str | None, name: str) -> datetime | None:
    """A date input's YYYY-MM-DD (midnight UTC) or an ISO time."""
    if not value:
        return None
    if len(value) == 10:
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            raise ValidationError(f"{name} must be a date, e.g. 2026-11-25.", name) from None
    return trends.parse_time(value, name)


def choose_range(args: Mapping[str, str], hashtag_keys: list[str], *,
                 now: datetime | None = None) -> RangeChoice:
    """The range asked for; by default the last 30 days, or all time when they hold no post."""
    now = now or utcnow()
    bucket_choice = args.get("bucket") or "auto"
    bucket = trends.parse_bucket(None if bucket_choice == "auto" else bucket_choice)
    name = args.get("range") or ""
    start = _date(args.get("from"), "from")
    end = _date(args.get("to"), "to")
    if name == "custom" or (not name and (start or end)):
        if end is not None and len(args.get("to", "")) == 10:
            end += timedelta(days=1)  # the last day is included
        name = "custom"
    else:
        if name and name not in RANGES:
            raise ValidationError("range must be one of 24h, 7d, 30d, all or custom.", "range")
        if not name:
            span = trends.data_span(hashtag_keys)
            recent_hour = (now - RANGES[DEFAULT_RANGE]).timestamp() // 3600
            recent = span is not None and span[1] >= recent_hour
            name = DEFAULT_RANGE if recent or span is None else "all"
        length = RANGES[name]
        start, end = (None, None) if length is None else (now - length, now)
    period = trends.resolve_range(hashtag_keys, start=start, end=end, bucket=bucket, now=now)
    kept = {"range": name, "bucket": bucket_choice}
    if name == "custom":
        kept.update({"from": args.get("from", ""), "to": args.get("to", "")})
    return RangeChoice(name, period, bucket_choice, {k: v for k, v in kept.items() if v})


def tiles(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The four summary figures with their change against the previous period."""
    change = summary["change"]
    return [
        {"key": "posts", "name": "Posts", "value": f"{summary['posts']:,}",
         "change": _change_text(change["posts"], "count"), "trend": _sign(change["posts"])},
        {"key": "positive", "name": "Positive", "value": _percent(summary["positive_share"]),
         "change": _change_text(change["positive_share"], "share"),
         "trend": _sign(change["positive_share"])},
        {"key": "negative", "name": "Negative", "value": _percent(summary["negative_share"]),
         "change": _change_text(change["negative_share"], "share"),
         "trend": _sign(change["negative_share"])},
        {"key": "mean", "name": "Mean score",
         "value": "–" if summary["mean_score"] is None else f"{summary['mean_score']:.2f}",
         "change": _change_text(change["mean_score"], "score"),
         "trend": _sign(change["mean_score"])},
    ]


def _percent(value: float | None) -> str:
    return "–" if value is None else whole_percent(value)


def _sign(value: float | None) -> str:
    if value is None or abs(value) < 1e-9:
        return "flat"
    return "up" if value > 0 else "down"


def _change_text(value: float | None, kind: str) -> str:
    if value is None:
        return "no earlier period to compare"
    if kind == "count":
        return f"{value:+,} vs previous period"
    if kind == "share":
        return f"{100 * value:+.0f} pts vs previous period"
    return f"{value:+.2f} vs previous period"


def dashboard(hashtag: str, choice: RangeChoice) -> dict[str, Any]:
    key = key_of(hashtag)
    period = choice.period
    summary = trends.summary(key, period)
    return {
        "summary": summary,
        "tiles": tiles(summary),
        "posts_html": range_posts_html(key, period, _posts_version(summary)),
        "trend_url": url_for("api.tag_trend", tag=hashtag, **choice.api_args),
        "csv_url": url_for("api.tag_trend_csv", tag=hashtag, **choice.api_args),
    }


def _posts_version(summary: dict[str, Any]) -> tuple:
    """What changes whenever the range's scored posts do: a post added, removed or scored again
    moves its hour's counts or score sum (``hashtag_hours``), and so the range's totals."""
    return (summary["posts"], summary["positive_share"], summary["negative_share"],
            summary["mean_score"])


POSTS_CACHE = "tagpulse.range_posts"
RANGES_KEPT = 256


def range_posts_html(key: str, period: TrendRange, version: tuple) -> Markup:
    """The range's top posts and distinctive words (``tags/_posts.html``), rendered once per
    version of its posts.

    Both read every post of the range (thousands for a busy tag: the terms tokenise up to 5,000
    texts) and were most of the page's time; they change only when the range's posts do, which
    ``version`` says. Their HTML holds no link and nothing of the viewer's, so it is kept whole
    (rendering them was another 6 % of a busy tag's page). Each web process keeps the last
    ``RANGES_KEPT`` ranges it was asked for.
    """
    render = current_app.extensions.get(POSTS_CACHE)
    if render is None:
        render = current_app.extensions.setdefault(
            POSTS_CACHE, lru_cache(maxsize=RANGES_KEPT)(_render_range_posts))
    return render(key, period, version)


def _render_range_posts(key: str, period: TrendRange, version: tuple) -> Markup:
    del version  # part of the cache key only
    terms = distinctive_terms(trends.range_texts(key, period), key)
    template = current_app.jinja_env.get_template("tags/_posts.html")
    # Autoescaped: what the template interpolated is escaped already.
    return Markup(template.render(top_posts=trends.top_posts(key, period),  # noqa: S704
                                  terms=terms))
