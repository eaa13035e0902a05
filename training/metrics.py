"""Classification figures used both to pick a model and to report it (numpy only)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from sentiment import LABELS


@dataclass(frozen=True)
class Scores:
    """Three-class figures on one labelled set (percentages, rounded for reporting)."""

    macro_recall: float
    accuracy: float
    macro_f1: float
    recall: dict[str, float]
    confusion: list[list[int]]  # rows: true label, columns: predicted, both in LABELS order

    def as_dict(self) -> dict:
        return asdict(self)


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Counts of (true, predicted) label pairs over the three classes."""
    matrix = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth), np.asarray(predicted)), 1)
    return matrix


def macro_recall(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Mean per-class recall in [0, 1] (SemEval-2017 4A's main metric), classes present only."""
    matrix = confusion_matrix(truth, predicted)
    support = matrix.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(matrix)[present] / support[present]))


def score(truth: np.ndarray, predicted: np.ndarray) -> Scores:
    """All reported figures, as percentages with two decimals."""
    matrix = confusion_matrix(truth, predicted)
    true_positive = np.diag(matrix).astype(float)
    recall = np.divide(true_positive, matrix.sum(axis=1), out=np.zeros(3),
                       where=matrix.sum(axis=1) > 0)
    precision = np.divide(true_positive, matrix.sum(axis=0), out=np.zeros(3),
                          where=matrix.sum(axis=0) > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(3),
                   where=(precision + recall) > 0)

    def pct(value: float) -> float:
        return round(100.0 * float(value), 2)

    return Scores(
        macro_recall=pct(macro_recall(truth, predicted)),
        accuracy=pct(true_positive.sum() / max(matrix.sum(), 1)),
        macro_f1=pct(f1.mean()),
        recall={label: pct(value) for label, value in zip(LABELS, recall, strict=True)},
        confusion=matrix.tolist(),
    )


def binary_accuracy(truth: np.ndarray, probs: np.ndarray) -> float:
    """Positive-vs-negative accuracy (%) of a 3-class model on binary data.

    Neutral is ignored: a row counts as positive when p(positive) > p(negative).
    """
    negative, positive = LABELS.index("negative"), LABELS.index("positive")
    predicted = np.where(probs[:, positive] > probs[:, negative], positive, negative)
    return round(100.0 * float(np.mean(predicted == truth)), 2)
