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
from sentiment.inference import CHAR_VECTORIZER_LAYER, NETWORK_LAYER, VECTORIZER_LAYER

KINDS = ("bilstm", "conv1d", "char")


@dataclass(frozen=True)
class NetworkSpec:
    """Shape of a candidate network; ``kind`` is ``"bilstm"``, ``"conv1d"`` or ``"char"``."""

    kind: str
    units: int = 64
    dropout: float = 0.4
    train_embeddings: bool = True
    attention: bool = False  # bilstm only: attention pooling over time instead of max-pooling
    # Character input: the "char" kind reads only characters; a conv1d with ``char_branch``
    # reads words and characters, concatenating the two sets of max-pooled n-gram features.
    char_branch: bool = False
    char_dim: int = 16  # size of the (randomly initialised) character embedding
    char_filters: int = 32  # character convolution filters per width

    @property
    def reads_chars(self) -> bool:
        return self.kind == "char" or self.char_branch


@dataclass(frozen=True)
class CharShape:
    """The character input: vocabulary size (padding and out-of-vocabulary ids included) and
    the number of characters read."""

    vocabulary_size: int
    length: int


def make_char_vectorizer(characters: list[str],
                         char_length: int) -> keras.layers.TextVectorization:
    """Character ids of already-normalised text, cut or padded to ``char_length``."""
    return keras.layers.TextVectorization(
        standardize=None, split="character", output_mode="int",
        output_sequence_length=char_length, vocabulary=characters, name=CHAR_VECTORIZER_LAYER,
    )


def make_vectorizer(vocabulary: list[str], sequence_length: int) -> keras.layers.TextVectorization:
    """Whitespace tokenizer over already-normalised text; the vocabulary is saved in the model."""
    return keras.layers.TextVectorization(
        standardize=None, split="whitespace", output_mode="int",
        output_sequence_length=sequence_length, vocabulary=vocabulary, name=VECTORIZER_LAYER,
    )


def build_network(spec: NetworkSpec, embedding_matrix: np.ndarray, sequence_length: int,
                  unroll: bool = False, chars: CharShape | None = None) -> keras.Model:
    """Token ids ``(batch, sequence_length)`` in, class logits out (softmax comes at assembly).

    Logits rather than probabilities: members of an ensemble are averaged, and the calibrated
    class offsets added, in logit space, and the loss is computed from logits. ``unroll`` (for
    the shipped copy) unrolls the LSTM over the fixed sequence length: the same results, but no
    per-step loop, which made the BiLSTM member about 15% faster on CPU (bench/scoring.py).
    ``chars`` (needed when ``spec`` reads characters): a "char" network takes character ids
    instead of token ids, a conv1d with ``char_branch`` takes ``[token ids, character ids]``.
    """
    if spec.kind == "char":
        return build_char_network(spec, chars)
    token_ids = keras.Input(shape=(sequence_length,), dtype="int64",
                            name=f"{spec.kind}_token_ids")
    vocab_size, dim = embedding_matrix.shape
    embedding = keras.layers.Embedding(vocab_size, dim, trainable=spec.train_embeddings,
                                       name="embedding")
    inputs: keras.KerasTensor | list[keras.KerasTensor] = token_ids
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
        if spec.char_branch:
            char_ids = keras.Input(shape=(chars.length,), dtype="int64", name="char_ids")
            branches.append(_char_features(spec, chars, char_ids))
            inputs = [token_ids, char_ids]
        x = keras.layers.Concatenate(name="ngram_features")(branches)
    else:
        raise ValueError(f"unknown network kind {spec.kind!r}")
    x = keras.layers.Dropout(spec.dropout, name="features_dropout")(x)
    x = keras.layers.Dense(spec.units, activation="relu", name="hidden")(x)
    x = keras.layers.Dropout(spec.dropout, name="hidden_dropout")(x)
    logits = keras.layers.Dense(len(LABELS), name="logits")(x)
    network = keras.Model(inputs, logits, name=spec.kind)
    # Set after building, not through a Constant initializer: that would write the whole
    # matrix into the saved model's config.json as text (66 MB instead of 12 MB of weights).
    embedding.set_weights([embedding_matrix])
    return network


