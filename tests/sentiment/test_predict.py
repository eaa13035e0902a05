"""sentiment.predict() on the shipped model: shape of the answer and awkward inputs."""

from __future__ import annotations

import math
import re

import pytest

import sentiment
from sentiment import LABELS, Prediction

AWKWARD_TEXTS = [
    "",
    "   ",
    "I love this so much, best day ever!",
    "This is the worst service I have ever had. Never again.",
    "word " * 5_000,
    "Je déteste les lundis, quelle horreur",
    "東京は今日とても暑いです",
    "😍😍😍",
    "😡",
    "@user https://t.co/x",
]


def _assert_well_formed(prediction: Prediction) -> None:
    assert prediction.label in LABELS
    assert set(prediction.probs) == set(LABELS)
    assert all(0.0 <= p <= 1.0 for p in prediction.probs.values())
    assert math.isclose(sum(prediction.probs.values()), 1.0, abs_tol=1e-4)
    assert prediction.label == max(prediction.probs, key=prediction.probs.get)
    assert 0.0 <= prediction.score <= 1.0
    expected = prediction.probs["positive"] + 0.5 * prediction.probs["neutral"]
    assert math.isclose(prediction.score, expected, abs_tol=1e-6)


def test_importing_sentiment_does_not_import_tensorflow(run_python) -> None:
    result = run_python("-c", "import sys, sentiment; sentiment.model_version();"
                        " print('tensorflow' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_model_version_names_architecture_and_file_hash() -> None:
    assert re.fullmatch(r"(bilstm|conv1d|ensemble)-w2v-[0-9a-f]{8}", sentiment.model_version())


def test_empty_list_gives_empty_list(shipped_model) -> None:
    assert sentiment.predict([]) == []


def test_awkward_texts_give_well_formed_predictions(shipped_model) -> None:
    predictions = sentiment.predict(AWKWARD_TEXTS)
    assert len(predictions) == len(AWKWARD_TEXTS)
    for prediction in predictions:
        _assert_well_formed(prediction)


def test_clear_cases_get_the_obvious_label(shipped_model) -> None:
    good, bad = sentiment.predict(AWKWARD_TEXTS[2:4])
    assert good.label == "positive"
    assert bad.label == "negative"
    assert good.score > 0.5 > bad.score


def test_predictions_are_deterministic_and_independent_of_batching(shipped_model) -> None:
    whole = sentiment.predict(AWKWARD_TEXTS)
    in_threes = sentiment.predict(AWKWARD_TEXTS, batch_size=3)
    again = sentiment.predict(AWKWARD_TEXTS)
    assert whole == again
    for a, b in zip(whole, in_threes, strict=True):
        assert a.label == b.label
        assert math.isclose(a.score, b.score, abs_tol=1e-5)


def test_load_model_is_cached_per_process(shipped_model) -> None:
    assert sentiment.load_model() is shipped_model
    runtime = sentiment.serving_runtime()
    assert sentiment.load_model(sentiment.DEFAULT_MODEL_PATH, runtime=runtime) is shipped_model
    assert shipped_model.version == sentiment.model_version()


def test_rejects_non_positive_batch_size(shipped_model) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        sentiment.predict(["hello"], batch_size=0)


def test_configure_threads_before_load_and_refuses_after(run_python) -> None:
    script = (
        "import sentiment\n"
        "sentiment.configure_threads(intra_op=1, inter_op=1)\n"
        "sentiment.load_model(runtime='keras').predict(['fine'])\n"
        "sentiment.configure_threads(intra_op=1, inter_op=1)  # unchanged: accepted\n"
        "try:\n"
        "    sentiment.configure_threads(intra_op=2, inter_op=2)\n"
        "except RuntimeError:\n"
        "    print('refused')\n"
    )
    result = run_python("-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"
