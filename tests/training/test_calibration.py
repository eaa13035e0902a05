"""The neutral offset chosen on the selection split."""

import numpy as np

from training.calibration import class_offsets
from training.metrics import macro_recall


def test_neutral_offset_recovers_neutral_tweets_from_a_biased_model() -> None:
    labels = np.array([0, 0, 1, 1, 1, 1, 2, 2])
    # Neutral tweets get a neutral logit just below the polar ones: argmax never says neutral.
    logits = np.array([[2.0, 0.0, 0.0], [1.5, 0.5, 0.0], [1.0, 0.8, 0.0], [0.0, 0.7, 1.0],
                       [0.9, 0.6, 0.0], [0.0, 0.9, 1.1], [0.0, 0.0, 2.0], [0.0, 0.4, 1.6]])
    offsets = class_offsets(logits, labels)
    assert offsets[0] == offsets[2] == 0.0  # the positive-versus-negative call is untouched
    assert offsets[1] > 0
    assert macro_recall(labels, (logits + offsets).argmax(1)) == 1.0
    assert macro_recall(labels, logits.argmax(1)) < 1.0


def test_offsets_stay_zero_when_nothing_is_gained() -> None:
    labels = np.array([0, 1, 2])
    logits = np.eye(3) * 5
    assert class_offsets(logits, labels).tolist() == [0.0, 0.0, 0.0]
