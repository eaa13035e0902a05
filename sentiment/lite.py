"""The light serving runtime: the shipped network run by LiteRT, without importing TensorFlow.

``python -m training.export_lite`` converts the ``.keras`` model's network to a ``.tflite``
file and writes the vectoriser's vocabulary beside it; this module does the vectoriser's work in
Python (whitespace split, vocabulary lookup, cut or zero-pad to the sequence length) and hands
the token ids to LiteRT's interpreter. A process that scores this way holds ~85 MB instead of
~730 MB with TensorFlow loaded, at about the same speed (``bench/memory.py``, ``bench/scoring.py``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sentiment import LABELS, Prediction, predictions_from
from sentiment.text import normalize

OOV_ID = 1  # TextVectorization's ids: 0 pads, 1 is the out-of-vocabulary token
# Texts per interpreter call unless the caller asks otherwise. LiteRT sizes its tensor arena for
# the largest call a process has made and keeps it: calls of 512 texts left a process 61 MB
# larger, calls of 128 30 MB, at no speed difference we could measure on this model
# (``bench/call_size.py``). Every worker pays it, so the stack's memory does too.
DEFAULT_BATCH_SIZE = 128


class StaleExportError(RuntimeError):
    """The ``.tflite`` export was made from another model file than the one shipped."""


def lite_paths(model_path: Path) -> tuple[Path, Path]:
    """Where the export of ``model_path`` lives: ``x.tflite`` and ``x.tflite.json``."""
    tflite = model_path.with_suffix(".tflite")
    return tflite, tflite.with_name(tflite.name + ".json")


def vectorize(normalized: Sequence[str], vocabulary: dict[str, int],
              sequence_length: int) -> np.ndarray:
    """Token ids as the model's ``TextVectorization`` (split on whitespace, no standardising)
    gives them for already-normalised texts; ``training.export_lite`` checks the two agree."""
    ids = np.zeros((len(normalized), sequence_length), dtype=np.int64)
    for row, text in enumerate(normalized):
        tokens = text.split()[:sequence_length]
        ids[row, : len(tokens)] = [vocabulary.get(token, OOV_ID) for token in tokens]
    return ids


class LiteModel:
    """Same scoring API as ``sentiment.inference.SentimentModel``: ``probabilities``,
    ``predict``, ``version``."""

    def __init__(self, tflite_path: Path, manifest_path: Path, threads: int = 1,
                 source_path: Path | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        manifest = json.loads(manifest_path.read_text())
        if source_path is not None:
            digest = hashlib.sha256(source_path.read_bytes()).hexdigest()
            if digest != manifest["source_sha256"]:
                raise StaleExportError(
                    f"{tflite_path.name} was exported from another {source_path.name}; "
                    "run `python -m training.export_lite` again")
        self.version: str = manifest["version"]
        self.sequence_length: int = manifest["sequence_length"]
        self._vocabulary = {token: i for i, token in enumerate(manifest["vocabulary"])}
        self._interpreter = Interpreter(model_path=str(tflite_path), num_threads=threads)
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        # One interpreter holds its tensors between calls: threads of one process take turns.
        self._lock = threading.Lock()
        self._batch_shape: tuple[int, int] | None = None

    def token_ids(self, texts: Sequence[str]) -> np.ndarray:
        return vectorize([normalize(t) for t in texts], self._vocabulary, self.sequence_length)

    def probabilities(self, texts: Sequence[str],
                      batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """Class probabilities, shape ``(len(texts), 3)``, columns in ``LABELS`` order."""
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        ids = self.token_ids(texts)
        return np.concatenate([self._run(ids[start : start + batch_size])
                               for start in range(0, len(ids), batch_size)])

    def _run(self, ids: np.ndarray) -> np.ndarray:
        with self._lock:
            interpreter = self._interpreter
            if self._batch_shape != ids.shape:  # re-plan only when the batch size changes
                interpreter.resize_tensor_input(self._input["index"], ids.shape)
                interpreter.allocate_tensors()
                self._batch_shape = ids.shape
            interpreter.set_tensor(self._input["index"], ids)
            interpreter.invoke()
            return interpreter.get_tensor(self._output["index"]).copy()

    def predict(self, texts: Sequence[str],
                batch_size: int = DEFAULT_BATCH_SIZE) -> list[Prediction]:
        """Score texts, in input order."""
        return predictions_from(self.probabilities(texts, batch_size))
