"""The figures used to choose and report the model."""

import numpy as np

from training.metrics import binary_accuracy, confusion_matrix, macro_recall, score


def test_macro_recall_averages_per_class_recall() -> None:
    truth = np.array([0, 0, 1, 1, 1, 1, 2, 2])
    predicted = np.array([0, 1, 1, 1, 1, 1, 0, 2])
    assert macro_recall(truth, predicted) == (0.5 + 1.0 + 0.5) / 3


def test_score_reports_percentages_and_confusion() -> None:
    truth = np.array([0, 1, 2, 2])
    predicted = np.array([0, 1, 2, 1])
    figures = score(truth, predicted)
    assert figures.accuracy == 75.0
    assert figures.recall == {"negative": 100.0, "neutral": 100.0, "positive": 50.0}
    assert figures.confusion == confusion_matrix(truth, predicted).tolist()
    assert figures.confusion[2] == [0, 1, 1]
    assert 0 < figures.macro_f1 < 100


def test_binary_accuracy_ignores_neutral_probability() -> None:
    probs = np.array([[0.2, 0.7, 0.1], [0.1, 0.8, 0.1 + 1e-3], [0.6, 0.1, 0.3]])
    assert binary_accuracy(np.array([0, 2, 2]), probs) == round(200 / 3, 2)


def test_class_weights_favour_rare_classes() -> None:
    from training.train import class_weights  # imports TensorFlow: not at collection time

    weights = class_weights(np.array([0, 1, 1, 1, 2, 2]))
    assert weights[0] > weights[2] > weights[1]
    assert np.isclose(sum(w * n for w, n in zip(weights.values(), [1, 3, 2], strict=True)), 6)
