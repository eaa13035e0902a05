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


def test_sentiment140_pretraining_set_leaves_out_the_evaluation_sample() -> None:
    distant = data.sentiment140_distant()
    assert len(distant) == 97_924
    assert np.bincount(distant.labels, minlength=3).tolist() == [48_932, 0, 48_992]
    assert not set(distant.texts) & set(data.sentiment140_sample().texts)


def test_selection_split_is_stratified_disjoint_and_seeded() -> None:
    train = data.tweeteval("train")
    fit, selection = data.split_selection(train, 0.1, seed=1234)
    assert len(fit) + len(selection) == len(train)
    assert np.bincount(selection.labels).tolist() == [709, 2_067, 1_785]
    again = data.split_selection(train, 0.1, seed=1234)[1]
    assert again.texts == selection.texts


def test_tse_report_part_is_fixed_disjoint_and_never_pretrained_on() -> None:
    report = data.tweet_sentiment_extraction_part("report")
    train = data.tweet_sentiment_extraction_part("train")
    assert len(report) + len(train) == 27_480
    assert np.bincount(report.labels).tolist() == [3_131, 4_375, 3_455]
    keys = {data._text_key(text) for text in report.texts}
    assert not keys & {data._text_key(text) for text in train.texts}  # duplicates stay together
    assert not keys & {data._text_key(text) for text in data.sentiment140_distant().texts}
    assert data.tweet_sentiment_extraction_part("report").texts == report.texts
    assert data.SOURCES["tse_train"]().texts == train.texts
