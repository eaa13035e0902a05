"""The candidate networks and the string-in, probabilities-out model that ships.

Only built-in Keras layers are used, so loading the shipped file needs no custom code. Every
layer is named: Keras' automatic names ("dense_7") count up within a process, which would make
two runs in one process save different files.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from sentiment import LABELS
from sentiment.inference import NETWORK_LAYER, VECTORIZER_LAYER

KINDS = ("bilstm", "conv1d")


@dataclass(frozen=True)
class NetworkSpec:
    """Shape of a candidate network; ``kind`` is ``"bilstm"`` or ``"conv1d"``."""

    kind: str
    units: int = 64
    dropout: float = 0.4
    train_embeddings: bool = True
    attention: bool = False  # bilstm only: attention pooling over time instead of max-pooling


def make_vectorizer(vocabulary: list[str], sequence_length: int) -> keras.layers.TextVectorization:
    """Whitespace tokenizer over already-normalised text; the vocabulary is saved in the model."""
    return keras.layers.TextVectorization(
        standardize=None, split="whitespace", output_mode="int",
        output_sequence_length=sequence_length, vocabulary=vocabulary, name=VECTORIZER_LAYER,
    )


def build_network(spec: NetworkSpec, embedding_matrix: np.ndarray, sequence_length: int,
                  unroll: bool = False) -> keras.Model:
    """Token ids ``(batch, sequence_length)`` in, class logits out (softmax comes at assembly).

    Logits rather than probabilities: members of an ensemble are averaged, and the calibrated
    class offsets added, in logit space, and the loss is computed from logits. ``unroll`` (for
    the shipped copy) unrolls the LSTM over the fixed sequence length: the same results, but no
    per-step loop, which made the BiLSTM member about 15% faster on CPU (bench/scoring.py).
    """
    token_ids = keras.Input(shape=(sequence_length,), dtype="int64",
                            name=f"{spec.kind}_token_ids")
    vocab_size, dim = embedding_matrix.shape
    embedding = keras.layers.Embedding(vocab_size, dim, trainable=spec.train_embeddings,
                                       name="embedding")
    embedded = embedding(token_ids)
    # Dropping whole embedding channels regularises better than dropping single values.
    x = keras.layers.SpatialDropout1D(0.2, name="embedding_dropout")(embedded)
    if spec.kind == "bilstm":
        # Max-pooling over all time steps rather than the final state: a sentiment cue in the
        # middle of a tweet then does not have to survive to the end of the sequence. No mask
        # (max-pooling cannot use one): the padding id has a learnt vector of its own.
        lstm = keras.layers.LSTM(spec.units, return_sequences=True, unroll=unroll, name="lstm")
        x = keras.layers.Bidirectional(lstm, name="bilstm")(x)
        x = _attention_pooling(x) if spec.attention else (
            keras.layers.GlobalMaxPooling1D(name="max_over_time")(x))
    elif spec.kind == "conv1d":
        branches = [
            keras.layers.GlobalMaxPooling1D(name=f"max_over_time_{width}")(
                keras.layers.Conv1D(spec.units, width, activation="relu", padding="same",
                                    name=f"conv_{width}")(x))
            for width in (2, 3, 4)
        ]
        x = keras.layers.Concatenate(name="ngram_features")(branches)
    else:
        raise ValueError(f"unknown network kind {spec.kind!r}")
    x = keras.layers.Dropout(spec.dropout, name="features_dropout")(x)
    x = keras.layers.Dense(spec.units, activation="relu", name="hidden")(x)
    x = keras.layers.Dropout(spec.dropout, name="hidden_dropout")(x)
    logits = keras.layers.Dense(len(LABELS), name="logits")(x)
    network = keras.Model(token_ids, logits, name=spec.kind)
    # Set after building, not through a Constant initializer: that would write the whole
    # matrix into the saved model's config.json as text (66 MB instead of 12 MB of weights).
    embedding.set_weights([embedding_matrix])
    return network


def _attention_pooling(steps: keras.KerasTensor) -> keras.KerasTensor:
    """Weighted sum over time with learnt weights (Baziotis et al. 2017, DataStories).

    Built from stock layers so the saved file needs no custom code: a score per step, a softmax
    over the steps, and the dot product of those weights with the steps.
    """
    scores = keras.layers.Dense(1, activation="tanh", name="attention_score")(steps)
    weights = keras.layers.Softmax(axis=1, name="attention_weights")(scores)
    pooled = keras.layers.Dot(axes=1, name="attention_pool")([weights, steps])
    return keras.layers.Flatten(name="attended")(pooled)


def combine(members: list[keras.Model], sequence_length: int) -> keras.Model:
    """One network over token ids: the members' logits averaged, then a softmax.

    With a single member this is that member plus its softmax.
    """
    token_ids = keras.Input(shape=(sequence_length,), dtype="int64", name="token_ids")
    logits = [member(token_ids) for member in members]
    averaged = keras.layers.Average(name="mean_logits")(logits) if len(logits) > 1 else logits[0]
    probs = keras.layers.Activation("softmax", name="probs")(averaged)
    return keras.Model(token_ids, probs, name=NETWORK_LAYER)


def assemble(vectorizer: keras.layers.TextVectorization, network: keras.Model,
             name: str) -> keras.Model:
    """The shipped model: raw normalised strings in, probabilities out."""
    texts = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model(texts, network(vectorizer(texts)), name=name)
