"""Export the shipped Keras model for the light serving runtime (LiteRT).

The ``.keras`` file stays the model of record: training writes it and evaluation reads it. This
step converts its network (token ids in, probabilities out) with TensorFlow's own TFLite
converter and writes, next to it:

- ``sentiment.tflite``: the network, weights included (float32, no quantisation: the same
  arithmetic, so the same verdicts);
- ``sentiment.tflite.json``: the vocabulary and sequence length of the model's
  ``TextVectorization`` layer (the one step the converter cannot take: string ops), the source
  file's sha256 (the serving side refuses an export of another model file), and how far the
  export's probabilities are from Keras's on the validation texts.

Why: a worker process that imports TensorFlow holds ~730 MB (600 MB of it the import alone);
with LiteRT it holds ~85 MB and scores at about the same speed (``bench/memory.py``).

    python -m training.export_lite [--model sentiment/model/sentiment.keras]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from training import data

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO_ROOT / "sentiment" / "model" / "sentiment.keras"


def export(model_path: Path) -> dict:
    import tensorflow as tf

    import sentiment
    from sentiment.inference import CHAR_VECTORIZER_LAYER, NETWORK_LAYER, VECTORIZER_LAYER
    from sentiment.lite import LiteModel, lite_paths, vectorize

    keras_model = sentiment.load_model(model_path, runtime="keras")
    if any(layer.name == CHAR_VECTORIZER_LAYER for layer in keras_model.keras_model.layers):
        # sentiment/lite.py computes token ids only; character input was tried and not shipped.
        raise SystemExit("export_lite: character input (training --kinds char, --char-branch) "
                         "is not supported by the LiteRT runtime; serve it with Keras")
    network = keras_model.keras_model.get_layer(NETWORK_LAYER)
    vectorizer = keras_model.keras_model.get_layer(VECTORIZER_LAYER)
    vocabulary = [str(token) for token in vectorizer.get_vocabulary()]
    sequence_length = int(vectorizer.get_config()["output_sequence_length"])

    converter = tf.lite.TFLiteConverter.from_keras_model(network)
    flatbuffer = converter.convert()
    tflite_path, manifest_path = lite_paths(model_path)
    tflite_path.write_bytes(flatbuffer)

    # The export is checked against the model it came from before it is declared good: the same
    # token ids as the Keras layer, and (nearly) the same probabilities, on every validation text.
    texts = data.tweeteval("val").texts + data.sentiment140_sample().texts
    normalized = [sentiment.normalize(text) for text in texts]
    keras_ids = vectorizer(tf.constant(normalized)).numpy()
    manifest = {
        "source": model_path.name,
        "source_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "version": keras_model.version,
        "sequence_length": sequence_length,
        "vocabulary": vocabulary,
        "tensorflow": tf.__version__,
    }
    lite_ids = vectorize(normalized, {t: i for i, t in enumerate(vocabulary)}, sequence_length)
    if not np.array_equal(lite_ids, keras_ids):
        raise SystemExit("export_lite: the Python tokenizer disagrees with TextVectorization")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False))
    lite = LiteModel(tflite_path, manifest_path, threads=1)
    expected = keras_model.probabilities(texts)
    got = lite.probabilities(texts)
    check = {
        "texts": len(texts),
        "max_abs_prob_diff": float(np.abs(expected - got).max()),
        "label_agreement": float((expected.argmax(1) == got.argmax(1)).mean()),
    }
    manifest["check"] = check
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False))
    if check["label_agreement"] < 1.0 or check["max_abs_prob_diff"] > 1e-4:
        raise SystemExit(f"export_lite: the export differs from the Keras model: {check}")
    return {"tflite": str(tflite_path), "bytes": len(flatbuffer), **check}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    print(json.dumps(export(args.model.resolve())))


if __name__ == "__main__":
    main()
