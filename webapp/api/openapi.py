"""/api/openapi.json: the OpenAPI 3 description of this API (what schemathesis fuzzes against)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import jsonify

from webapp.api import api_bp

SPEC_PATH = Path(__file__).with_name("openapi.json")


@cache
def openapi_spec() -> dict[str, Any]:
    """The document, read once per process."""
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@api_bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi_spec())
