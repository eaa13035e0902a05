"""Beat's own entry point (``make_beat``): light, and configured exactly as the web app's Celery.

Beat only sends housekeeping tasks by name, so it is built without the Flask app; if its
settings drifted from the web app's and the workers', its messages would go to another broker
or queue, or on another schedule, and trackers would silently stop.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.processes import child_env

REPO_ROOT = Path(__file__).resolve().parents[2]

COMPARE = """
import json, sys
import make_beat
heavy = sorted(m for m in ("flask", "sqlalchemy", "webapp", "worker", "sentiment")
               if m in sys.modules)
import make_celery
keys = ("broker_url", "broker_transport_options", "result_backend", "task_default_queue",
        "task_routes", "beat_schedule", "beat_schedule_filename", "task_serializer",
        "accept_content")
def conf(app):
    c = app.conf
    return {**{k: repr(c[k]) for k in keys}, "queues": sorted(q.name for q in c.task_queues)}
print(json.dumps({"heavy": heavy, "beat": conf(make_beat.celery_app),
                  "web": conf(make_celery.celery_app)}))
"""


def run_compare(settings: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", COMPARE], cwd=REPO_ROOT, env=child_env(settings),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_beat_imports_no_web_app_and_agrees_with_it_on_the_embedded_defaults(tmp_path) -> None:
    found = run_compare({"TAGPULSE_INSTANCE_PATH": str(tmp_path),
                         "TRACKER_DISPATCH_SECONDS": "7", "REAPER_SECONDS": "3"})
    assert found["heavy"] == []
    assert found["beat"] == found["web"]
    assert "redis+socket://" in found["beat"]["broker_url"]
    assert "seconds=7" in found["beat"]["beat_schedule"]
    assert found["beat"]["queues"] == ["celery", "short"]


def test_beat_agrees_with_the_web_app_on_a_configured_redis(tmp_path) -> None:
    found = run_compare({"TAGPULSE_INSTANCE_PATH": str(tmp_path),
                         "REDIS_URL": "redis://127.0.0.1:6379/5",
                         "BROKER_VISIBILITY_TIMEOUT": "90"})
    assert found["beat"] == found["web"]
    assert found["beat"]["broker_url"] == repr("redis://127.0.0.1:6379/5")
    assert "90" in found["beat"]["broker_transport_options"]
