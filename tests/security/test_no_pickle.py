"""No pickle anywhere: nothing we run deserialises bytes into code-bearing objects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.env import REPO_ROOT, embedded_env, patched_environ

SKIP_DIRS = {".venv", ".git", "instance", "node_modules", "__pycache__", ".ruff_cache",
             ".pytest_cache"}
# Each of these can run code while loading data.
UNSAFE_LOADING = re.compile(
    r"^\s*(?:import|from)\s+(?:pickle|cPickle|_pickle|dill|cloudpickle|shelve|jsonpickle|joblib)\b"
    r"|\bpickle\.loads?\(|\ballow_pickle\s*=\s*True|\bsafe_mode\s*=\s*False"
    r"|\byaml\.(?:unsafe_)?load\((?![^)]*Loader=yaml\.SafeLoader)|\btorch\.load\(",
    re.MULTILINE)
# Tests that check an object survives billiard's pool pipe (which pickles between Celery's
# own processes, never data from outside): each use is listed, and only tests may do it.
ALLOWED_TEST_USES = {"tests/sources/test_sources_interface.py"}


def python_files() -> list[Path]:
    files = []
    for path in REPO_ROOT.rglob("*.py"):
        relative = path.relative_to(REPO_ROOT)
        if not SKIP_DIRS & set(relative.parts):
            files.append(path)
    return files


def test_no_code_loads_pickled_or_otherwise_unsafe_data():
    offenders = []
    for path in python_files():
        relative = path.relative_to(REPO_ROOT).as_posix()
        if relative in ALLOWED_TEST_USES or relative == "tests/security/test_no_pickle.py":
            continue
        for match in UNSAFE_LOADING.finditer(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(f"{relative}: {match.group(0).strip()}")
    assert offenders == []


def test_allowed_test_uses_stay_in_tests():
    assert all(path.startswith("tests/") for path in ALLOWED_TEST_USES)


@pytest.mark.parametrize("redis", [False, True], ids=["embedded", "redis"])
def test_celery_speaks_only_json(tmp_path, redis):
    from core.config import celery_settings

    env = embedded_env(tmp_path / "instance")
    if redis:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    with patched_environ(env):
        settings = celery_settings(tmp_path / "instance")
    assert settings["task_serializer"] == "json"
    assert settings["result_serializer"] == "json"
    # accept_content is what protects a worker from a pickled message put on its queue.
    assert settings["accept_content"] == ["json"]
    assert settings.get("event_serializer", "json") == "json"
    assert "pickle" not in repr(settings)


def test_the_running_celery_app_accepts_only_json(secure_app):
    celery = secure_app.extensions["celery"]
    assert set(celery.conf.accept_content) == {"json"}
    assert celery.conf.task_serializer == celery.conf.result_serializer == "json"
    assert set(celery.conf.result_accept_content or celery.conf.accept_content) == {"json"}
