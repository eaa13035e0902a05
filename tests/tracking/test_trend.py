"""/api/tags/<tag>/trend: a hashtag's posts bucketed by their own time, each counted once,
summed in SQL on SQLite and PostgreSQL and checked against a plain recount of the rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Job, JobTweet, Tweet
from tests.tracking.conftest import T0, FakePrediction, score_by_length
from worker import pipeline
from worker.sources import FetchedTweet


def fetched(n: int, *, start: int = 0, minutes_apart: int = 25) -> list[FetchedTweet]:
    """Posts ``start``..``start+n-1``, written ``minutes_apart`` apart from T0 - 2 days."""
    origin = T0 - timedelta(days=2)
    # English, as the source says (like the sample corpus): "xxxxxx post 3" is no language a
    # detector could name, and a post in another language is stored unscored.
    return [FetchedTweet(source_id=str(10_000 + i), username=f"user{i}",
                         text="x" * (10 + i % 7) + f" post {i}",
                         created_at=origin + timedelta(minutes=minutes_apart * i), lang="en")
            for i in range(start, start + n)]


def store_run(hashtag: str, tweets: list[FetchedTweet], *, score=score_by_length,
              model_version: str = "m1", tracker_id: int | None = None) -> int:
    """A finished run of ``hashtag`` that fetched ``tweets``, through the worker's own storage."""
    job = Job(hashtag=hashtag, hashtag_key=hashtag.lower(), source="sample", tweet_limit=1000,
              status="running", created_at=T0, tracker_id=tracker_id)
    db.session.add(job)
    db.session.commit()
    pipeline.store_page(job, tweets, score, model_version)
    job.status = "done"
    db.session.commit()
    return job.id


def recount(hashtag_key: str, bucket_hours: int) -> dict[str, dict]:
    """The trend the slow, obvious way: distinct tweets of the hashtag's jobs, in Python."""
    rows = db.session.execute(
        select(Tweet.id, Tweet.created_at, Tweet.label, Tweet.score)
        .join(JobTweet, JobTweet.tweet_id == Tweet.id).join(Job, Job.id == JobTweet.job_id)
        .where(Job.hashtag_key == hashtag_key).distinct()).all()
    buckets: dict[str, dict] = defaultdict(
        lambda: {"positive": 0, "neutral": 0, "negative": 0, "total": 0, "score": 0.0})
    for _id, created_at, label, score in rows:
        hour = int(created_at.timestamp() // 3600)
        start = (hour - hour % bucket_hours) * 3600
        from datetime import UTC, datetime
        key = datetime.fromtimestamp(start, UTC).isoformat().replace("+00:00", "Z")
        buckets[key][label] += 1
        buckets[key]["total"] += 1
        buckets[key]["score"] += score
    return {k: {**v, "score": round(v["score"] / v["total"], 4)} for k, v in buckets.items()}


def as_recount(points: list[dict]) -> dict[str, dict]:
    return {p["t"]: {"positive": p["positive"], "neutral": p["neutral"],
                     "negative": p["negative"], "total": p["total"], "score": p["mean_score"]}
            for p in points}


def rescore_all_positive(texts):
    probs = {"negative": 0.05, "neutral": 0.05, "positive": 0.9}
    return [FakePrediction("positive", 0.925, probs) for _ in texts]


@pytest.fixture
def stored(any_app):
    """#Python: three overlapping runs (posts seen twice count once), a run of #rust sharing
    posts, and a later run scored by a new model (its posts move label everywhere)."""
    with any_app.app_context():
        store_run("Python", fetched(60))
        store_run("python", fetched(60, start=30))  # 30 posts again, 30 new
        store_run("PYTHON", fetched(10, start=85))
        store_run("rust", fetched(40, start=70))
        store_run("rust", fetched(5, start=70), score=rescore_all_positive, model_version="m2")
    return any_app


@pytest.mark.parametrize("bucket", ["hour", "day"])
def test_trend_equals_a_plain_recount_of_distinct_posts(stored, bucket):
    client = stored.test_client()
    body = client.get(f"/api/tags/Python/trend?bucket={bucket}").get_json()
    assert body["hashtag"] == "Python" and body["bucket"] == bucket
    with stored.app_context():
        for key in ("python", "rust"):
            points = client.get(f"/api/tags/{key}/trend?bucket={bucket}").get_json()["points"]
            assert as_recount(points) == recount(key, 24 if bucket == "day" else 1)
    assert sum(p["total"] for p in body["points"]) == 95  # 0..89 and 85..94, once each


def test_a_post_seen_by_many_runs_counts_once(stored):
    client = stored.test_client()
    before = client.get("/api/tags/python/trend").get_json()["points"]
    with stored.app_context():
        store_run("python", fetched(95))  # every post again (5 of them scored back by m1)
        after = client.get("/api/tags/python/trend").get_json()["points"]
        assert as_recount(after) == recount("python", 1)
    assert [(p["t"], p["total"]) for p in after] == [(p["t"], p["total"]) for p in before]


def test_posts_are_bucketed_by_their_own_time_not_the_runs(stored):
    points = stored.test_client().get("/api/tags/python/trend?bucket=hour").get_json()["points"]
    # 95 posts 25 minutes apart span ~40 hours: many buckets, though every run finished at T0.
    assert len(points) > 30
    assert points[0]["t"] == "2026-02-28T12:00:00Z"
    assert [p["t"] for p in points] == sorted(p["t"] for p in points)


def test_range_is_half_open_and_whole_buckets(stored):
    client = stored.test_client()
    body = client.get("/api/tags/python/trend?from=2026-02-28T13:10:00Z"
                      "&to=2026-02-28T15:00:00Z").get_json()
    assert body["bucket"] == "hour"
    assert (body["from"], body["to"]) == ("2026-02-28T13:00:00Z", "2026-02-28T15:00:00Z")
    assert [p["t"] for p in body["points"]] == ["2026-02-28T13:00:00Z", "2026-02-28T14:00:00Z"]


def test_long_ranges_are_drawn_by_the_day(stored):
    body = stored.test_client().get(
        "/api/tags/python/trend?from=2026-02-01T00:00:00Z&to=2026-03-05T00:00:00Z").get_json()
    assert body["bucket"] == "day"
    assert [p["t"][:10] for p in body["points"]] == ["2026-02-28", "2026-03-01", "2026-03-02"]


def test_source_filter_keeps_only_that_sources_posts(stored):
    client = stored.test_client()
    assert client.get("/api/tags/python/trend?source=x").get_json()["points"] == []
    assert client.get("/api/tags/python/trend?source=sample").get_json()["points"]


def test_rescored_posts_move_label_in_every_hashtag(stored):
    client = stored.test_client()
    rust = client.get("/api/tags/rust/trend?bucket=day").get_json()["points"]
    with stored.app_context():
        assert as_recount(rust) == recount("rust", 24)


def test_trend_csv_has_one_line_per_bucket(stored):
    response = stored.test_client().get("/api/tags/python/trend.csv?bucket=day")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0] == "t,positive,neutral,negative,total,mean_score"
    assert len(lines) == 4


