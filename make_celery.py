"""Entry point for ``celery -A make_celery worker`` (beat has its own, lighter one: make_beat)."""

import sys
from pathlib import Path

# Celery puts the working directory on sys.path only while it imports this module; the worker's
# pool children import `sentiment` later, after the fork, so keep the project root there.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from webapp import create_app  # noqa: E402

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
