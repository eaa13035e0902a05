"""Word2Vec on all tweet text we have, turned into a vocabulary and an embedding matrix."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from gensim.models import Word2Vec
from tqdm import tqdm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Embeddings:
    """Vocabulary (most frequent first) and matching vectors.

    Row ``i + 2`` of ``matrix`` is the vector of ``vocabulary[i]``: rows 0 and 1 are the padding
    and out-of-vocabulary slots that Keras' ``TextVectorization`` reserves.
    """

    vocabulary: list[str]
    matrix: np.ndarray


class _Progress:
    """A gensim corpus that shows one tqdm bar across all Word2Vec passes."""

    def __init__(self, sentences: Sequence[list[str]], passes: int) -> None:
        self._sentences = sentences
        self._bar = tqdm(total=len(sentences) * passes, desc="word2vec", unit="tweet",
                         mininterval=2.0)

    def __iter__(self):
        for sentence in self._sentences:
            self._bar.update()
            yield sentence

    def __len__(self) -> int:
        return len(self._sentences)


def train_word2vec(texts: Sequence[str], dim: int, epochs: int, seed: int,
                   min_count: int = 2) -> Word2Vec:
    """Skip-gram Word2Vec over normalised texts.

    One worker thread: gensim is only reproducible with a single worker, and on two cores the
    speed-up of more would be small anyway.
    """
    sentences = [text.split() for text in texts]
    model = Word2Vec(vector_size=dim, window=5, min_count=min_count, sg=1, negative=5,
                     workers=1, seed=seed, epochs=epochs)
    model.build_vocab(sentences)
    model.train(_Progress(sentences, epochs), total_examples=len(sentences), epochs=epochs)
    return model


def build_embeddings(word2vec: Word2Vec, max_tokens: int, seed: int) -> Embeddings:
    """Keep the ``max_tokens - 2`` most frequent words; vectors scaled to the Keras default range.

    Word2Vec vectors are rescaled so their standard deviation matches a fresh Keras embedding's
    (~0.05): the network's first layers then start in their usual regime.
    """
    vocabulary = list(word2vec.wv.index_to_key[: max_tokens - 2])
    vectors = word2vec.wv[vocabulary]
    vectors = vectors * (0.05 / vectors.std())
    rng = np.random.default_rng(seed)
    dim = vectors.shape[1]
    padding = np.zeros((1, dim), dtype=np.float32)
    unknown = rng.normal(0.0, 0.05, size=(1, dim)).astype(np.float32)
    matrix = np.concatenate([padding, unknown, vectors.astype(np.float32)])
    log.info("embedding matrix %s from %d word2vec words", matrix.shape, len(word2vec.wv))
    return Embeddings(vocabulary, matrix)