def build_char_network(spec: NetworkSpec, chars: CharShape) -> keras.Model:
    """Character ids ``(batch, char_length)`` in, class logits out (after CharSCNN, dos Santos
    & Gatti 2014, at tweet level): misspellings, elongations and words outside the 25,000-word
    vocabulary still share character n-grams with words the network has seen.
    """
    char_ids = keras.Input(shape=(chars.length,), dtype="int64", name="char_ids")
    x = _char_features(spec, chars, char_ids)
    x = keras.layers.Dropout(spec.dropout, name="features_dropout")(x)
    x = keras.layers.Dense(spec.units, activation="relu", name="hidden")(x)
    x = keras.layers.Dropout(spec.dropout, name="hidden_dropout")(x)
    logits = keras.layers.Dense(len(LABELS), name="logits")(x)
    return keras.Model(char_ids, logits, name=spec.kind)


def _char_features(spec: NetworkSpec, chars: CharShape,
                   char_ids: keras.KerasTensor) -> keras.KerasTensor:
    """Max-pooled character 3-, 4- and 5-grams (the widths of common stems and affixes)."""
    x = keras.layers.Embedding(chars.vocabulary_size, spec.char_dim, name="char_embedding")(
        char_ids)
    branches = [
        keras.layers.GlobalMaxPooling1D(name=f"char_max_over_time_{width}")(
            keras.layers.Conv1D(spec.char_filters, width, activation="relu", padding="same",
                                name=f"char_conv_{width}")(x))
        for width in (3, 4, 5)
    ]
    return keras.layers.Concatenate(name="char_ngram_features")(branches)


def _attention_pooling(steps: keras.KerasTensor) -> keras.KerasTensor:
    """Weighted sum over time with learnt weights (Baziotis et al. 2017, DataStories).

    Built from stock layers so the saved file needs no custom code: a score per step, a softmax
    over the steps, and the dot product of those weights with the steps.
    """
    scores = keras.layers.Dense(1, activation="tanh", name="attention_score")(steps)
    weights = keras.layers.Softmax(axis=1, name="attention_weights")(scores)
    pooled = keras.layers.Dot(axes=1, name="attention_pool")([weights, steps])
    return keras.layers.Flatten(name="attended")(pooled)


def combine(members: list[keras.Model], sequence_length: int,
            chars: CharShape | None = None) -> keras.Model:
    """One network over token ids (and character ids when a member reads them): the members'
    logits averaged, then a softmax.

    With a single member this is that member plus its softmax. The network's inputs are token
    ids, then character ids, each only if some member reads it.
    """
    token_ids = keras.Input(shape=(sequence_length,), dtype="int64", name="token_ids")
    char_ids = (keras.Input(shape=(chars.length,), dtype="int64", name="char_ids")
                if chars is not None else None)
    logits, used = [], set()
    for member in members:
        # A member's inputs are named by build_network: "char_ids" or "<kind>_token_ids".
        feeds = [char_ids if tensor.name == "char_ids" else token_ids for tensor in member.inputs]
        used.update(id(feed) for feed in feeds)
        logits.append(member(feeds if len(feeds) > 1 else feeds[0]))
    averaged = keras.layers.Average(name="mean_logits")(logits) if len(logits) > 1 else logits[0]
    probs = keras.layers.Activation("softmax", name="probs")(averaged)
    inputs = [tensor for tensor in (token_ids, char_ids) if id(tensor) in used]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], probs, name=NETWORK_LAYER)


def assemble(vectorizer: keras.layers.TextVectorization, network: keras.Model, name: str,
             char_vectorizer: keras.layers.TextVectorization | None = None) -> keras.Model:
    """The shipped model: raw normalised strings in, probabilities out."""
    texts = keras.Input(shape=(), dtype="string", name="text")
    ids = [char_vectorizer(texts) if tensor.name == "char_ids" else vectorizer(texts)
           for tensor in network.inputs]
    return keras.Model(texts, network(ids if len(ids) > 1 else ids[0]), name=name)
