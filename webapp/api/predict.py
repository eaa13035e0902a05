"""/api/predict: score free text through a model worker (the web process never loads the model)."""

from __future__ import annotations

from flask import current_app, jsonify

from webapp.api import api_bp
from webapp.api.jobs import json_body
from webapp.scoring import score_texts
from webapp.validation import (
    ValidationError,
    parse_text,
    reject_unknown_fields,
    require_object,
)


def parse_texts(body) -> list[str]:
    body = require_object(body)
    reject_unknown_fields(body, {"texts"})
    texts = body.get("texts")
    max_texts = current_app.config["PREDICT_MAX_TEXTS"]
    max_chars = current_app.config["PREDICT_MAX_CHARS"]
    if not isinstance(texts, list) or not texts:
        raise ValidationError("Send 'texts': a list of 1 or more strings.", "texts")
    if len(texts) > max_texts:
        raise ValidationError(f"Send at most {max_texts} texts per request.", "texts")
    return [parse_text(text, "texts", max_chars=max_chars) for text in texts]


@api_bp.post("/predict")
def predict():
    texts = parse_texts(json_body())
    return jsonify({"results": score_texts(texts)})
