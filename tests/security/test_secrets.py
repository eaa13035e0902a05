"""Secrets come from the environment only, and the X bearer token never reaches a page, an API
response or a log line."""

from __future__ import annotations

import logging
import re

from tests.security.conftest import FAKE_X_TOKEN, seed_job
from tests.security.test_no_pickle import python_files
from tests.support.env import REPO_ROOT


def every_get_path(app, job_id: int, tracker_id: int) -> list[str]:
    values = {"job_id": job_id, "tracker_id": tracker_id, "tag": "python"}
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values.get(name, "python")), path)
        paths.append(path)
    return paths


def test_the_token_never_appears_in_pages_api_answers_or_logs(secure_app, caplog):
    caplog.set_level(logging.DEBUG)
    assert secure_app.config["X_BEARER_TOKEN"] == FAKE_X_TOKEN  # read from the environment
    client = secure_app.test_client()
    job_id = seed_job(secure_app)
    tracker_id = client.post("/api/trackers", json={"hashtag": "python", "source": "x"}
                             ).get_json()["id"]
    client.post("/api/jobs", json={"hashtag": "python", "source": "x"})
    paths = every_get_path(secure_app, job_id, tracker_id)
    assert len(paths) > 10
    for path in [*paths, "/no/such/page", "/api/nothing", "/jobs/123456"]:
        for query in ("", "?text=python&hashtag=python&debug=1"):
            response = client.get(path + query)
            assert FAKE_X_TOKEN not in response.get_data(as_text=True), path
            assert FAKE_X_TOKEN not in str(response.headers), path
    for record in caplog.records:
        assert FAKE_X_TOKEN not in record.getMessage()


def test_no_secret_is_written_into_the_code():
    token_shape = re.compile(r"AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{20,}")
    assignment = re.compile(r"""(SECRET_KEY|X_BEARER_TOKEN|PASSWORD)\s*=\s*["'][^"']+["']""")
    offenders = []
    for path in python_files():
        relative = path.relative_to(REPO_ROOT).as_posix()
        if relative.startswith("tests/"):
            continue  # tests use fake tokens shaped like real ones, on purpose
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{relative}: {m.group(0)[:40]}" for m in token_shape.finditer(text)]
        offenders += [f"{relative}: {m.group(0)[:40]}" for m in assignment.finditer(text)]
    assert offenders == []


def test_the_secret_key_comes_from_the_environment(tmp_path, monkeypatch):
    from core.config import Config

    monkeypatch.setenv("TAGPULSE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert Config().SECRET_KEY == "from-the-environment"
    monkeypatch.delenv("SECRET_KEY")
    generated = Config().SECRET_KEY  # else one made once, kept private in the instance folder
    assert len(generated) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert generated == Config().SECRET_KEY
