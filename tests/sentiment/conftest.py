"""Fixtures for the sentiment tests; TensorFlow is imported only when a test asks for the model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def shipped_model():
    """The shipped model, loaded once for the whole test session (imports TensorFlow)."""
    import sentiment

    return sentiment.load_model()


@pytest.fixture
def python_env() -> dict[str, str]:
    """Environment for a fresh ``python`` at the repo root that can import our packages."""
    return os.environ | {"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture
def run_python(python_env):
    """Run ``python ARGS`` in a fresh process at the repo root; returns the CompletedProcess."""

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                              cwd=REPO_ROOT, env=python_env, timeout=timeout, check=False)

    return run
