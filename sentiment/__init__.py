"""Tweet sentiment scoring: one shipped Keras model behind a small, framework-free API.

Importing this package does not import TensorFlow: the Flask app and the Celery beat process
import it without paying for TF, and Celery workers load the model only after they fork
(``configure_threads`` then ``load_model`` in ``worker_process_init``).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sentiment.text import normalize

if TYPE_CHECKING:
    from sentiment.inference import SentimentModel

__all__ = [
    "DEFAULT_MODEL_PATH",
    "LABELS",
    "Prediction",
    "configure_threads",
    "load_model",
    "model_version",
    "normalize",
    "predict",
]

LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "model" / "sentiment.keras"


@dataclass(frozen=True)
class Prediction:
    """The model's verdict on one text."""

    label: str  # one of LABELS
    score: float  # positivity in [0, 1]: p_positive + 0.5 * p_neutral
    probs: dict[str, float]  # class probabilities, keyed by LABELS


_models: dict[Path, SentimentModel] = {}
_load_lock = threading.Lock()


def load_model(path: str | os.PathLike[str] | None = None) -> SentimentModel:
    """Load a model file (default: the shipped one) once per process and return it."""
    resolved = Path(path).resolve() if path is not None else DEFAULT_MODEL_PATH
    with _load_lock:
        model = _models.get(resolved)
        if model is None:
            from sentiment.inference import SentimentModel  # imports TensorFlow

            model = SentimentModel.from_file(resolved, version=file_version(resolved))
            _models[resolved] = model
    return model


def __getattr__(name: str) -> object:
    # ``sentiment.SentimentModel`` works, but only imports TensorFlow when someone asks for it.
    if name == "SentimentModel":
        from sentiment.inference import SentimentModel

        return SentimentModel
    raise AttributeError(f"module 'sentiment' has no attribute {name!r}")


def predict(texts: Sequence[str], batch_size: int = 512) -> list[Prediction]:
    """Score texts with the shipped model, in input order."""
    return load_model().predict(texts, batch_size=batch_size)


def model_version() -> str:
    """Short id of the shipped model, e.g. ``bilstm-w2v-1a2b3c4d``."""
    return file_version(DEFAULT_MODEL_PATH)


@cache
def file_version(path: Path) -> str:
    """``<model name>-<sha256 prefix>`` of a ``.keras`` file, read without TensorFlow.

    The name is the Keras model's own (set by training), taken from the archive's config.json;
    the hash prefix changes whenever the file's bytes change.
    """
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        name = json.loads(archive.read("config.json"))["config"]["name"]
    return f"{name}-{hashlib.sha256(data).hexdigest()[:8]}"


def configure_threads(intra_op: int, inter_op: int) -> None:
    """Set TensorFlow's thread pools; call before the first ``load_model`` in the process.

    TensorFlow fixes its pools when its runtime starts, so a later call cannot change them and
    raises ``RuntimeError`` instead of silently doing nothing.
    """
    import tensorflow as tf

    if intra_op < 0 or inter_op < 0:
        raise ValueError("thread counts must be >= 0 (0 lets TensorFlow choose)")
    current = (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )
    if current == (intra_op, inter_op):
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra_op)
        tf.config.threading.set_inter_op_parallelism_threads(inter_op)
    except RuntimeError as exc:
        raise RuntimeError(
            "configure_threads must run before TensorFlow starts (before load_model)"
        ) from exc
