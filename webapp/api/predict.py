"""/api/predict: score free text through a model worker (the web process never loads the model)."""

from __future__ import annotations

from flask import current_app, jsonify

from webapp.api import api_bp
from webapp.api.jobs import json_body
from webapp.scoring import score_texts
from webapp.validation import ValidationError, reject_unknown_fields, require_object


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
    for text in texts:
        if not isinstance(text, str):
            raise ValidationError("Every item of 'texts' must be a string.", "texts")
        if len(text) > max_chars:
            raise ValidationError(f"Each text can be at most {max_chars} characters.", "texts")
    return texts


@api_bp.post("/predict")
def predict():
    texts = parse_texts(json_body())
    return jsonify({"results": score_texts(texts)})
