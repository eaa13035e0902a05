"""The LiteRT export the workers serve with: made from the shipped model, and scoring like it."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil

import numpy as np
import pytest

import sentiment
from sentiment.lite import LiteModel, StaleExportError, lite_paths, vectorize
from training import data

TFLITE_PATH, MANIFEST_PATH = lite_paths(sentiment.DEFAULT_MODEL_PATH)


@pytest.fixture(scope="module")
def keras_model():
    return sentiment.load_model(sentiment.DEFAULT_MODEL_PATH, runtime="keras")


@pytest.fixture(scope="module")
def lite_model():
    return sentiment.load_model(sentiment.DEFAULT_MODEL_PATH, runtime="lite")


def test_export_was_made_from_the_shipped_model_file() -> None:
    manifest = json.loads(MANIFEST_PATH.read_text())
    shipped = hashlib.sha256(sentiment.DEFAULT_MODEL_PATH.read_bytes()).hexdigest()
    assert manifest["source_sha256"] == shipped, "run `python -m training.export_lite`"
    assert manifest["version"] == sentiment.model_version()
    assert manifest["check"]["label_agreement"] == 1.0


def test_default_runtime_is_lite_and_reports_the_models_version(lite_model) -> None:
    assert sentiment.serving_runtime() == "lite"
    assert isinstance(lite_model, LiteModel)
    assert lite_model.version == sentiment.model_version()


def test_tokenizer_matches_the_models_text_vectorization(keras_model, lite_model) -> None:
    import tensorflow as tf

    texts = [
        "", "   ", "one", "a\tb\nc  d", "word " * 60,  # empty, blank, tabs, past 40 tokens
        "café ünïcödé 😀😀 #tag @someone https://x.y", "not good at all, but fine",
    ] + data.tweeteval("val").texts[:300]
    normalized = [sentiment.normalize(t) for t in texts]
    layer = keras_model.keras_model.get_layer("vectorizer")
    expected = layer(tf.constant(normalized)).numpy()
    vocabulary = {token: i for i, token in enumerate(layer.get_vocabulary())}
    assert np.array_equal(vectorize(normalized, vocabulary, lite_model.sequence_length), expected)
    assert np.array_equal(lite_model.token_ids(texts), expected)


def test_lite_scores_like_keras(keras_model, lite_model) -> None:
    texts = data.tweeteval("val").texts[:1000]
    expected = keras_model.probabilities(texts)
    got = lite_model.probabilities(texts, batch_size=128)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4
    assert (got.argmax(1) == expected.argmax(1)).all()
    assert lite_model.predict(texts[:5]) == lite_model.predict(texts[:5], batch_size=2)


def test_network_calls_hold_at_most_the_default_batch(lite_model, monkeypatch) -> None:
    # LiteRT keeps its arena as large as the largest call a process made: a worker scoring 500
    # posts at once must still call the network with small batches, and score them the same.
    texts = data.tweeteval("val").texts[:300]
    in_one_call = lite_model.probabilities(texts, batch_size=len(texts))
    sizes: list[int] = []
    run = lite_model._run

    def counting_run(ids):
        sizes.append(len(ids))
        return run(ids)

    monkeypatch.setattr(lite_model, "_run", counting_run)
    monkeypatch.setenv("SENTIMENT_RUNTIME", "lite")
    assert np.abs(lite_model.probabilities(texts) - in_one_call).max() < 1e-6
    assert sizes == [128, 128, 44]
    sizes.clear()
    predictions = sentiment.predict(texts)  # what the worker calls
    assert sizes == [128, 128, 44]
    assert [p.label for p in predictions] == [sentiment.LABELS[i] for i in in_one_call.argmax(1)]


def test_worker_runtime_never_imports_tensorflow(run_python) -> None:
    script = ("import sys, sentiment\n"
              "m = sentiment.load_model(threads=1)\n"
              "print(type(m).__name__, m.predict(['what a lovely day'])[0].label,"
              " 'tensorflow' in sys.modules)\n")
    result = run_python("-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["LiteModel", "positive", "False"]


def test_a_stale_export_is_refused_and_keras_serves_instead(tmp_path, caplog) -> None:
    model_path = tmp_path / "sentiment.keras"
    shutil.copy(sentiment.DEFAULT_MODEL_PATH, model_path)
    tflite, manifest = lite_paths(model_path)
    shutil.copy(TFLITE_PATH, tflite)
    stale = json.loads(MANIFEST_PATH.read_text()) | {"source_sha256": "0" * 64}
    manifest.write_text(json.dumps(stale))
    with pytest.raises(StaleExportError, match="export_lite"):
        LiteModel(tflite, manifest, source_path=model_path)
    with caplog.at_level(logging.WARNING, logger="sentiment"):
        model = sentiment.load_model(model_path, runtime="lite")
    assert type(model).__name__ == "SentimentModel"
    assert "scoring with Keras" in caplog.text


def test_an_unknown_runtime_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("SENTIMENT_RUNTIME", "onnx")
    with pytest.raises(ValueError, match="SENTIMENT_RUNTIME"):
        sentiment.serving_runtime()


# Keras' TensorFlow backend trips numpy 2's __array__(copy=...) deprecation on every batch.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")
def test_export_refuses_a_model_with_character_input(tmp_path) -> None:
    # sentiment/lite.py computes word ids only: a character member (tried, not shipped) must
    # stop the export instead of producing a file that scores with one input missing.
    from training.architectures import (
        CharShape,
        NetworkSpec,
        assemble,
        build_network,
        combine,
        make_char_vectorizer,
        make_vectorizer,
    )
    from training.export_lite import export

    chars = CharShape(vocabulary_size=4, length=8)
    member = build_network(NetworkSpec("char", units=4, char_filters=2), np.zeros((4, 8)), 5,
                           chars=chars)
    model = assemble(make_vectorizer(["good"], 5), combine([member], 5, chars), "char-test",
                     make_char_vectorizer(["a", "b"], chars.length))
    model_path = tmp_path / "char.keras"
    model.save(model_path)
    with pytest.raises(SystemExit, match="character input"):
        export(model_path)
    assert not lite_paths(model_path)[0].exists()
