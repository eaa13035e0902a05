"""A job's tweets as CSV and JSON downloads."""

from __future__ import annotations

import csv
import io
import json

from tests.pages.factories import add_tweets, make_job

TWEETS = [
    ("positive", 0.9, "Lovely, with a comma, and \"quotes\""),
    ("negative", 0.1, "=HYPERLINK(\"http://evil\") looks like a formula"),
    ("neutral", 0.5, "@someone multi\nline"),
]


def test_csv_export_has_a_header_and_one_row_per_tweet(client, ctx):
    job = make_job("Python")
    add_tweets(job, TWEETS)
    response = client.get(f"/jobs/{job.id}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="tagpulse-python-job{job.id}.csv"')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 3
    assert list(rows[0]) == ["created_at", "username", "text", "label", "score",
                             "prob_negative", "prob_neutral", "prob_positive", "url",
                             "model_version", "lang", "not_scored", "content_warning"]
    by_label = {row["label"]: row for row in rows}
    assert by_label["positive"]["text"] == 'Lovely, with a comma, and "quotes"'
    assert by_label["positive"]["score"] == "0.9000"
    assert by_label["neutral"]["text"] == "'@someone multi\nline"
    assert by_label["negative"]["created_at"].endswith("Z")


def test_csv_export_defuses_spreadsheet_formulas(client, ctx):
    job = make_job("Python")
    add_tweets(job, TWEETS)
    text = client.get(f"/jobs/{job.id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_csv_export_streams_large_jobs_in_chunks(client, ctx):
    job = make_job("Python", limit=1000)
    add_tweets(job, [("neutral", 0.5, f"tweet {n}") for n in range(450)])
    response = client.get(f"/jobs/{job.id}/export.csv", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 3
    assert sum(chunk.count(b"\n") for chunk in chunks) == 451


def test_json_export_holds_the_job_and_every_tweet(client, ctx):
    job = make_job("Python")
    add_tweets(job, TWEETS)
    response = client.get(f"/jobs/{job.id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    body = json.loads(response.get_data(as_text=True))
    assert body["job"]["id"] == job.id
    assert body["job"]["counts"] == {"negative": 1, "neutral": 1, "positive": 1}
    assert len(body["tweets"]) == 3
    tweet = next(t for t in body["tweets"] if t["label"] == "negative")
    assert tweet["text"].startswith("=HYPERLINK")  # JSON is data, not a spreadsheet: kept as is
    assert set(tweet) == {"text", "username", "label", "score", "probs", "created_at", "url",
                          "lang", "not_scored", "content_warning"}


def test_exports_of_a_job_without_tweets_are_empty_but_valid(client, ctx):
    job = make_job("Python", status="queued")
    assert client.get(f"/jobs/{job.id}/export.csv").get_data(as_text=True).count("\n") == 1
    body = json.loads(client.get(f"/jobs/{job.id}/export.json").get_data(as_text=True))
    assert body["tweets"] == []


def test_exports_of_an_unknown_job_are_404(client):
    assert client.get("/jobs/777/export.csv").status_code == 404
    assert client.get("/jobs/777/export.json").status_code == 404
