"""The loaded model and its batched, low-overhead inference path (imports TensorFlow)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from sentiment import LABELS, Prediction, predictions_from
from sentiment.text import normalize

# Names given to the two parts of the model by training/architectures.py.
VECTORIZER_LAYER = "vectorizer"
NETWORK_LAYER = "network"
# Only in models trained with character input (not shipped; model card, runs C1-B1).
CHAR_VECTORIZER_LAYER = "char_vectorizer"


class SentimentModel:
    """A Keras model taking raw strings, wrapped for fast repeated scoring."""

    def __init__(self, keras_model: keras.Model, version: str) -> None:
        self.keras_model = keras_model
        self.version = version
        # keras.Model.predict builds a data adapter and callbacks on every call: ~60 ms each on
        # two cores (bench/scoring.py), more than scoring a 100-tweet page takes. One traced
        # function with a variable batch dimension is compiled once and then called directly.
        self._probabilities = tf.function(
            lambda texts: keras_model(texts, training=False),
            input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string)],
        )
        self._probabilities(tf.constant(["warm up the traced graph"]))
        self._scorer_pool: ThreadPoolExecutor | None = None
        self._scorer_pid: int | None = None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], version: str) -> SentimentModel:
        """Load a ``.keras`` file saved by ``training.train`` (no optimizer state needed)."""
        keras_model = keras.saving.load_model(Path(path), compile=False)
        return cls(keras_model, version)

    def probabilities(self, texts: Sequence[str], batch_size: int = 512) -> np.ndarray:
        """Class probabilities, shape ``(len(texts), 3)``, columns in ``LABELS`` order."""
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        if len(texts) <= batch_size:  # one chunk (a worker's page of tweets): nothing to overlap
            return self._score(self._prepare(texts))
        # Normalising is pure Python and holds the GIL; TensorFlow releases it while it runs.
        # So chunk i is scored on a helper thread while this thread normalises chunk i + 1
        # (about 15% more tweets per second on two cores).
        scorer = self._scorer()
        results: list[np.ndarray] = []
        pending: Future[np.ndarray] | None = None
        for chunk in _chunks(texts, batch_size):
            prepared = self._prepare(chunk)
            if pending is not None:
                results.append(pending.result())
            pending = scorer.submit(self._score, prepared)
        results.append(pending.result())
        return np.concatenate(results)

    def _scorer(self) -> ThreadPoolExecutor:
        # A forked child inherits the executor object but not its thread: make a fresh one.
        if self._scorer_pid != os.getpid():
            self._scorer_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentiment")
            self._scorer_pid = os.getpid()
        return self._scorer_pool

    @staticmethod
    def _prepare(texts: Sequence[str]) -> tf.Tensor:
        return tf.constant([normalize(text) for text in texts])

    def _score(self, normalized: tf.Tensor) -> np.ndarray:
        return self._probabilities(normalized).numpy()

    def predict(self, texts: Sequence[str], batch_size: int = 512) -> list[Prediction]:
        """Score texts, in input order."""
        return predictions_from(self.probabilities(texts, batch_size))

    def vectorize(self, texts: Sequence[str]) -> tf.Tensor:
        """Token ids the network sees, for benchmarking the network alone."""
        return self.keras_model.get_layer(VECTORIZER_LAYER)(self._prepare(texts))

    @property
    def network(self) -> keras.Model:
        """The part of the model after vectorisation (token ids in, probabilities out)."""
        return self.keras_model.get_layer(NETWORK_LAYER)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
