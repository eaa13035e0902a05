"""Tweet sentiment scoring: one shipped Keras model behind a small, framework-free API.

Importing this package does not import TensorFlow: the Flask app imports it without paying
for TF, and Celery workers load the model only after they fork
(``load_model`` in ``worker_process_init``). Workers serve with LiteRT on the model's
``.tflite`` export by default (``SENTIMENT_RUNTIME``), so they never import TensorFlow at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
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
    from sentiment.lite import LiteModel

    ScoringModel = SentimentModel | LiteModel

__all__ = [
    "DEFAULT_MODEL_PATH",
    "LABELS",
    "Prediction",
    "configure_threads",
    "load_model",
    "model_version",
    "normalize",
    "predict",
    "predictions_from",
    "serving_runtime",
]

LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "model" / "sentiment.keras"


@dataclass(frozen=True)
class Prediction:
    """The model's verdict on one text."""

    label: str  # one of LABELS
    score: float  # positivity in [0, 1]: p_positive + 0.5 * p_neutral
    probs: dict[str, float]  # class probabilities, keyed by LABELS


RUNTIMES = ("lite", "keras")
"""How the worker runs the model: ``lite`` (LiteRT on the ``.tflite`` export, no TensorFlow in
the process; the default) or ``keras`` (TensorFlow, as training and evaluation do)."""

_models: dict[tuple[Path, str], ScoringModel] = {}
_load_lock = threading.Lock()
log = logging.getLogger(__name__)


def serving_runtime() -> str:
    """The runtime named by ``SENTIMENT_RUNTIME`` (default ``lite``)."""
    runtime = os.environ.get("SENTIMENT_RUNTIME", "lite").strip().lower() or "lite"
    if runtime not in RUNTIMES:
        raise ValueError(f"SENTIMENT_RUNTIME is {runtime!r}; choose one of {', '.join(RUNTIMES)}")
    return runtime


def load_model(path: str | os.PathLike[str] | None = None, *, runtime: str | None = None,
               threads: int | None = None) -> ScoringModel:
    """Load a model once per process and return it.

    Without ``path``: the shipped model, run the way ``SENTIMENT_RUNTIME`` says (falling back to
    Keras, with a warning, when the ``.tflite`` export is missing or made from another file).
    A ``path`` names a ``.keras`` file, loaded with Keras unless ``runtime="lite"``.
    ``threads``: LiteRT's threads for a ``lite`` model (default: all cores); for Keras call
    ``configure_threads`` before the first load instead.
    """
    resolved = Path(path).resolve() if path is not None else DEFAULT_MODEL_PATH
    runtime = runtime or ("keras" if path is not None else serving_runtime())
    with _load_lock:
        model = _models.get((resolved, runtime))
        if model is None:
            model = _load(resolved, runtime, threads)
            _models[(resolved, runtime)] = model
    return model


def _load(path: Path, runtime: str, threads: int | None) -> ScoringModel:
    if runtime == "lite":
        from sentiment.lite import LiteModel, StaleExportError, lite_paths

        tflite, manifest = lite_paths(path)
        try:
            return LiteModel(tflite, manifest, threads=threads or os.cpu_count() or 1,
                             source_path=path)
        except (FileNotFoundError, StaleExportError) as exc:
            log.warning("LiteRT export unusable (%s); scoring with Keras/TensorFlow instead, "
                        "which takes ~650 MB more memory per worker", exc)
    from sentiment.inference import SentimentModel  # imports TensorFlow

    return SentimentModel.from_file(path, version=file_version(path))


def predictions_from(probs) -> list[Prediction]:
    """``Prediction``s from a ``(n, 3)`` array of class probabilities in ``LABELS`` order."""
    probs = probs.astype(float)
    winners = probs.argmax(axis=1)
    scores = (probs[:, 2] + 0.5 * probs[:, 1]).clip(0.0, 1.0)
    return [
        Prediction(label=LABELS[winner], score=float(score),
                   probs={"negative": row[0], "neutral": row[1], "positive": row[2]})
        for winner, score, row in zip(winners, scores, probs.tolist(), strict=True)
    ]


def __getattr__(name: str) -> object:
    # ``sentiment.SentimentModel`` works, but only imports TensorFlow when someone asks for it.
    if name == "SentimentModel":
        from sentiment.inference import SentimentModel

        return SentimentModel
    raise AttributeError(f"module 'sentiment' has no attribute {name!r}")


def predict(texts: Sequence[str], batch_size: int | None = None) -> list[Prediction]:
    """Score texts with the shipped model, in input order, ``batch_size`` texts per network call
    (default: the runtime's own, 128 for LiteRT and 512 for Keras)."""
    model = load_model()
    if batch_size is None:
        return model.predict(texts)
    return model.predict(texts, batch_size=batch_size)


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
