"""Fuzz the JSON API from its own OpenAPI description: whatever arrives, never a 5xx.

Schemathesis generates valid requests and invalid ones (wrong types, out-of-range numbers, odd
unicode, missing and extra fields) for every operation in /api/openapi.json; each answer must
be a JSON 2xx/4xx that the description declares.
"""

from __future__ import annotations

import json

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.security.conftest import seed_job
from webapp.api.openapi import SPEC_PATH

MAX_EXAMPLES = 40
# The description states per operation what it answers; 405 (another method) holds everywhere.
UNDECLARED_OK = {405}

SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
SCHEMA = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = [(path, method.upper()) for path, item in SPEC["paths"].items()
              for method in item if method in ("get", "post", "put", "patch", "delete")]
# Negative cases need something to break: parameters or a body.
FUZZ_CASES = [
    pytest.param(path, method, mode, id=f"{method} {path} {mode.value}")
    for path, method in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or {"parameters", "requestBody"} & set(
        SPEC["paths"][path][method.lower()])
]


@pytest.fixture(scope="module")
def fuzzed_app(module_app):
    seed_job(module_app, "python")
    return module_app


@pytest.mark.parametrize(("path", "method", "mode"), FUZZ_CASES)
def test_api_never_answers_5xx_and_keeps_to_its_description(fuzzed_app, path, method, mode):
    operation = SCHEMA[path][method]

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                         database=None, suppress_health_check=list(hypothesis.HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    def fuzz(case):
        response = case.call(app=fuzzed_app)
        case.validate_response(response, checks=[not_a_server_error, content_type_conformance])
        if response.status_code not in UNDECLARED_OK:
            case.validate_response(response, checks=[status_code_conformance])

    fuzz()


def test_the_served_description_is_the_fuzzed_one(module_app):
    assert module_app.test_client().get("/api/openapi.json").get_json() == SPEC


def test_the_description_names_every_api_route(module_app):
    described = {path.replace("{", "<").replace("}", ">") for path in SPEC["paths"]}
    routes = set()
    for rule in module_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<int:{argument}>", f"<{argument}>")
            routes.add(path)
    assert routes - described == set(), "API routes missing from openapi.json"
    assert described - routes == set(), "openapi.json describes routes that do not exist"
