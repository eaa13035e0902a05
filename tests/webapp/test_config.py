"""Settings read at start-up: the generated secret key and the instance folder."""

from __future__ import annotations

import multiprocessing
import stat
import subprocess
import sys

from tests.support.env import REPO_ROOT


def _read_key(instance: str, barrier, results) -> None:
    from pathlib import Path

    from core.config import _secret_key

    barrier.wait()
    results.put(_secret_key(Path(instance)))


def test_processes_starting_together_agree_on_one_private_secret_key(tmp_path, monkeypatch):
    # Web, worker and beat start at once. Before: each could write its own key (sessions and
    # CSRF tokens then broke between processes), and the file was world-readable until chmod.
    monkeypatch.delenv("SECRET_KEY", raising=False)
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(8), context.Queue()
    processes = [context.Process(target=_read_key, args=(str(tmp_path), barrier, results))
                 for _ in range(8)]
    for process in processes:
        process.start()
    keys = {results.get(timeout=30) for _ in processes}
    for process in processes:
        process.join(10)
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_db_upgrade_on_an_unusable_instance_folder_says_what_to_fix(tmp_path):
    # Root ignores permission bits, so the folder is made impossible to create instead: its
    # parent is a file. A read-only folder for a normal user takes the same path.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env = {"PATH": f"{REPO_ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
           "TAGPULSE_INSTANCE_PATH": str(blocker / "instance")}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "tagpulse cannot start" in done.stderr
    assert "TAGPULSE_INSTANCE_PATH" in done.stderr


def test_the_embedded_broker_refuses_an_unusable_instance_folder_in_one_line(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    done = subprocess.run([sys.executable, "-m", "core.embedded_redis"], cwd=REPO_ROOT,
                          env={"TAGPULSE_INSTANCE_PATH": str(blocker / "instance")},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "embedded broker cannot start" in done.stderr
