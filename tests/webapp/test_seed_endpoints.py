"""Seed-compatible endpoints: validation and the bounded wait, without a worker."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/analyzehashtag", "/gettweets"])
@pytest.mark.parametrize("query", ["", "?text=", "?text=two%20words", "?text=" + "a" * 101])
def test_seed_endpoints_reject_bad_hashtags_as_json(client, path, query):
    response = client.get(path + query)
    assert response.status_code == 422
    assert response.get_json()["field"] == "hashtag"


@pytest.mark.parametrize("path", ["/analyzehashtag", "/gettweets"])
def test_seed_endpoint_gives_up_with_504_and_the_job_url(app, path):
    app.config["SEED_WAIT_SECONDS"] = 0.2
    response = app.test_client().get(path + "?text=python")
    assert response.status_code == 504
    body = response.get_json()
    assert body["url"] == f"/api/jobs/{body['id']}"
    # The job was accepted and is still there to be processed.
    assert app.test_client().get(body["url"]).get_json()["status"] == "queued"


def test_getsentiment_requires_text(client):
    response = client.get("/getsentiment")
    assert response.status_code == 422
    assert response.get_json()["field"] == "text"


def test_predict_without_worker_times_out_with_504(app):
    app.config["PREDICT_WAIT_SECONDS"] = 0.2
    response = app.test_client().post("/api/predict", json={"texts": ["hello"]})
    assert response.status_code == 504
    assert "worker" in response.get_json()["error"]


@pytest.mark.parametrize(
    "body",
    [{}, {"texts": []}, {"texts": "hello"}, {"texts": [1]}, {"texts": ["a"] * 101},
     {"texts": ["x" * 2001]}, {"texts": ["a"], "extra": 1},
     # Before: a lone surrogate was a 500, and "" was accepted here but refused by /getsentiment.
     {"texts": ["\udfff"]}, {"texts": ["fine", "bad \ud800 half"]}, {"texts": [""]},
     {"texts": ["   "]}],
)
def test_predict_rejects_bad_bodies(client, body):
    response = client.post("/api/predict", json=body)
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]


@pytest.mark.parametrize("query", ["?text=", "?text=%20%20"])
def test_getsentiment_refuses_what_predict_refuses(client, query):
    response = client.get("/getsentiment" + query)
    assert response.status_code == 422
    assert response.get_json()["field"] == "text"
