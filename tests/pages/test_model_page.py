"""Try the model: one text, scored by a worker through webapp.scoring."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import GatewayTimeout, ServiceUnavailable

PREDICTION = {"label": "positive", "score": 0.87,
              "probs": {"negative": 0.04, "neutral": 0.18, "positive": 0.78}}


@pytest.fixture
def scored(monkeypatch):
    calls = []

    def fake_score(texts):
        calls.append(texts)
        return [PREDICTION]

    monkeypatch.setattr("webapp.pages.model.score_texts", fake_score)
    return calls


def test_model_page_shows_the_form(client):
    response = client.get("/model")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<textarea [^>]*class="field__input"[^>]*name="text"', html)
    assert 'data-predict-url="/api/predict"' in html
    assert 'aria-current="page">Try the model</a>' in html


def test_scoring_shows_label_score_and_probabilities(client, scored):
    response = client.post("/model", data={"text": "What a lovely day"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert scored == [["What a lovely day"]]
    assert '<span class="chip chip--positive">Positive</span>' in html
    assert "<strong>0.87</strong>" in html
    assert '<span class="probs__value">78%</span>' in html
    assert '<span class="probs__value">4%</span>' in html
    assert "What a lovely day</textarea>" in html


@pytest.mark.parametrize("error", [GatewayTimeout(), ServiceUnavailable()])
def test_no_worker_answering_gives_a_friendly_message(client, monkeypatch, error):
    def no_worker(texts):
        raise error

    monkeypatch.setattr("webapp.pages.model.score_texts", no_worker)
    response = client.post("/model", data={"text": "hello"})
    assert response.status_code == error.code
    assert "The model is not answering right now" in response.get_data(as_text=True)


def test_empty_text_is_explained_inline(client, scored):
    response = client.post("/model", data={"text": ""})
    assert response.status_code == 422
    assert "Type a sentence or paste a tweet" in response.get_data(as_text=True)
    assert scored == []


def test_text_over_the_limit_is_explained_inline(client, app, scored):
    limit = app.config["PREDICT_MAX_CHARS"]
    response = client.post("/model", data={"text": "x" * (limit + 1)})
    assert response.status_code == 422
    assert f"at most {limit} characters" in response.get_data(as_text=True)
    assert scored == []


def test_scored_text_is_escaped(client, scored):
    html = client.post("/model", data={"text": "</textarea><script>x()</script>"}).get_data(
        as_text=True)
    assert "<script>x()" not in html
