"""The datasets kept in training/data load with the documented sizes and labels."""

import numpy as np
import pytest

from training import data


@pytest.mark.parametrize(
    ("load", "rows", "counts"),
    [
        (lambda: data.tweeteval("val"), 2_000, [312, 869, 819]),
        (lambda: data.tweeteval("train"), 45_615, [7_093, 20_673, 17_849]),
        (data.tweet_sentiment_extraction, 27_480, [7_781, 11_117, 8_582]),
        (data.airline, 14_640, [9_178, 3_099, 2_363]),
        (data.sentiment140_sample, 2_000, [1_014, 0, 986]),
    ],
)
def test_labelled_sets_have_documented_sizes(load, rows, counts) -> None:
    labelled = load()
    assert len(labelled) == rows == len(labelled.labels)
    assert np.bincount(labelled.labels, minlength=3).tolist() == counts


def test_unlabeled_corpus_is_present() -> None:
    assert len(data.unlabeled_texts()) == 139_759


def test_repairs_sentiment140_mojibake() -> None:
    assert data._repair_mojibake("cafÃ©") == "café"
    assert data._repair_mojibake("already fine ☺") == "already fine ☺"