def test_unknown_hashtag_has_an_empty_trend(client):
    body = client.get("/api/tags/neverseen/trend").get_json()
    assert body["hashtag"] == "neverseen" and body["points"] == []


def test_compare_shares_one_range_and_bucket(stored):
    body = stored.test_client().get("/api/compare?tags=python,Rust,%23PYTHON&bucket=day").get_json()
    assert body["bucket"] == "day"
    assert [s["hashtag"] for s in body["series"]] == ["python", "Rust"]
    with stored.app_context():
        assert as_recount(body["series"][1]["points"]) == recount("rust", 24)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/tags/python/trend?from=yesterday", "from"),
        ("/api/tags/python/trend?since=2026-13-01", "since"),
        ("/api/tags/python/trend?to=2026-13-01", "to"),
        ("/api/tags/python/trend?bucket=week", "bucket"),
        ("/api/tags/python/trend?source=myspace", "source"),
        ("/api/tags/python/trend?from=2026-03-02T00:00Z&to=2026-03-01T00:00Z", "from"),
        ("/api/tags/bad-tag/trend", "tag"),
        ("/api/compare?tags=", "tags"),
        ("/api/compare?tags=a,b,c,d,e", "tags"),
        ("/api/compare?tags=a,b-c", "tags"),
    ],
)
def test_bad_trend_requests_are_422_naming_the_parameter(client, url, field):
    response = client.get(url)
    assert response.status_code == 422
    assert response.get_json()["field"] == field


def test_posts_left_unscored_for_their_language_are_not_in_the_trend_until_scored(any_app):
    # Merging languages (unscored posts) with the hourly counts: a post stored without a score
    # counts nowhere; when a job of its language scores it later, it joins its hour once.
    german = [FetchedTweet(source_id=str(50_000 + i), username="u", text=f"Guten Morgen {i}",
                           created_at=T0 - timedelta(hours=3), lang="de") for i in range(4)]
    with any_app.app_context():
        store_run("Kaffee", german)  # an English job: stores them, scores none
        client = any_app.test_client()
        assert client.get("/api/tags/kaffee/trend?bucket=day").get_json()["points"] == []
        job = Job(hashtag="Kaffee", hashtag_key="kaffee", source="sample", tweet_limit=10,
                  status="running", created_at=T0, lang="de")
        db.session.add(job)
        db.session.commit()
        pipeline.store_page(job, german, score_by_length, "m1")
        db.session.commit()
        [point] = client.get("/api/tags/kaffee/trend?bucket=day").get_json()["points"]
        assert point["total"] == 4
        assert as_recount([point]) == recount("kaffee", 24)


@pytest.mark.parametrize("source", [None, "sample", "x"])
def test_summary_and_its_previous_period_equal_the_trend_points(stored, source):
    """The page's figures for a range and for the range of the same length before it (read
    in one statement) are the sums of the trend's own points over each."""
    from datetime import UTC, datetime

    from webapp.trends import TrendRange, summary, trend_points

    def sums(points):
        total = sum(p["total"] for p in points)
        return {"posts": total,
                "positive_share": sum(p["positive"] for p in points) / total if total else None,
                "negative_share": sum(p["negative"] for p in points) / total if total else None}

    # The posts span 2026-02-28 12:00 to about 03-02 04:00: a range over the second day, and
    # before it the first, each holding some of them.
    period = TrendRange(datetime(2026, 3, 1, 6, tzinfo=UTC),
                        datetime(2026, 3, 2, 6, tzinfo=UTC), "hour")
    with stored.app_context():
        figures = summary("python", period, source)
        now, before = (sums(trend_points("python", p, source))
                       for p in (period, period.previous()))
    for name in ("posts", "positive_share", "negative_share"):
        assert figures[name] == pytest.approx(now[name])
        assert figures["previous"][name] == pytest.approx(before[name])
    if source != "x":
        assert figures["posts"] and figures["previous"]["posts"]
        assert figures["posts"] + figures["previous"]["posts"] <= 95
    else:
        assert figures["posts"] == figures["previous"]["posts"] == 0
