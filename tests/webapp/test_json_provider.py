"""The orjson provider writes what Flask's own provider writes (same values, same key order),
and falls back to it for what orjson refuses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from webapp.json_provider import OrjsonProvider


@dataclass
class Point:
    x: int
    label: str


@pytest.fixture
def providers():
    app = Flask(__name__)
    return OrjsonProvider(app), DefaultJSONProvider(app)


DOCUMENTS = [
    {"b": 1, "a": [1, 2.5, None, True], "c": {"z": "é 😀 \u2028", "y": ""}},
    {"when": datetime(2026, 12, 4, 18, 0, 1, tzinfo=UTC), "day": date(2026, 12, 4)},
    {"price": Decimal("1.10"), "point": Point(3, "p")},
    ["top-level list", {"k": -0.0}],
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_same_document_as_flask(providers, document):
    fast, flask_own = providers
    written = fast.dumps(document)
    assert json.loads(written) == json.loads(flask_own.dumps(document))
    # Keys sorted like Flask's (sort_keys=True).
    assert list(json.loads(written, object_pairs_hook=lambda pairs: [k for k, _ in pairs])) == \
        list(json.loads(flask_own.dumps(document), object_pairs_hook=lambda p: [k for k, _ in p]))


@pytest.mark.parametrize("document", [{"text": "\ud800"}, {"n": 2**70}, {10: "a", 9: "b"}])
def test_what_orjson_refuses_is_written_by_flask(providers, document):
    fast, flask_own = providers
    assert fast.dumps(document) == flask_own.dumps(document)


def test_pretty_printing_stays_flasks(providers):
    fast, flask_own = providers
    assert fast.dumps({"a": 1}, indent=2) == flask_own.dumps({"a": 1}, indent=2)


def test_compact_output_is_orjsons_and_the_same_as_flasks(providers):
    fast, flask_own = providers
    document = {"b": [1, 2], "a": {"x": None}}
    assert fast.dumps(document, separators=(",", ":")) == \
        flask_own.dumps(document, separators=(",", ":")) == '{"a":{"x":null},"b":[1,2]}'
    # Other separators are Flask's to write.
    assert fast.dumps(document, separators=(", ", ": ")) == \
        flask_own.dumps(document, separators=(", ", ": "))


def test_responses_use_it(tmp_path):
    from tests.support.apps import fresh_app

    with fresh_app(tmp_path / "instance") as app:
        assert isinstance(app.json, OrjsonProvider)
        response = app.test_client().get("/api/jobs")
        assert response.status_code == 200
        assert response.get_json()["total"] == 0
        with app.test_request_context():
            from flask import jsonify

            # jsonify asks for compact separators: orjson writes "é" as UTF-8, where the
            # standard library (Flask's own path) would write the escape \u00e9.
            assert jsonify({"word": "café"}).get_data() == '{"word":"café"}\n'.encode()
