"""python -m sentiment predict: JSON lines in input order, from a file or streamed from stdin."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

LINES = ["I love it", "", "worst day ever 😡", "@user meh https://t.co/x", "ok\r", "é ü 你好",
         "great!!!"]


def _check_output(lines: list[str], stdout: str) -> None:
    records = [json.loads(line) for line in stdout.splitlines()]
    assert len(records) == len(lines)
    for record in records:
        assert set(record) == {"label", "score", "probs"}
        assert record["label"] in record["probs"]
        assert 0.0 <= record["score"] <= 1.0


def test_predict_file_writes_one_json_per_line_in_order(run_python, tmp_path, shipped_model):
    source = tmp_path / "tweets.txt"
    source.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    result = run_python("-m", "sentiment", "predict", str(source), "--batch-size", "3")
    assert result.returncode == 0, result.stderr
    _check_output(LINES, result.stdout)
    expected = shipped_model.predict([line.rstrip("\r") for line in LINES])
    got = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["label"] for record in got] == [p.label for p in expected]
    for record, prediction in zip(got, expected, strict=True):
        assert abs(record["score"] - prediction.score) < 1e-5


def test_predict_streams_stdin_batch_by_batch(python_env):
    """A full batch is answered before stdin closes: output does not wait for the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sentiment", "predict", "--batch-size", "2"], cwd=REPO_ROOT,
        env=python_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        process.stdin.write(b"first happy line\nsecond sad line\n")
        process.stdin.flush()
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout=120), "no output for a full batch while stdin is open"
        first = process.stdout.readline()
        second = process.stdout.readline()
        process.stdin.write(b"third line without newline")
        process.stdin.close()
        rest = process.stdout.read()
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    _check_output(["a", "b", "c"], (first + second + rest).decode())


@pytest.mark.parametrize("make_path", [lambda tmp: tmp / "missing.txt", lambda tmp: tmp])
def test_predict_names_an_unreadable_path_in_one_line(tmp_path, make_path):
    # Before: a missing path or a folder printed a Python traceback.
    done = subprocess.run([sys.executable, "-m", "sentiment", "predict", str(make_path(tmp_path))],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "cannot read" in done.stderr
