"""The shipped model file: size, and agreement with the figures evaluate recorded."""

from __future__ import annotations

import json

from sentiment import DEFAULT_MODEL_PATH

METRICS_PATH = DEFAULT_MODEL_PATH.parent / "metrics.json"

# A fresh interpreter: the model must load from the file alone, with nothing cached in-process.
RESCORE_HEAD = """
import json, sys
import sentiment
from training import data
from training.metrics import score
rows = int(sys.argv[1])
head = data.tweeteval("val").head(rows)
probs = sentiment.load_model().probabilities(head.texts)
figures = score(head.labels, probs.argmax(axis=1))
print(json.dumps({"version": sentiment.model_version(), "macro_recall": figures.macro_recall,
                  "predicted_labels": "".join(map(str, probs.argmax(axis=1)))}))
"""


def test_shipped_model_is_at_most_25_mb() -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size <= 25 * 1024 * 1024


def test_fresh_process_reproduces_recorded_validation_slice(run_python) -> None:
    recorded = json.loads(METRICS_PATH.read_text())
    head = recorded["tweeteval_val_head"]
    result = run_python("-c", RESCORE_HEAD, str(head["rows"]))
    assert result.returncode == 0, result.stderr
    fresh = json.loads(result.stdout.strip().splitlines()[-1])
    assert fresh["version"] == recorded["model"]
    assert fresh["predicted_labels"] == head["predicted_labels"]
    assert fresh["macro_recall"] == head["macro_recall"]


def test_recorded_metrics_beat_vader_on_validation() -> None:
    val = json.loads(METRICS_PATH.read_text())["tweeteval_val"]
    assert val["model"]["macro_recall"] > val["vader"]["macro_recall"]
