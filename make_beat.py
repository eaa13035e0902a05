"""Entry point for ``celery -A make_beat beat``.

Beat only sends two housekeeping tasks by name on a schedule; the workers run them. So it is built
from the settings and ``core.celery_config`` alone, without the Flask app, SQLAlchemy or any task
code: 42 MB instead of the 94 MB it held as ``celery -A make_celery beat``
(``bench/memory.py``).
"""

import sys
from pathlib import Path

from celery import Celery

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core.celery_config import configure_celery  # noqa: E402
from core.config import Config  # noqa: E402
from core.instance import InstanceFolderError  # noqa: E402

try:
    settings = Config().as_dict()
except InstanceFolderError as exc:  # said in one paragraph, as the web app and worker say it
    raise SystemExit(f"tagpulse cannot start: {exc}") from None

celery_app = configure_celery(Celery("tagpulse"), settings)
